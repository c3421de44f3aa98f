import { hostname } from 'node:os';
import type { Owner, Snapshot, SnapshotWarning, Socket } from '../../model/index.js';
import { checkOtherPlatform, otherPlatformPredicate, ownerFrom } from '../bsd/common.js';
import type { PsProcess } from '../bsd/parse-ps.js';
import { readProcesses } from '../bsd/ps.js';
import { runTool, toolFailure } from '../bsd/run-tool.js';
import { needsOwners } from '../filter/analyze.js';
import type { NormalizedListOptions } from '../options.js';
import { parseSockstat, type SockstatRow } from './parse-sockstat.js';
import { parseSockstatUnix, type SockstatUnixRow } from './parse-sockstat-unix.js';

/**
 * sockstat's arguments, newest release first: IPv4, IPv6 and unix sockets (-u), TCP states (-s), listening
 * and connected, wide addresses (-w, FreeBSD 12+) and numeric uids (-n, newer releases: not in the 12.0
 * manual); then without -w and -n for older ones.
 */
export const FREEBSD_SOCKSTAT_ARGS: readonly (readonly string[])[] = [
  ['-46', '-u', '-s', '-l', '-c', '-w', '-n'],
  ['-46', '-u', '-s', '-l', '-c'],
];

/** What sockstat printed, or '' (with a warning) when it is missing or refused every argument list. */
async function readSockstat(warnings: SnapshotWarning[]): Promise<string> {
  const failures: string[] = [];
  for (const args of FREEBSD_SOCKSTAT_ARGS) {
    const result = await runTool('sockstat', args);
    if (result === undefined) {
      warnings.push({ code: 'TABLE_UNREADABLE', message: 'sockstat is not installed: no sockets listed' });
      return '';
    }
    // An option this release lacks: sockstat prints its usage on stderr and exits 1 with nothing on stdout.
    const failure = toolFailure('sockstat', args, result);
    if (failure === undefined) return result.stdout;
    failures.push(failure);
  }
  warnings.push({ code: 'TABLE_UNREADABLE', message: `sockstat listed nothing: ${failures.join('; ')}` });
  return '';
}

/** A socket and the sockstat rows (one per holding fd) it was read from. */
interface Held {
  readonly socket: Omit<Socket, 'owners' | 'ownerStatus'>;
  readonly rows: { pid?: number; command?: string; uid?: number; user?: string; fd?: number }[];
}

/**
 * Unix sockets: a bound one is one socket per (type, path), held by every process that has it (a forked
 * server); an unbound one (a client) is a socket of its own per row, since sockstat names nothing that
 * would tell two clients apart.
 */
function unixSockets(rows: readonly SockstatUnixRow[]): Held[] {
  const byPath = new Map<string, Held>();
  const out: Held[] = [];
  for (const row of rows) {
    const key = row.path === '' ? undefined : `${row.type}|${row.path}`;
    const known = key === undefined ? undefined : byPath.get(key);
    if (known !== undefined) {
      known.rows.push(row);
      continue;
    }
    const socket = {
      protocol: 'unix',
      family: 'unix',
      state: row.state,
      local: { address: row.path, port: 0 },
      peer: { address: row.peerPath, port: 0 },
      unix: { type: row.type, abstract: false },
    } as const;
    const entry = { socket, rows: [row] };
    if (key !== undefined) byPath.set(key, entry);
    out.push(entry);
  }
  return out;
}

function toSocket(row: SockstatRow): Omit<Socket, 'owners' | 'ownerStatus'> {
  return {
    protocol: row.protocol,
    family: row.family,
    state: row.state,
    local: row.local,
    peer: row.peer,
    ...(row.dualStack ? { v6only: false } : {}),
  };
}

