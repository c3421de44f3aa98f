import { PortscopeError } from '../../errors.js';

/** The output formats of verbs that return data. */
export type Format = 'table' | 'json' | 'ndjson' | 'csv';
const FORMATS: readonly Format[] = ['table', 'json', 'ndjson', 'csv'];

/**
 * Picks the format from `--json` and `--format`, among `allowed` (default: all four). A verb that takes
 * `--fields` passes it in `fields`: JSON and NDJSON print the whole model, so `--fields` with them would do
 * nothing and is refused here, once for every verb.
 * @throws PortscopeError `INVALID_ARGUMENT` for a format not in `allowed`, or `fields` with json or ndjson.
 */
export function chooseFormat(
  options: { json?: boolean; format?: string; fields?: string },
  allowed: readonly Format[] = FORMATS,
): Format {
  const format = options.json === true ? 'json' : (options.format ?? 'table');
  if (!(allowed as readonly string[]).includes(format)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --format to be one of ${allowed.join(', ')}, got \`${format}\``,
    );
  }
  if (options.fields !== undefined && (format === 'json' || format === 'ndjson')) {
    const given = options.json === true ? '--json' : `--format ${format}`;
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --fields with --format table or csv, not ${given}: ${format.toUpperCase()} prints the whole model (pick fields with jq)`,
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
