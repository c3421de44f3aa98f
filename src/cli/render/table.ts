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

/** Narrowest a text column other than the elastic one is cut to. */
const MIN_CUT_WIDTH = 6;
/** Narrowest the elastic column is cut to before other columns give up space. */
const MIN_ELASTIC_WIDTH = 8;

/**
 * Narrows `widths` (in place) so that a line fits in `width` columns: first the elastic column down to
 * {@link MIN_ELASTIC_WIDTH}; then the widest other left-aligned text column, one character at a time, down
 * to {@link MIN_CUT_WIDTH} (long addresses, units, process lists); then the elastic one down to 1.
 * Right-aligned columns (numbers) are never cut. Stops when nothing more can give.
 */
function fitWidth(columns: readonly Column[], widths: number[], width: number): void {
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  const elastic = columns.findIndex((c) => c.elastic === true);
  const elasticWidth = widths[elastic] ?? 0;
  if (elastic >= 0)
    widths[elastic] = Math.max(elasticWidth - (total() - width), Math.min(elasticWidth, MIN_ELASTIC_WIDTH));
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < columns.length; i++) {
      if (i === elastic || columns[i]?.align === 'right' || (widths[i] ?? 0) <= MIN_CUT_WIDTH) continue;
      if (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0)) widest = i;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  if (elastic >= 0) widths[elastic] = Math.max(1, (widths[elastic] ?? 0) - Math.max(0, total() - width));
}

/** A table's lines, one at a time: the widths are fixed by every row first (see {@link tableLayout}). */
export interface TableLayout {
  /** The header line (painted), or undefined without a header. */
  readonly header: string | undefined;
  /** One row's line, cells cut and padded to the widths, trailing spaces trimmed. */
  line(cells: readonly string[]): string;
  /** Each column's width (Infinity for a last column measured by no row: see layoutOfWidths). */
  readonly widths: readonly number[];
}

/**
 * The widths of a table of `rows` (two spaces between columns); when a width is given, cells are cut
 * with `…` so that lines fit in it (see fitWidth). Lines are then rendered one by one, for output
 * written in chunks.
 */
export function tableLayout(columns: readonly Column[], rows: readonly string[][], style: TableStyle): TableLayout {
  const widest = columns.map(() => 0);
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const length = row[i]?.length ?? 0;
      if (length > (widest[i] ?? 0)) widest[i] = length;
    }
  }
  return layoutOfWidths(columns, widest, style);
}

/**
 * The layout of {@link tableLayout} from the longest cell of each column (`widest`, in characters) instead of
 * the rows themselves: for rows rendered twice (measured, then printed) rather than kept.
 */
export function layoutOfWidths(columns: readonly Column[], widest: readonly number[], style: TableStyle): TableLayout {
  const widths = columns.map((c, i) => Math.max(style.header ? c.header.length : 0, widest[i] ?? 0));
  if (style.width !== undefined) fitWidth(columns, widths, style.width);
  const render = (cells: readonly string[], paint: ((c: Column, text: string) => string) | undefined) => {
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
    return out.trimEnd();
  };
  const { paintHeader } = style;
  return {
    header: style.header
      ? render(
          columns.map((c) => c.header),
          paintHeader === undefined ? undefined : (_c, t) => paintHeader(t),
        )
      : undefined,
    line: (cells) => render(cells, (c, t) => (c.paint === undefined ? t : c.paint(t))),
    widths,
  };
}

/**
 * Renders rows of cells as aligned text, two spaces between columns, trailing spaces trimmed.
 * When a width is given, cells are cut with `…` so that lines fit in it (see fitWidth).
 */
export function renderTable(columns: readonly Column[], rows: readonly string[][], style: TableStyle): string {
  const layout = tableLayout(columns, rows, style);
  const lines = rows.map((row) => layout.line(row));
  if (layout.header !== undefined) lines.unshift(layout.header);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
