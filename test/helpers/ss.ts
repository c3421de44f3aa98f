import { execFileSync } from 'node:child_process';

/** One row of `ss -H -tuanxpe`, reduced to what the differential test compares. */
export interface SsRow {
  netid: string;
  state: string;
  local: string;
  peer: string;
  inode: number;
  pids: number[];
}

/**
 * Runs `ss -H -tuanxpe` and parses its rows. Unix rows carry the inode in the local "port"
 * position (`path inode`); inet rows carry `ino:N` with -e. Process lists are `users:(("cmd",pid=N,fd=N),...)`.
 */
export function ssRows(): SsRow[] {
  const text = execFileSync('ss', ['-H', '-tuanxpe'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const rows: SsRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+\d+\s+\d+\s+(.*)$/.exec(line);
    if (m === null) continue;
    const [, netid = '', state = '', rest = ''] = m;
    const pids = [...rest.matchAll(/pid=(\d+)/g)].map((x) => Number(x[1]));
    const body = rest.replace(/\s+users:\(\(.*$/, '').trim();
    if (netid.startsWith('u_')) {
      // "<path or *> <inode> <peer or *> <peer inode>"; the path may hold spaces.
      const u = /^(.*?)\s+(\d+)\s+(\S+)\s+(\d+)$/.exec(body);
      if (u === null) continue;
      rows.push({ netid, state, local: u[1] ?? '', peer: u[3] ?? '', inode: Number(u[2]), pids });
    } else {
      const [local = '', peer = ''] = body.split(/\s+/);
      const ino = /ino:(\d+)/.exec(rest);
      rows.push({ netid, state, local, peer, inode: ino === null ? 0 : Number(ino[1]), pids });
    }
  }
  return rows;
}

/** One line of `ss -H -e ...` as text fields: what the column tests compare with portscope's cells. */
export interface SsLine {
  netid: string;
  state: string;
  local: string;
  peer: string;
  inode: number;
  /** `users:((...))`, or '' */
  users: string;
  /** `timer:(...)`, or '' */
  timer: string;
  /** Everything after the peer column. */
  rest: string;
  /** The indented line below (ss's `-i`/`-m` details without `-O`), or ''. */
  details: string;
}

/**
 * Runs `ss -H -e ARGS` (with `-e` every row carries its inode) and splits each row into fields. Unix rows
 * carry the inode in the local "port" position (`path inode`, `* peer-inode`). With one kind of socket in
 * ARGS, ss prints no Netid column: `netid` is then ''.
 */
export function ssLines(args: readonly string[]): SsLine[] {
  const text = execFileSync('ss', ['-H', '-e', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines: SsLine[] = [];
  for (const line of text.split('\n')) {
    const last = lines.at(-1);
    if (line.startsWith('\t') && last !== undefined) {
      last.details = line.trim();
      continue;
    }
    // With one kind of socket asked for, ss leaves out the Netid column.
    const m = /^(?:(\S+)\s+)??([A-Z][A-Z0-9-]+)\s+\d+\s+\d+\s+(.*)$/.exec(line);
    if (m === null) continue;
    const [, netid = '', state = '', body = ''] = m;
    const u = /^(.*?\s\d+)\s+(\*\s\d+)(.*)$/.exec(body);
    const inet = /^(\S+)\s+(\S+)(.*)$/.exec(body);
    const isUnix = netid === '' ? u !== null : netid.startsWith('u_');
    const [, local = '', peer = '', rest = ''] = (isUnix ? u : inet) ?? [];
    const inode = isUnix ? Number(/\d+$/.exec(local)?.[0]) : Number(/ino:(\d+)/.exec(rest)?.[1] ?? 0);
    lines.push({
      netid,
      state,
      local: local.trim(),
      peer,
      inode,
      users: /users:\(\(.*?\)\)(?=\s|$)/.exec(rest)?.[0] ?? '',
      timer: /timer:\([^)]*\)/.exec(rest)?.[0] ?? '',
      rest: rest.trim(),
      details: '',
    });
  }
  return lines;
}
