import { describe, expect, it } from 'vitest';
import { compileFilter, parseFilter, type FilterContext, type FilterNode, type Socket } from '../../../src/index.js';
import { fnmatchRegExp } from '../../../src/inventory/filter/glob.js';
import { cli } from '../../helpers/cli.js';

function sock(name: string, fields: Partial<Socket> & Pick<Socket, 'protocol' | 'family' | 'state'>): [string, Socket] {
  return [
    name,
    {
      local: { address: '', port: 0 },
      peer: { address: '', port: 0 },
      recvQ: 0,
      sendQ: 0,
      inode: 1,
      uid: 0,
      netns: 1,
      owners: [],
      ownerStatus: 'not-requested',
      ...fields,
    },
  ];
}

const SOCKETS: [string, Socket][] = [
  sock('v4', {
    protocol: 'tcp',
    family: 'inet',
    state: 'ESTABLISHED',
    local: { address: '127.0.0.1', port: 22 },
    peer: { address: '127.0.0.1', port: 40001 },
    ifindex: 1,
    mark: 0x13,
    cgroupId: 42,
  }),
  sock('mapped', {
    protocol: 'tcp',
    family: 'inet6',
    state: 'ESTABLISHED',
    local: { address: '::ffff:127.0.0.1', port: 443 },
    peer: { address: '::ffff:127.0.0.1', port: 40002 },
  }),
  sock('v6', {
    protocol: 'tcp',
    family: 'inet6',
    state: 'LISTEN',
    local: { address: '::1', port: 8080 },
    peer: { address: '::', port: 0 },
  }),
  sock('sock', {
    protocol: 'unix',
    family: 'unix',
    state: 'ESTABLISHED',
    inode: 5000,
    local: { address: '/run/Docker.sock', port: 0 },
    unix: { type: 'stream', abstract: false, peerInode: 5001 },
  }),
  sock('unnamed', { protocol: 'unix', family: 'unix', state: 'ESTABLISHED', inode: 5001 }),
  sock('autobind', {
    protocol: 'unix',
    family: 'unix',
    state: 'UNCONN',
    inode: 22,
    local: { address: '@1a2b3', port: 0 },
  }),
];

const CONTEXT: FilterContext = {
  users: new Map(),
  netnsNames: new Map(),
  hostAddresses: (name) => (name === 'web' ? ['10.9.9.9', '127.0.0.1'] : []),
  interfaceIndex: (name) => (name === 'lo' ? 1 : undefined),
  cgroupId: (path) => (path === '/system.slice' ? 42 : undefined),
  ephemeralPorts: [32768, 60999],
};

function select(expression: string): string[] {
  const predicate = compileFilter(parseFilter(expression), CONTEXT);
  return SOCKETS.filter(([, s]) => predicate(s)).map(([name]) => name);
}

describe('everything ss accepts selects what ss selects', () => {
  it.each([
    ['sport geq :443', ['mapped', 'v6', 'sock', 'unnamed']],
    ['sport leq 22', ['v4', 'autobind']],
    ['excl listening excl established', ['autobind']],
    ['state syn-rcv', []],
    ['sport = 0x16', ['v4', 'autobind']],
    ['sport = 026', ['v4', 'autobind']],
    ['sport = +22', ['v4', 'autobind']],
    ['sport = :026', ['v4', 'autobind']],
    ['sport = *', ['v4', 'mapped', 'v6', 'sock', 'unnamed', 'autobind']],
    ['sport != :*', []],
    ['sport > *', []],
    ['sport = :22', ['v4', 'autobind']],
    ['dport = :5001', ['sock']],
    ['dport = :0', ['v6', 'unnamed', 'autobind']],
    ['src inet:127.0.0.1', ['v4']],
    ['sport = :22 or src inet6:*', ['mapped', 'v6']],
    ['sport = inet6::8080 or sport = :22', ['v6']],
    ['src 127/8', ['v4', 'mapped']],
    ['src 127.0.0', []],
    ['src 127.0.0.1/255.0.0.0', ['v4', 'mapped']],
    ['src 0x7f.0.0.1', ['v4', 'mapped']],
    ['src any', ['v4', 'mapped', 'v6', 'sock', 'unnamed', 'autobind']],
    ['src web', ['v4', 'mapped']],
    ['src ::1:8080', ['v6']],
    ['src ::1', ['v6']],
    ['dst 127.0.0.1', ['v4', 'mapped']],
    ['dst [::ffff:127.0.0.1]', ['mapped']],
    ['dst ::ffff:127.0.0.1', ['mapped']],
    ['dst *', ['v4', 'mapped', 'v6', 'sock', 'unnamed', 'autobind']],
    ['src 0.0.0.0', ['unnamed']],
    ['src *:5000', ['sock']],
    ['src unix:/RUN/*.SOCK', ['sock']],
    ['src unix:/run/d?cker.sock', ['sock']],
    ['src unix:/run/[a-d]ocker.sock', ['sock']],
    ['src unix:/run/[!d]*', []],
    ['src unix:', ['unnamed']],
    ['not src /run/*', ['unnamed', 'autobind']],
    ['dev = lo', ['v4']],
    ['dev 1', ['v4']],
    ['dev != lo', ['mapped', 'v6', 'sock', 'unnamed', 'autobind']],
    ['fwmark = 0x13', ['v4']],
    ['fwmark = 0x10/0xf0', ['v4']],
    ['fwmark = 19/0x3', []],
    ['cgroup = /system.slice', ['v4']],
    ['autobound', ['unnamed', 'autobind']],
    ['not autobound', ['v4', 'mapped', 'v6', 'sock']],
    ['sport = :22 or sport = :8080 and state established', ['v4', 'autobind']],
    ['state listening exclude listening', []],
    ['exclude listening state listening', ['v4', 'mapped', 'v6', 'sock', 'unnamed', 'autobind']],
    ['src unix:/run/\\[D]ocker.sock', ['sock']],
    ['src unix:/run/\\\\[D]ocker.sock', []],
  ])('%s', (expression, expected) => {
    expect(select(expression)).toEqual(expected);
  });
});

