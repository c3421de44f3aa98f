import { spawn } from 'node:child_process';
import { PortscopeError } from '../errors.js';
import type { NetcatConnection } from './connect.js';
import { isUnixEndpoint, type NetcatEndpoint } from './endpoint.js';
import { Transform } from 'node:stream';
import { crlfConverter } from './crlf.js';

/** A program to serve a connection with: `argv` run directly (no shell), or a `shell` command line. */
export type ExecCommand = { readonly argv: readonly string[] } | { readonly shell: string };

/** How a served program ended. */
export interface ExecResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Grace between SIGTERM and SIGKILL for a program whose peer went away, in ms. */
const KILL_GRACE_MS = 2000;

/**
 * The environment a served program gets, on top of the caller's: PORTSCOPE_PEER_ADDR,
 * PORTSCOPE_PEER_PORT, PORTSCOPE_LOCAL_ADDR, PORTSCOPE_LOCAL_PORT, PORTSCOPE_PROTO (tcp, udp,
 * unix), and the same under ncat's names (NCAT_REMOTE_ADDR, NCAT_REMOTE_PORT, NCAT_LOCAL_ADDR,
 * NCAT_LOCAL_PORT, NCAT_PROTO) for scripts written for `ncat --exec`. For unix sockets the
 * address is the path and the port is empty.
 */
export function execEnvironment(connection: NetcatConnection): Record<string, string> {
  const parts = (e: NetcatEndpoint) => (isUnixEndpoint(e) ? [e.path, ''] : [e.host, String(e.port)]);
  const [peerAddr = '', peerPort = ''] = parts(connection.peer);
  const [localAddr = '', localPort = ''] = parts(connection.local);
  const proto = connection.protocol.toUpperCase();
  return {
    PORTSCOPE_PEER_ADDR: peerAddr,
    PORTSCOPE_PEER_PORT: peerPort,
    PORTSCOPE_LOCAL_ADDR: localAddr,
    PORTSCOPE_LOCAL_PORT: localPort,
    PORTSCOPE_PROTO: connection.protocol,
    NCAT_REMOTE_ADDR: peerAddr,
    NCAT_REMOTE_PORT: peerPort,
    NCAT_LOCAL_ADDR: localAddr,
    NCAT_LOCAL_PORT: localPort,
    NCAT_PROTO: proto,
  };
}

/**
 * Serves `connection` with a program: the connection is the program's stdin and stdout (stderr is
 * the caller's). The peer's FIN is EOF on its stdin; the end of its stdout is our FIN. When the peer
 * goes away first, the program gets SIGTERM, then SIGKILL 2 s later. No shell unless
 * `{ shell }` is asked for, explicitly. `crlf`: bare LF in the program's output is sent as CRLF
 * (ncat's `-C` with `-e`). @default false
 * @throws PortscopeError `NOT_FOUND` when the program cannot be started.
 */
export function execConnection(
  connection: NetcatConnection,
  command: ExecCommand,
  baseEnv: Readonly<Record<string, string | undefined>>,
  options: { readonly crlf?: boolean } = {},
): Promise<ExecResult> {
  const [file, args] =
    'shell' in command ? ['/bin/sh', ['-c', command.shell]] : [command.argv[0] ?? '', command.argv.slice(1)];
  const { stream } = connection;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...baseEnv, ...execEnvironment(connection) },
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stopChild = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    child.stdin.on('error', () => undefined); // EPIPE: the program stopped reading
    stream.on('error', stopChild);
    stream.once('close', stopChild);
    stream.pipe(child.stdin);
    if (options.crlf === true) {
      // ncat's -C with -e: bare LF in what the program writes goes out as CRLF.
      const convert = crlfConverter();
      child.stdout
        .pipe(
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              done(null, convert(chunk));
            },
          }),
        )
        .pipe(stream);
    } else child.stdout.pipe(stream);
    child.once('error', (error) => {
      stream.destroy();
      reject(new PortscopeError('NOT_FOUND', `Cannot run \`${file}\`: ${error.message}`, { cause: error }));
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(killTimer);
      stream.off('close', stopChild);
      // The program's stdout has ended (pipe() ended the stream, our FIN); close once it is flushed.
      if (!stream.destroyed) {
        if (stream.writableFinished) stream.destroy();
        else stream.once('finish', () => stream.destroy());
      }
      resolve({ exitCode, signal });
    });
  });
}

/**
 * The rule for `--exec` on a listener: a program serving the network is refused on an address that
 * is not loopback, unless `allow` limits who may connect.
 * @throws PortscopeError `INVALID_ARGUMENT` saying so.
 */
export function checkExecExposure(local: NetcatEndpoint, allow: readonly string[] | undefined): void {
  if (isUnixEndpoint(local) || (allow?.length ?? 0) > 0) return;
  const loopback = local.host === '::1' || local.host.startsWith('127.') || local.host.startsWith('::ffff:127.');
  if (!loopback) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --exec/--shell to listen on loopback, got \`${local.host}\`: anyone who reaches it runs the program; give --allow CIDR to accept this`,
    );
  }
}
