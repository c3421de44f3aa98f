import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { startProcess, type Running } from './nc.js';
import { builtCliArgv } from './system.js';

/**
 * The harness of the peer suites (test/netcat/suite-*.test.ts): each case runs in a network
 * namespace of its own (so that, as in ncat-test.pl and OpenBSD's regress, fixed ports are safe and
 * cases run concurrently), with `portscope nc --compat ncat|openbsd` in the tool's place. With
 * PORTSCOPE_SUITE_REAL=1 the real tool (`ncat`, `nc.openbsd`) runs instead: a case the real tool
 * fails does not describe it.
 */

export type Tool = 'ncat' | 'openbsd';

const REAL: Readonly<Record<Tool, string>> = { ncat: 'ncat', openbsd: 'nc.openbsd' };
const real = process.env.PORTSCOPE_SUITE_REAL === '1';

/** True when the cases run against the real tool (PORTSCOPE_SUITE_REAL=1), not portscope. */
export const againstRealTool = real;

let labs = 0;
const open = new Set<Lab>();

/** Offsets of what {@link readNew} already returned, per process. */
const readAt = new WeakMap<Running, number>();

/** What a lab needs besides loopback. */
export interface LabOptions {
  /**
   * `localhost` names ::1 too, as in Debian's default /etc/hosts, which ncat-test.pl's fallback
   * cases assume (a machine whose /etc/hosts names 127.0.0.1 alone would fail them with ncat too):
   * an /etc/netns/NAME/hosts, which `ip netns exec` mounts over /etc/hosts.
   */
  readonly localhost6?: boolean;
  /** More /etc/hosts lines for the namespace (`127.0.0.1 my_host`), after localhost's. */
  readonly hosts?: string;
  /** The namespace's /etc/resolv.conf (`nameserver 127.0.0.1`, a DNS server the case runs in it). */
  readonly resolvConf?: string;
}

/** One case's network namespace (loopback up: 127.0.0.1 and ::1) and the processes it runs there. */
export class Lab {
  readonly name: string;
  private readonly procs: Running[] = [];

  constructor(options: LabOptions = {}) {
    this.name = `pssuite${String(process.pid)}n${String(++labs)}`;
    execFileSync('ip', ['netns', 'add', this.name], { stdio: 'pipe', timeout: 5000 });
    execFileSync('ip', ['-n', this.name, 'link', 'set', 'lo', 'up'], { stdio: 'pipe', timeout: 5000 });
    open.add(this);
    if (options.localhost6 === true || options.hosts !== undefined) {
      mkdirSync(this.etc(), { recursive: true });
      const localhost =
        options.localhost6 === true
          ? '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n'
          : '127.0.0.1 localhost\n';
      writeFileSync(`${this.etc()}/hosts`, `${localhost}${options.hosts ?? ''}`);
    }
    if (options.resolvConf !== undefined) {
      mkdirSync(this.etc(), { recursive: true });
      writeFileSync(`${this.etc()}/resolv.conf`, options.resolvConf);
    }
  }

  /** The namespace's own /etc files (`ip netns exec` mounts them over /etc). */
  private etc(): string {
    return `/etc/netns/${this.name}`;
  }

  /** Runs `file args` in the namespace (at most `limitMs`, then SIGKILL). */
  run(file: string, args: readonly string[], stdin: 'pipe' | 'ignore' = 'pipe', limitMs = 30_000): Running {
    const proc = startProcess('ip', ['netns', 'exec', this.name, file, ...args], limitMs, stdin);
    this.procs.push(proc);
    return proc;
  }

  /** Runs the tool (`portscope nc --compat TOOL ARGS`, or the real one) in the namespace. */
  nc(tool: Tool, args: readonly string[], stdin: 'pipe' | 'ignore' = 'pipe', limitMs?: number): Running {
    if (real) return this.run(REAL[tool], args, stdin, limitMs);
    const [node = '', ...rest] = builtCliArgv('nc', '--compat', tool, ...args);
    return this.run(node, rest, stdin, limitMs);
  }

  /**
   * Waits (at most `ms`) until `proc` has a socket bound to `port` (TCP: listening; UDP: bound),
   * or the unix socket `path` exists, read from the process's own /proc/PID/net.
   */
  async bound(proc: Running, target: number | string, protocol: 'tcp' | 'udp' = 'tcp', ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    const pid = proc.child.pid ?? 0;
    const hex = typeof target === 'number' ? `:${target.toString(16).toUpperCase().padStart(4, '0')} ` : '';
    for (;;) {
      if (typeof target === 'string' ? existsSync(target) : this.hasPort(pid, hex, protocol)) return;
      if (proc.child.exitCode !== null || proc.child.signalCode !== null)
        throw new Error(`exited before binding ${String(target)}: ${proc.stderr()}`);
      if (Date.now() > deadline)
        throw new Error(`nothing bound ${String(target)} in ${String(ms)} ms: ${proc.stderr()}`);
      await sleep(20);
    }
  }

  private hasPort(pid: number, hex: string, protocol: 'tcp' | 'udp'): boolean {
    for (const file of [protocol, `${protocol}6`]) {
      let text: string;
      try {
        text = readFileSync(`/proc/${String(pid)}/net/${file}`, 'utf8');
      } catch {
        return false;
      }
      for (const line of text.split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (`${fields[1] ?? ''} `.endsWith(hex) && (protocol === 'udp' || fields[3] === '0A')) return true;
      }
    }
    return false;
  }

