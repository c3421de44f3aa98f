import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { errnoCode, PortscopeError } from '../errors.js';

/** One line of the `sock:inet_sock_set_state` event, as tracefs prints it. */
export interface TraceRecord {
  /** The task that caused the transition: a thread id (`common_pid`). */
  readonly tid: number;
  readonly comm: string;
  /** Date.now() of the event (the instance's clock is `mono`, mapped to wall time). */
  readonly atMs: number;
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly port: number;
  /** True for a transition into LISTEN (listen()), false for one out of it (close()). */
  readonly listen: boolean;
}

const LINE =
  /^\s*(.*)-(\d+)\s+\[\d+\]\s+(?:\S+\s+)?(\d+\.\d+): inet_sock_set_state: family=(AF_INET6?) protocol=IPPROTO_TCP sport=(\d+) dport=\d+ saddr=(\S+) daddr=\S+ saddrv6=(\S+) daddrv6=\S+ oldstate=(\w+) newstate=(\w+)/;

/** Parses one trace_pipe line (undefined for other lines); `offsetMs` maps the mono clock to Date.now(). */
export function parseTraceLine(line: string, offsetMs: number): TraceRecord | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  const [, comm = '', tid = '', seconds = '', family, port = '', saddr = '', saddrv6 = '', oldstate, newstate] = m;
  if (oldstate !== 'TCP_LISTEN' && newstate !== 'TCP_LISTEN') return undefined;
  const inet6 = family === 'AF_INET6';
  return {
    tid: Number(tid),
    comm,
    atMs: Number(seconds) * 1000 + offsetMs,
    family: inet6 ? 'inet6' : 'inet',
    address: inet6 ? saddrv6 : saddr,
    port: Number(port),
    listen: newstate === 'TCP_LISTEN',
  };
}

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
const EVENT = 'events/sock/inet_sock_set_state';
const PREFIX = 'portscope-watch-';

/** The tracefs mount, mounting it on /sys/kernel/tracing when none is there (root only). */
function tracefsRoot(): string {
  const found = TRACEFS.find((dir) => fs.existsSync(`${dir}/instances`));
  if (found !== undefined) return found;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], { stdio: 'ignore', timeout: 5000 });
  } catch (error) {
    throw new PortscopeError(
      'UNSUPPORTED_PLATFORM',
      'tracefs is not mounted and could not be mounted on /sys/kernel/tracing',
      { cause: error },
    );
  }
  return '/sys/kernel/tracing';
}

/** Removes instances left by watchers that were killed (their pid is gone). */
function removeStale(instances: string): void {
  for (const name of fs.readdirSync(instances)) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length).split('-')[0]) : NaN;
    if (!Number.isSafeInteger(pid) || fs.existsSync(`/proc/${String(pid)}`)) continue;
    try {
      fs.rmdirSync(`${instances}/${name}`);
    } catch {
      // another watcher removed it first
    }
  }
}

let serial = 0;

/**
 * A private ftrace instance (`instances/portscope-watch-PID-N`) with only `sock:inet_sock_set_state`
 * enabled and filtered in the kernel to TCP transitions into and out of LISTEN, read through its
 * trace_pipe without blocking. Needs root. {@link TraceSession.close} disables and removes it.
 */
export class TraceSession {
  private partial = '';
  private readonly buffer = Buffer.alloc(1 << 16);
  private readonly offsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;

  private constructor(
    private readonly dir: string,
    private fd: number | undefined,
  ) {}

  /**
   * Creates and enables the instance.
   * @throws PortscopeError `PERMISSION_DENIED` (not root), `UNSUPPORTED_PLATFORM` (no tracefs or no such event).
   */
  static open(): TraceSession {
    const root = tracefsRoot();
    if (!fs.existsSync(`${root}/${EVENT}`)) {
      throw new PortscopeError('UNSUPPORTED_PLATFORM', `This kernel has no ${EVENT} in ${root}`);
    }
    const dir = `${root}/instances/${PREFIX}${String(process.pid)}-${String(serial++)}`;
    try {
      removeStale(`${root}/instances`);
      fs.mkdirSync(dir);
    } catch (error) {
      const denied = ['EACCES', 'EPERM'].includes(errnoCode(error) ?? '');
      throw new PortscopeError(denied ? 'PERMISSION_DENIED' : 'IO_ERROR', `Cannot create the trace instance ${dir}`, {
        cause: error,
      });
    }
    const session = new TraceSession(dir, undefined);
    try {
      fs.writeFileSync(`${dir}/buffer_size_kb`, '256');
      fs.writeFileSync(`${dir}/trace_clock`, 'mono');
      fs.writeFileSync(`${dir}/${EVENT}/filter`, 'protocol == 6 && (oldstate == 10 || newstate == 10)');
      fs.writeFileSync(`${dir}/${EVENT}/enable`, '1');
      session.fd = fs.openSync(`${dir}/trace_pipe`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      session.close();
      throw new PortscopeError('IO_ERROR', `Cannot enable ${EVENT} in ${dir}`, { cause: error });
    }
    return session;
  }

  /** Every record traced since the last call (never blocks). */
  drain(): TraceRecord[] {
    if (this.fd === undefined) return [];
    let text = this.partial;
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.fd, this.buffer);
      } catch (error) {
        if (errnoCode(error) === 'EAGAIN') break;
        throw error;
      }
      if (n === 0) break;
      text += this.buffer.toString('utf8', 0, n);
    }
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.flatMap((line) => parseTraceLine(line, this.offsetMs) ?? []);
  }

  /** Disables the event and removes the instance (idempotent; errors are ignored: best effort). */
  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    try {
      fs.writeFileSync(`${this.dir}/${EVENT}/enable`, '0');
    } catch {
      // already gone
    }
    try {
      fs.rmdirSync(this.dir);
    } catch {
      // already gone
    }
  }
}
