/** One column of a table: its header, and whether it may be cut with `…` to fit the width. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** The one column that gives up space when the table is wider than the terminal. */
  readonly elastic?: boolean;
  /** Colour for a value (TTY only). */
  readonly paint?: (text: string) => string;
}

/** How to draw a table. */
export interface TableStyle {
  readonly header: boolean;
  /** Terminal width to fit into; undefined = no limit (output to a pipe or file). */
  readonly width: number | undefined;
  readonly paintHeader?: (text: string) => string;
}

/** Cuts `text` to `width` characters with `…` at the end. */
export function cut(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? '…'.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/**
 * Renders rows of cells as aligned text, two spaces between columns, trailing spaces trimmed.
 * When a width is given, the elastic column is cut with `…` so that lines fit in it.
 */
export function renderTable(columns: readonly Column[], rows: readonly string[][], style: TableStyle): string {
  const widths = columns.map((c) => (style.header ? c.header.length : 0));
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const length = row[i]?.length ?? 0;
      if (length > (widths[i] ?? 0)) widths[i] = length;
    }
  }
  const elastic = columns.findIndex((c) => c.elastic === true);
  if (style.width !== undefined && elastic >= 0) {
    const others = widths.reduce((sum, w, i) => (i === elastic ? sum : sum + w + 2), 0);
    widths[elastic] = Math.max(Math.min(widths[elastic] ?? 0, style.width - others), 8);
  }
  const lines: string[] = [];
  const line = (cells: readonly string[], paint: ((c: Column, text: string) => string) | undefined) => {
    let out = '';
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      const width = widths[i] ?? 0;
      if (column === undefined) continue;
      let text = cells[i] ?? '';
      if (text.length > width) text = cut(text, width);
      const pad = i === columns.length - 1 && column.align !== 'right' ? '' : ' '.repeat(width - text.length);
      const shown = paint === undefined ? text : paint(column, text);
      out += (i === 0 ? '' : '  ') + (column.align === 'right' ? pad + shown : shown + pad);
    }
    lines.push(out.trimEnd());
  };
  if (style.header) {
    const { paintHeader } = style;
    line(
      columns.map((c) => c.header),
      paintHeader === undefined ? undefined : (_c, t) => paintHeader(t),
    );
  }
  for (const row of rows) line(row, (c, t) => (c.paint === undefined ? t : c.paint(t)));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