/** One socket per (protocol, ends); its holders are every row's pid (a forked listener has several). */
function group(rows: readonly SockstatRow[]): Held[] {
  const byKey = new Map<string, Held>();
  const out: Held[] = [];
  for (const row of rows) {
    // Rows without a pid (TIME_WAIT) are sockets of their own: two of them may share their ends.
    const key =
      row.pid === undefined
        ? undefined
        : `${row.protocol}${row.family}|${row.local.address}|${String(row.local.port)}|${row.peer.address}|${String(row.peer.port)}|${row.state}`;
    const known = key === undefined ? undefined : byKey.get(key);
    if (known !== undefined) {
      known.rows.push(row);
      continue;
    }
    const entry = { socket: toSocket(row), rows: row.pid === undefined ? [] : [row] };
    if (key !== undefined) byKey.set(key, entry);
    out.push(entry);
  }
  return out;
}

function holdersOf(rows: Held['rows']) {
  const byPid = new Map<number, { command?: string; uid?: number; user?: string; fds: number[] }>();
  for (const r of rows) {
    if (r.pid === undefined) continue;
    const h = byPid.get(r.pid) ?? { fds: [] };
    if (r.command !== undefined) h.command = r.command;
    if (r.uid !== undefined) h.uid = r.uid;
    if (r.user !== undefined) h.user = r.user;
    if (r.fd !== undefined) h.fds.push(r.fd);
    byPid.set(r.pid, h);
  }
  return byPid;
}

/**
 * The FreeBSD backend of listSockets: TCP, UDP and unix sockets, with the pid, fd, uid and command name of
 * each holder, from `sockstat -46 -u -s -l -c -w -n` (one snapshot of the kernel's file and PCB tables:
 * every user's sockets, no root needed; a socket no process holds, TIME_WAIT, has pid `?`), plus process facts
 * from `ps` (user, start time, command line). No queues: sockstat does not print them. Tools are run by
 * name from PATH.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` (a netns other than all/host), `INVALID_FILTER`,
 *   `IO_ERROR` (a tool that hung or could not be run).
 */
export async function collectFreebsd(options: NormalizedListOptions): Promise<Snapshot> {
  const takenAt = new Date().toISOString();
  const warnings = checkOtherPlatform(options, 'FreeBSD', ['tcp', 'udp', 'unix']);
  const predicate = otherPlatformPredicate(options);
  const inet = options.families.has('inet') || options.families.has('inet6');
  const wanted = inet ? (['tcp', 'udp'] as const).filter((p) => options.protocols.has(p)) : [];
  const unix = options.families.has('unix') && options.protocols.has('unix');
  const text = wanted.length === 0 && !unix ? '' : await readSockstat(warnings);
  const rows = parseSockstat(text).filter(
    (r) => (wanted as readonly string[]).includes(r.protocol) && options.families.has(r.family),
  );
  const unixRows = unix ? parseSockstatUnix(text) : [];
  const groups = [...group(rows), ...unixSockets(unixRows)];
  const wantOwners = options.owners || needsOwners(options.filter);
  const processes = wantOwners
    ? await readProcesses(groups.flatMap((g) => g.rows.flatMap((r) => (r.pid === undefined ? [] : [r.pid]))))
    : new Map<number, PsProcess>();
  let sockets: Socket[] = groups.map(({ socket, rows: held }) => {
    if (!wantOwners) return { ...socket, owners: [], ownerStatus: 'not-requested' };
    const holders = holdersOf(held);
    const owners = [...holders]
      .map(([pid, seen]) => {
        const owner = ownerFrom(pid, seen, processes.get(pid));
        // Without ps facts, the user name sockstat printed (a release without -n).
        return owner === undefined || owner.user !== undefined || seen.user === undefined
          ? owner
          : { ...owner, user: seen.user };
      })
      .filter((o): o is Owner => o !== undefined);
    return { ...socket, owners, ownerStatus: owners.length > 0 ? 'ok' : 'none' };
  });
  sockets = sockets.filter(predicate);
  if (!options.owners) for (const s of sockets) Object.assign(s, { owners: [], ownerStatus: 'not-requested' });
  return { schemaVersion: 1, takenAt, host: hostname(), platform: 'freebsd', namespaces: [], warnings, sockets };
}