  /** Kills what still runs and deletes the namespace. */
  close(): void {
    for (const proc of this.procs) proc.child.kill('SIGKILL');
    open.delete(this);
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'pipe', timeout: 5000 });
    } catch {
      // Already gone.
    }
    rmSync(this.etc(), { recursive: true, force: true });
  }
}

/** Labs at once: each runs two or three node processes, and CI has two cores. */
const MAX_LABS = 4;
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `body` in a new {@link Lab}, closed afterwards whatever happens; at most {@link MAX_LABS} at once. */
export async function inLab<T>(body: (lab: Lab) => Promise<T>, options: LabOptions = {}): Promise<T> {
  if (running >= MAX_LABS) await new Promise<void>((r) => waiting.push(r));
  running++;
  const lab = new Lab(options);
  try {
    return await body(lab);
  } finally {
    lab.close();
    running--;
    waiting.shift()?.();
  }
}

/** Closes every lab still open (for afterAll). */
export function closeLabs(): void {
  for (const lab of [...open]) lab.close();
}

/** The system's python3 (a pyenv shim on PATH starts much slower). */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What `proc` wrote to stdout since the last call, as ncat-test.pl's timeout_read: waits at most
 * `ms` for a first byte, then until 150 ms pass with nothing new (or the process exits).
 */
export async function readNew(proc: Running, ms = 1500): Promise<string> {
  const from = readAt.get(proc) ?? 0;
  const deadline = Date.now() + ms;
  let seen = from;
  let quietSince = Date.now();
  for (;;) {
    const size = proc.stdout().length;
    if (size !== seen) {
      seen = size;
      quietSince = Date.now();
    }
    const done = proc.child.exitCode !== null || proc.child.signalCode !== null;
    if ((seen > from && (Date.now() - quietSince > 150 || done)) || Date.now() > deadline || (done && seen === from))
      break;
    await sleep(20);
  }
  readAt.set(proc, seen);
  return proc.stdout().subarray(from, seen).toString('latin1');
}

/** Resolves with the exit code, or 'running' if `proc` has not exited within `ms`. */
export async function exitWithin(proc: Running, ms: number): Promise<number | string> {
  return Promise.race([proc.exited(), sleep(ms).then(() => 'running')]);
}

/** Writes to the process's stdin (ignoring a closed pipe). */
export function send(proc: Running, text: string): void {
  proc.child.stdin?.write(text);
}

/** Ends the process's stdin. */
export function endInput(proc: Running): void {
  proc.child.stdin?.end();
}

/**
 * Sockets of the namespace (read through `proc`'s /proc/PID/net) connected to or from `port`: TCP
 * ESTABLISHED with that local port (accepted by the kernel for a listener), or UDP sockets
 * connected to that port (a client's).
 */
export function connectionsTo(proc: Running, port: number, protocol: 'tcp' | 'udp' = 'tcp'): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const file of [protocol, `${protocol}6`]) {
    let text: string;
    try {
      text = readFileSync(`/proc/${String(proc.child.pid ?? 0)}/net/${file}`, 'utf8');
    } catch {
      return count;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local = '', remote = '', state = ''] = line.trim().split(/\s+/);
      if (state === '01' && (protocol === 'tcp' ? local.endsWith(hex) : remote.endsWith(hex))) count++;
    }
  }
  return count;
}

/** Waits (at most `ms`) until {@link connectionsTo} reaches `count`, or `orElse` holds. */
export async function waitConnections(
  proc: Running,
  port: number,
  count: number,
  protocol: 'tcp' | 'udp' = 'tcp',
  orElse: () => boolean = () => false,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (connectionsTo(proc, port, protocol) < count && !orElse()) {
    if (Date.now() > deadline) throw new Error(`${String(count)} connection(s) to ${String(port)} never came`);
    await sleep(20);
  }
}

/**
 * Waits (at most `ms`) until the client `proc` holds a TCP socket to `port` past its handshake (any
 * state but SYN_SENT: a refused client's may be CLOSE_WAIT already), or has output, or has exited:
 * ncat_client's "give it a moment to connect", read from its own /proc/PID/fd.
 */
export async function clientConnected(proc: Running, port: number, ms = 20_000): Promise<void> {
  const pid = String(proc.child.pid ?? 0);
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = Date.now() + ms;
  const connected = () => {
    const inodes = new Set<string>();
    let table: string;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode !== undefined) inodes.add(inode);
      }
      table = readFileSync(`/proc/${pid}/net/tcp`, 'utf8') + readFileSync(`/proc/${pid}/net/tcp6`, 'utf8');
    } catch {
      return false;
    }
    return table.split('\n').some((line) => {
      const f = line.trim().split(/\s+/);
      return (f[2] ?? '').endsWith(hex) && f[3] !== '02' && inodes.has(f[9] ?? '');
    });
  };
  while (!connected() && proc.stdout().length === 0 && proc.child.exitCode === null && proc.child.signalCode === null) {
    if (Date.now() > deadline) throw new Error(`the client did not connect to ${String(port)} in ${String(ms)} ms`);
    await sleep(20);
  }
}

/** readlink, or '' for a file descriptor closed meanwhile. */
function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** Resolves true once `proc` has closed its stdout (or exited), false if not within `ms`. */
export async function stdoutEnded(proc: Running, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (proc.child.stdout?.readableEnded !== true && proc.child.exitCode === null && proc.child.signalCode === null) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
