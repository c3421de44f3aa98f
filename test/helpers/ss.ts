import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

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

/** What ss answered for one expression: the keys of the sockets it listed, or why it refused. */
export type SsAnswer = { keys: Set<string> } | { error: string };

const run = promisify(execFile);

/**
 * The sockets `ss -H -n -e -a -A tcp,udp,unix EXPRESSION` lists in network namespace `netns` (the expression
 * split at spaces into arguments, as a shell would), as keys: the inode, or `tw:LPORT:PPORT` for a socket
 * without one (TIME-WAIT). `error` when ss refuses the expression. At most 10 s.
 */
export async function ssMatching(netns: string, expression: string): Promise<SsAnswer> {
  const words = expression.split(' ').filter((w) => w !== '');
  const argv = ['netns', 'exec', netns, 'ss', '-H', '-n', '-e', '-a', '-A', 'tcp,udp,unix', '--', ...words];
  let stdout: string;
  try {
    ({ stdout } = await run('ip', argv, { encoding: 'utf8', timeout: 10_000, maxBuffer: 1 << 24 }));
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    const why = (stderr ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('Failed to find cgroup2'));
    return { error: `exit ${String(code)}: ${why.join(' ')}` };
  }
  const keys = new Set<string>();
  // ss leaves out the State column when the filter allows one state only.
  for (const line of stdout.split('\n')) {
    const unix = /^u_\w+\s+(?:[A-Z-]+\s+)?\d+\s+\d+\s+\S+\s+(\d+)\s/.exec(line);
    if (unix !== null) {
      keys.add(unix[1] ?? '');
      continue;
    }
    const inet = /^(?:tcp|udp)\s+(?:[A-Z-]+\s+)?\d+\s+\d+\s+\S*:(\d+|\*)\s+\S*:(\d+|\*)\s.*\bino:(\d+)/.exec(line);
    if (inet === null) continue;
    const [, local = '', peer = '', inode = ''] = inet;
    keys.add(inode === '0' ? `tw:${local}:${peer}` : inode);
  }
  return { keys };
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
