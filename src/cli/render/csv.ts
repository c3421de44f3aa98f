function quote(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** RFC 4180 CSV: a header line, then one line per row, fields quoted when they need it. */
export function renderCsv(headers: readonly string[], rows: readonly string[][]): string {
  return [headers, ...rows].map((row) => row.map(quote).join(',')).join('\n') + '\n';
}

/** One RFC 4180 CSV line (with its newline), for output written row by row. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(quote).join(',')}\n`;
}
