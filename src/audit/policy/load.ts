import type { ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Document, Node } from 'yaml';
import { errnoCode, PortscopeError } from '../../errors.js';
import { ajvClass, yaml } from '../../lazy-require.js';
import { packageRoot } from '../../package-root.js';
import type { Policy } from './types.js';

let validator: ValidateFunction | undefined;

/** The policy's JSON Schema, shipped in the package as schemas/portscope-policy.schema.json. */
export function policySchema(): object {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'portscope-policy.schema.json'), 'utf8')) as object;
}

function validate(): ValidateFunction {
  const Ajv = ajvClass();
  validator ??= new Ajv({ allErrors: false, verbose: true }).compile(policySchema());
  return validator;
}

/**
 * Parses and checks a policy (YAML, or JSON, which YAML 1.2 reads too) against the shipped JSON Schema.
 * `file` names it in errors.
 * @throws PortscopeError `INVALID_ARGUMENT` with one line `FILE:LINE:COLUMN: what was expected, got what`.
 */
export function parsePolicy(text: string, file: string): Policy {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${String(line)}:${String(col)}`;
  };
  const [syntax] = doc.errors;
  if (syntax !== undefined) {
    throw new PortscopeError('INVALID_ARGUMENT', `${where(syntax.pos[0])}: ${firstLine(syntax.message)}`);
  }
  const value: unknown = doc.toJS();
  const check = validate();
  if (!check(value)) {
    const [error] = check.errors ?? [];
    if (error !== undefined) {
      const { offset, text: what } = explain(doc, error);
      throw new PortscopeError('INVALID_ARGUMENT', `${where(offset)}: ${what}`);
    }
  }
  return value as Policy;
}

/**
 * Reads and checks the policy file at `path` (see {@link parsePolicy}).
 * @throws PortscopeError `NOT_FOUND` when it does not exist, `PERMISSION_DENIED`, `INVALID_ARGUMENT`.
 */
export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT')
      throw new PortscopeError('NOT_FOUND', `Expected a policy file, got \`${path}\`: no such file`);
    if (code === 'EACCES') throw new PortscopeError('PERMISSION_DENIED', `Cannot read the policy file \`${path}\``);
    throw new PortscopeError('IO_ERROR', `Cannot read the policy file \`${path}\`: ${String(error)}`, { cause: error });
  }
  return parsePolicy(text, path);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** Where in the document an ajv error points (the value, or the key for an unknown property) and what it wants. */
function explain(doc: Document, error: ErrorObject): { offset: number; text: string } {
  const { isMap, isNode, isPair, isScalar } = yaml();
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | null | undefined;
  const at = isNode(node) ? (node.range?.[0] ?? 0) : 0;
  const name = path.length === 0 ? 'the policy' : `\`${path.join('.')}\``;
  const got = describe(error.data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const pair = isMap(node)
        ? node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key)
        : undefined;
      const keyAt = pair !== undefined && isScalar(pair.key) ? (pair.key.range?.[0] ?? at) : at;
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { offset: keyAt, text: `unexpected property \`${key}\` in ${name}; expected one of ${known.join(', ')}` };
    }
    case 'required':
      return { offset: at, text: `${name} needs \`${String(params['missingProperty'])}\`` };
    case 'enum':
      if (error.propertyName !== undefined) {
        const values = (params['allowedValues'] as unknown[]).join(', ');
        return {
          offset: at,
          text: `expected the keys of ${name} to be among ${values}, got \`${error.propertyName}\``,
        };
      }
      return {
        offset: at,
        text: `expected ${name} to be one of ${(params['allowedValues'] as unknown[]).join(', ')}, got ${got}`,
      };
    case 'const':
      return { offset: at, text: `expected ${name} to be ${JSON.stringify(params['allowedValue'])}, got ${got}` };
    case 'type':
      return { offset: at, text: `expected ${name} to be ${String(params['type'])}, got ${got}` };
    case 'minimum':
    case 'maximum':
      return {
        offset: at,
        text: `expected ${name} ${String(params['comparison'])} ${String(params['limit'])}, got ${got}`,
      };
    default:
      return { offset: at, text: `expected ${name} to be valid: it ${error.message ?? 'is not'}, got ${got}` };
  }
}
