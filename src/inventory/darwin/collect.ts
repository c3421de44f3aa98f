import { hostname } from 'node:os';
import type { Owner, Snapshot, SnapshotWarning, Socket } from '../../model/index.js';
import { checkOtherPlatform, otherPlatformPredicate, ownerFrom } from '../bsd/common.js';
import { readProcesses } from '../bsd/ps.js';
import { runTool, toolFailure } from '../bsd/run-tool.js';
import { needsOwners } from '../filter/analyze.js';
import type { NormalizedListOptions } from '../options.js';
import { joinDarwin } from './join.js';
import { parseLsofFields, type LsofSocketFile } from './parse-lsof.js';
import { parseDarwinNetstat, type DarwinNetstatRow } from './parse-netstat.js';
import { parseDarwinNetstatUnix, type DarwinUnixRow } from './parse-netstat-unix.js';
import { darwinUnixSockets } from './unix-sockets.js';

/** lsof: numeric hosts and ports, internet files only, as fields (pid, command, uid, fd, type, device, protocol, name, TCP info). */
export const DARWIN_LSOF_ARGS = ['-nP', '-i', '-FpcuftdPnT', '-Tqs'] as const;

/** netstat's arguments per protocol: all sockets, numeric, verbose (the pid column); unix: the unix family. */
export function darwinNetstatArgs(protocol: 'tcp' | 'udp' | 'unix'): string[] {
  return protocol === 'unix' ? ['-anv', '-f', 'unix'] : ['-anv', '-p', protocol];
}

async function readNetstat(protocol: 'tcp' | 'udp', warnings: SnapshotWarning[]): Promise<DarwinNetstatRow[]> {
  const args = darwinNetstatArgs(protocol);
  const result = await runTool('netstat', args);
  const failure = result === undefined ? 'netstat is not installed' : toolFailure('netstat', args, result);
  if (result === undefined || failure !== undefined) {
    warnings.push({ code: 'TABLE_UNREADABLE', message: `${failure ?? ''}: ${protocol} sockets come from lsof only` });
    return [];
  }
  return parseDarwinNetstat(result.stdout);
}

async function readNetstatUnix(warnings: SnapshotWarning[]): Promise<DarwinUnixRow[]> {
  const args = darwinNetstatArgs('unix');
  const result = await runTool('netstat', args);
  const failure = result === undefined ? 'netstat is not installed' : toolFailure('netstat', args, result);
  if (result === undefined || failure !== undefined) {
    warnings.push({ code: 'TABLE_UNREADABLE', message: `${failure ?? ''}: unix sockets are not listed` });
    return [];
  }
  return parseDarwinNetstatUnix(result.stdout);
}

async function readLsof(warnings: SnapshotWarning[]): Promise<LsofSocketFile[]> {
  const result = await runTool('lsof', DARWIN_LSOF_ARGS);
  // lsof exits 1 when it found no file: only a failure that says why on stderr is one.
  const failure = result === undefined ? 'lsof is not installed' : toolFailure('lsof', DARWIN_LSOF_ARGS, result, 1);
  if (result === undefined || failure !== undefined) {
    warnings.push({ code: 'TABLE_UNREADABLE', message: `${failure ?? ''}: owners have no fds` });
    return [];
  }
  return parseLsofFields(result.stdout);
}

/**
 * The macOS backend of listSockets: TCP and UDP sockets from `netstat -anv -p tcp|udp` (states, queues and
 * the owning pid, for every user's sockets without root), unix sockets from `netstat -anv -f unix` (with
 * the pid where the release prints one), TCP and UDP joined with `lsof -nP -i -F` (the fds, uid and
 * command name of each holder; without root only the caller's own processes) and process facts from
 * `ps` (user, start time, command line). Tools are run by name from PATH.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` (a netns other than all/host), `INVALID_FILTER`,
 *   `IO_ERROR` (a tool that hung or could not be run).
 */
export async function collectDarwin(options: NormalizedListOptions): Promise<Snapshot> {
  const takenAt = new Date().toISOString();
  const warnings = checkOtherPlatform(options, 'macOS', ['tcp', 'udp', 'unix']);
  const predicate = otherPlatformPredicate(options);
  const protocols = (['tcp', 'udp'] as const).filter((p) => options.protocols.has(p));
  const inet = options.families.has('inet') || options.families.has('inet6');
  const wanted = inet ? protocols : [];
  const wantOwners = options.owners || needsOwners(options.filter);
  const unix = options.families.has('unix') && options.protocols.has('unix');
  const [rows, files, unixRows] = await Promise.all([
    Promise.all(wanted.map((p) => readNetstat(p, warnings))).then((r) => r.flat()),
    wantOwners && wanted.length > 0 ? readLsof(warnings) : Promise.resolve([]),
    unix ? readNetstatUnix(warnings) : Promise.resolve([]),
  ]);
  const joined = [
    ...joinDarwin(
      rows,
      files.filter((f) => wanted.includes(f.protocol)),
    ).filter((j) => options.families.has(j.socket.family)),
    ...darwinUnixSockets(unixRows),
  ];
  // Before macOS 26, netstat prints no pid for unix sockets, and lsof -U is not read (no recorded Mac
  // output of it to test a parser on): their owners are unknown, which is not "none".
  const unixOwnersUnknown = wantOwners && unixRows.length > 0 && unixRows.every((r) => r.pid === undefined);
  if (unixOwnersUnknown) {
    warnings.push({
      code: 'DETAILS_UNAVAILABLE',
      message:
        "This macOS netstat prints no pid for unix sockets: their owners are not listed (ownerStatus 'not-requested')",
    });
  }
  let sockets: Socket[];
  if (wantOwners) {
    const processes = await readProcesses(joined.flatMap((j) => j.holders.map((h) => h.pid)));
    sockets = joined.map(({ socket, holders }) => {
      const owners = holders
        .map((h) => ownerFrom(h.pid, h, processes.get(h.pid)))
        .filter((o): o is Owner => o !== undefined);
      const ownersUnknown = unixOwnersUnknown && socket.family === 'unix';
      const ownerStatus =
        owners.length > 0 ? 'ok' : holders.length > 0 ? 'gone' : ownersUnknown ? 'not-requested' : 'none';
      return { ...socket, owners, ownerStatus };
    });
  } else {
    sockets = joined.map(({ socket }) => ({ ...socket, owners: [], ownerStatus: 'not-requested' }));
  }
  sockets = sockets.filter(predicate);
  if (!options.owners) for (const s of sockets) Object.assign(s, { owners: [], ownerStatus: 'not-requested' });
  return { schemaVersion: 1, takenAt, host: hostname(), platform: 'darwin', namespaces: [], warnings, sockets };
}