describe('ss values read as ss reads them', () => {
  const host = (expression: string) => {
    const node = parseFilter(expression);
    return node.type === 'host' ? node : node.type === 'and' ? node.right : node;
  };
  it.each([
    ['src 10/8', { address: '10.0.0.0', prefixLength: 8 }],
    ['src 10.0.0', { address: '10.0.0.0' }],
    ['src 012.0.0.1:0x50', { address: '10.0.0.1', port: 80 }],
    ['src fe80::1', { address: 'fe80::1' }],
    ['src fe80::1:2', { address: 'fe80::1', port: 2 }],
    ['src [fe80::1:2]', { address: 'fe80::1:2' }],
    ['src fd00::/8', { address: 'fd00::', prefixLength: 8 }],
    ['src ::ffff:10.0.0.1', { address: '::ffff:10.0.0.1' }],
    ['src :22', { address: '*', port: 22 }],
    ['src localhost:ssh', { address: 'localhost', port: 22 }],
  ])('%s', (expression, fields) => {
    expect(host(expression)).toMatchObject(fields);
  });

  it('restricts the whole query to the family of the last prefix, as ss', () => {
    const node = parseFilter('src inet:10.0.0.1 or src inet6:*');
    expect(node).toMatchObject({ type: 'and', left: { type: 'family', families: ['inet6'] } });
  });
});

describe('fnmatch as ss uses it', () => {
  it.each([
    ['/run/*.sock', '/run/a/b.sock', true],
    ['*', '', true],
    ['?', '', false],
    ['[[:upper:]]*', 'Alpha', true],
    ['[[:upper:]]*', 'alpha', false],
    ['ALPHA', 'alpha', true],
    ['[A-C]x', 'bx', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['[]]', ']', true],
    ['[', '[', true],
  ])('%s on %j -> %s', (glob, name, expected) => {
    expect(fnmatchRegExp(glob).test(name)).toBe(expected);
  });
});

describe('errors stay INVALID_FILTER', () => {
  const failure = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it.each([
    ['('.repeat(5000) + 'sport = :22' + ')'.repeat(5000), 'nested'],
    ['not '.repeat(5000) + 'sport = :22', 'nested'],
    ['src inet:::1', 'IPv4 or IPv6'],
    ['src inet6:10.0.0.1', 'IPv6 address'],
    ['src link:eth0', 'a family that portscope lists'],
    ['sport = :70000', 'between 0 and 65535'],
    ['fwmark = 0x1/zz', 'a mark'],
  ])('%s', (expression, words) => {
    const error = failure(() => parseFilter(expression));
    expect(error).toMatchObject({ code: 'INVALID_FILTER' });
    expect((error as Error).message).toContain(words);
  });

  it.each([
    ['src nosuchhost', 'host name'],
    ['dev = nosuchdev', 'interface'],
    ['cgroup = /nope', 'cgroup'],
  ])('%s when compiled', (expression, words) => {
    const error = failure(() => compileFilter(parseFilter(expression), CONTEXT));
    expect(error).toMatchObject({ code: 'INVALID_FILTER' });
    expect((error as Error).message).toContain(words);
  });

  it('a chain of 20,000 predicates parses, compiles and runs', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `sport = :${String(i % 65535)}`).join(' or ');
    const node: FilterNode = parseFilter(text);
    expect(compileFilter(node, CONTEXT)(SOCKETS[0]?.[1] as Socket)).toBe(true);
  });

  it('the CLI answers 5,000 nested `(` with one line and exit 2, not exit 3', async () => {
    const result = await cli(['ls', '('.repeat(5000) + 'sport = :22' + ')'.repeat(5000)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nested');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
