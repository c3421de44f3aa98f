import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, isPortscopeError, parseFilter, type FilterNode } from '../../../src/index.js';

const WORDS = [
  'state',
  'exclude',
  'established',
  'listening',
  'all',
  'sport',
  'dport',
  'src',
  'dst',
  'pid',
  'user',
  'process',
  'unit',
  'container',
  'netns',
  'and',
  'or',
  'not',
  '=',
  '==',
  '!=',
  '<',
  '>=',
  '~',
  '!~',
  '!',
  '&&',
  '||',
  '(',
  ')',
  ':22',
  ':ssh',
  '[::1]:80',
  '10.0.0.0/8',
  '*',
  "'",
  '"',
  '/run/*.sock',
  '@x',
  '99999',
  'eq',
  'gt',
  'inet6::443',
  'geq',
  'excl',
  'dev',
  'fwmark',
  'cgroup',
  'autobound',
  'unix:[!a]*',
  'inet:10/8',
  '0x50',
  '::1:22',
  '0x10/0xff',
  '\\',
  'any',
];

const CONTEXT = {
  users: new Map<number, string>(),
  netnsNames: new Map<string, number>(),
  hostAddresses: () => [],
  interfaceIndex: () => undefined,
  cgroupId: () => undefined,
};

function parsesOrFailsCleanly(text: string): void {
  let node: FilterNode;
  try {
    node = parseFilter(text);
  } catch (error) {
    if (!isPortscopeError(error, 'INVALID_FILTER')) throw error;
    expect(error.column).toBeGreaterThanOrEqual(1);
    expect(error.column).toBeLessThanOrEqual(text.length + 1);
    return;
  }
  try {
    compileFilter(node, CONTEXT);
  } catch (error) {
    // A name that does not resolve (host, device, cgroup, namespace) is the only way compiling fails.
    if (!isPortscopeError(error, 'INVALID_FILTER') && !isPortscopeError(error, 'NOT_FOUND')) throw error;
  }
}

describe('parseFilter and compileFilter on random input', () => {
  it('throws nothing but INVALID_FILTER for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), parsesOrFailsCleanly), { numRuns: 3000 });
  });

  it('throws nothing but INVALID_FILTER for random sequences of filter tokens', () => {
    const tokens = fc.array(fc.constantFrom(...WORDS), { maxLength: 14 }).map((words) => words.join(' '));
    fc.assert(fc.property(tokens, parsesOrFailsCleanly), { numRuns: 5000 });
  });
});
