import { PortscopeError } from '../../errors.js';

/** The output formats of verbs that return data. */
export type Format = 'table' | 'json' | 'ndjson' | 'csv';
const FORMATS: readonly Format[] = ['table', 'json', 'ndjson', 'csv'];

/** Picks the format from `--json` and `--format`, among `allowed` (default: all four). @throws PortscopeError `INVALID_ARGUMENT`. */
export function chooseFormat(
  options: { json?: boolean; format?: string },
  allowed: readonly Format[] = FORMATS,
): Format {
  if (options.json === true) return 'json';
  const format = options.format ?? 'table';
  if (!(allowed as readonly string[]).includes(format)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --format to be one of ${allowed.join(', ')}, got \`${format}\``,
    );
  }
  return format as Format;
}

/** Splits a `--fields a,b,c` list and checks every name. @throws PortscopeError `INVALID_ARGUMENT`. */
export function chooseFields(list: string, known: readonly string[]): string[] {
  const names = list
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  const unknown = names.find((n) => !known.includes(n));
  if (unknown !== undefined || names.length === 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --fields to list some of ${known.join(', ')}, got \`${unknown ?? list}\``,
    );
  }
  return names;
}
