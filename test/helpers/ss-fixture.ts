import { cli } from './cli.js';
import { startFixture, type Fixture } from './fixture.js';

/** What test/helpers/ss-sockets.py reports: socket inodes by name, the client's two fds, its pid. */
export type SsSocketsInfo = Record<string, number> & { pid: number; client_fds: [number, number] };

/** Starts test/helpers/ss-sockets.py. */
export function startSsSocketsFixture(): Promise<Fixture<SsSocketsInfo>> {
  return startFixture<SsSocketsInfo>('python3', [new URL('./ss-sockets.py', import.meta.url).pathname]);
}

/** Splits RFC 4180 CSV (as `--format csv` writes it) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const cells: string[] = [];
    for (const m of line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)) {
      const cell = m[1] ?? '';
      cells.push(cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell);
    }
    rows.push(cells);
  }
  return rows;
}

/** Runs `portscope ls ARGS --format csv --fields FIELDS` (host namespace) and keys its rows by inode (a field). */
export async function lsCells(args: readonly string[], fields: readonly string[]): Promise<Map<number, string[]>> {
  const { stdout } = await cli(['ls', ...args, '--netns', 'host', '--format', 'csv', '--fields', fields.join(',')]);
  const inodeAt = fields.indexOf('inode');
  const rows = parseCsv(stdout).slice(1);
  return new Map(rows.map((row) => [Number(row[inodeAt]), row]));
}
