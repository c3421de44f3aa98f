import { PassThrough, type Duplex } from 'node:stream';
import { PortscopeError } from '../../errors.js';
import type {
  ExecCommand,
  ListenEvent,
  NetcatEndpoint,
  NetcatProtocol,
  RelayOptions,
  TlsServerOptions,
} from '../../netcat/index.js';
import { EXIT } from '../exit-codes.js';
import type { NcOptions } from './nc.js';
import { doneWithStdin, exitOfRelay, readPem, where, type StdinFile } from './nc-shared.js';
import type { VerboseLines } from './nc-verbose.js';

type Netcat = typeof import('../../netcat/index.js');

interface ListenContext {
  readonly protocol: NetcatProtocol;
  readonly family: 4 | 6 | undefined;
  readonly relayOptions: RelayOptions;
  readonly log: (line: string) => void;
  readonly verbose: (line: string) => void;
  /** Writes whole `-v` lines (nothing without -v). */
  readonly say: (lines: readonly string[]) => void;
  /** The `-v` lines in the wording of --compat's tool, or portscope's. */
  readonly lines: VerboseLines;
  /** stdin as exitOfRelay takes it (undefined with --recv-only). */
  readonly stdin: { readonly file: StdinFile | undefined; readonly crlf: boolean } | undefined;
  /** Listen on 127.0.0.1 and ::1 (the endpoint's host is then 127.0.0.1). */
  readonly bothLoopbacks: boolean;
}

const REFUSALS = { denied: 'in --deny', 'not-allowed': 'not in --allow', 'max-conns': 'over --max-conns' } as const;

/** The program for --exec (split on whitespace, no shell) or --shell, if any. */
function execCommandOf(options: NcOptions): ExecCommand | undefined {
  if (options.exec !== undefined && options.shell !== undefined) {
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected --exec or --shell, not both');
  }
  if (options.shell !== undefined) return { shell: options.shell };
  if (options.exec === undefined) return undefined;
  const argv = options.exec.split(/\s+/).filter((w) => w !== '');
  if (argv.length === 0) throw new PortscopeError('INVALID_ARGUMENT', 'Expected a program after --exec, got nothing');
  return { argv };
}

/** Listens and serves: one client with stdin/stdout, or (-k) many, or --exec, --broker, --chat. */
export async function serveListener(
  nc: Netcat,
  endpoint: NetcatEndpoint,
  context: ListenContext,
  options: NcOptions,
): Promise<number> {
  const exec = execCommandOf(options);
  const brokered = options.broker === true || options.chat === true;
  const proxy = options.proxyServer !== undefined;
  if (options.proxyAuth !== undefined && !proxy)
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected --proxy-server with --proxy-auth, got none');
  if (proxy && (exec !== undefined || brokered || context.protocol !== 'tcp'))
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected --proxy-server on a TCP listener without --exec, --shell, --broker or --chat',
    );
  if (brokered && context.protocol === 'udp')
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected --broker/--chat on a TCP or unix listener, got UDP');
  if (exec !== undefined && brokered)
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected --exec or --broker/--chat, not both');
  if (exec !== undefined && (options.sendOnly === true || options.recvOnly === true)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected --send-only/--recv-only without --exec/--shell: the program, not stdin, talks to the client',
    );
  }
  // ncat's --allowfile/--denyfile add to --allow/--deny; an empty --allowfile accepts nobody.
  const allow =
    options.allowfile === undefined
      ? options.allow
      : [...(options.allow ?? []), ...nc.readAccessFile(options.allowfile, '--allowfile')];
  const deny =
    options.denyfile === undefined
      ? options.deny
      : [...(options.deny ?? []), ...nc.readAccessFile(options.denyfile, '--denyfile')];
  // Checked before binding: a program must not be offered to the network by accident.
  if (exec !== undefined) nc.checkExecExposure(endpoint, allow);
  const keepOpen = options.keepOpen === true || brokered || proxy;
  // Names are resolved once, here, for the listener and (a proxy connects only to targets the
  // rules accept) for the proxy's targets: both then check the same addresses.
  const allowed = allow === undefined ? undefined : await nc.resolveAccessNames(allow, '--allow');
  const denied = deny === undefined ? undefined : await nc.resolveAccessNames(deny, '--deny');
  const targetCheck = proxy ? await nc.accessRules(allowed, denied) : null;
  const tls: TlsServerOptions | undefined =
    options.tls !== true
      ? undefined
      : {
          ...(options.cert === undefined ? {} : { cert: readPem(options.cert, '--cert') }),
          ...(options.key === undefined ? {} : { key: readPem(options.key, '--key') }),
          ...(options.alpn === undefined ? {} : { alpn: options.alpn.split(',') }),
        };
  const onEvent = (event: ListenEvent) => {
    if (event.type === 'refused') context.log(`refused ${where(event.peer)} (${REFUSALS[event.reason]}): reset`);
    else if (event.type === 'tls-failed')
      context.log(`TLS handshake with ${where(event.peer)} failed: ${event.message}`);
    else if (event.type === 'accept-failed') context.log(`accepting a connection failed: ${event.message}`);
    else context.say(context.lines.connectionFrom(event.peer, context.protocol));
  };
  const broker = brokered
    ? nc.createBroker({
        chat: options.chat === true,
        // As ncat's: stdin goes to every client (read while one is connected); its end sends nothing.
        input: process.stdin,
        crlf: options.crlf === true,
        // As ncat's broker: --send-only drops what clients send, --recv-only sends nothing to anyone.
        sendOnly: options.sendOnly === true,
        recvOnly: options.recvOnly === true,
        onDropped: (peer, bytes) => {
          context.log(`dropped ${peer}: ${String(bytes)} bytes unread`);
        },
      })
    : undefined;
  const fanOut =
    keepOpen && exec === undefined && broker === undefined && !proxy ? stdinFanOut(context.relayOptions) : undefined;
  let single: Promise<number> | undefined;
  // Before the bind: a signal that came between the bind and the handler would leave the file.
  const signals = 'path' in endpoint ? removeSocketFileOnSignal() : undefined;
  const listening = nc.listen(
    'path' in endpoint ? endpoint : context.bothLoopbacks ? { port: endpoint.port } : endpoint,
    {
      // -U -u: the library's unix datagram listener (a `{ path }` with protocol udp).
      protocol: options.udp === true ? 'udp' : context.protocol,
      keepOpen,
      // -k -u: a session per sender (ncat 7.94's), or nc.openbsd's socket that answers nobody.
      udpKeepOpen: options.compat === 'openbsd' ? 'unanswered' : 'sessions',
      bothLoopbacks: context.bothLoopbacks,
      ...(context.family === undefined ? {} : { family: context.family }),
      ...(options.maxConns === undefined ? {} : { maxConns: options.maxConns }),
      ...(allowed === undefined ? {} : { allow: allowed }),
      ...(denied === undefined ? {} : { deny: denied }),
      ...(tls === undefined ? {} : { tls }),
      onEvent,
    },
    (connection) => {
      if (proxy) {
        void nc
          .serveHttpProxy(connection.stream, {
            targetCheck,
            // -4/-6 restrict the targets too, and a GET to the listener's own port is a loop, as in ncat.
            ...(context.family === undefined ? {} : { family: context.family }),
            ...('port' in connection.local ? { ownPort: connection.local.port } : {}),
            ...(options.proxyAuth === undefined ? {} : { auth: options.proxyAuth }),
            ...(options.connectTimeout === undefined ? {} : { connectTimeoutMs: options.connectTimeout }),
          })
          .then((r) => {
            context.verbose(`${where(connection.peer)}: ${r.method} ${r.target}: ${String(r.status)}`);
          });
      } else if (exec !== undefined) {
        nc.execConnection(connection, exec, process.env, { crlf: options.crlf === true }).then(
          (r) => {
            context.verbose(`${where(connection.peer)}: program ended (${r.signal ?? `exit ${String(r.exitCode)}`})`);
          },
          (error: unknown) => {
            context.log(error instanceof Error ? error.message : String(error));
          },
        );
      } else if (broker !== undefined) {
        broker.add(connection);
      } else if (fanOut !== undefined) {
        fanOut.add(connection.stream, (stream, feed) =>
          // A kept-open datagram socket has no FIN to wait for: it lasts as the listener does, not
          // the 2 s linger after stdin's end that ends a one-peer UDP session.
          nc.relay(stream, feed, process.stdout, { lingerMs: Infinity, ...context.relayOptions }).then(
            (r) => {
              context.verbose(`${where(connection.peer)}: ${r.end}`);
            },
            (error: unknown) => {
              context.verbose(`${where(connection.peer)}: ${error instanceof Error ? error.message : String(error)}`);
            },
          ),
        );
      } else {
        single = nc
          .relay(connection.stream, process.stdin, process.stdout, context.relayOptions)
          .then((r) => exitOfRelay(r, context.log, context.stdin));
      }
    },
  );
  signals?.listening(listening);
  const listener = await listening.catch((error: unknown) => {
    signals?.stop();
    throw error;
  });
  // ncat binds :: before 0.0.0.0 and says so in that order; its compat lines follow (::1 first).
  const bound = options.compat === 'ncat' ? [...listener.locals].reverse() : listener.locals;
  for (const local of bound) context.say(context.lines.listening(local, context.protocol, tls !== undefined));
  if (listener.certificate?.selfSigned === true) {
    context.log(
      `TLS with a self-signed certificate; clients can pin it: --pin sha256:${listener.certificate.publicKeySha256}`,
    );
  }
  await listener.closed;
  signals?.stop();
  fanOut?.stop();
  if (fanOut !== undefined || single !== undefined || broker !== undefined) doneWithStdin();
  return (await single) ?? EXIT.ok;
}

/**
 * `-k` without --exec or --broker: what each client sends goes to stdout; stdin goes to every
 * client, each through its own feed so that the EOF rules are the relay's (a client's FIN is its
 * half-close); stdin's EOF ends every feed, present and future. stdin is first read when the first
 * client arrives, so that what it held before (`echo hi | nc -lk`) is not lost; a full feed pauses
 * stdin until it drains.
 */
function stdinFanOut(relayOptions: RelayOptions) {
  const feeds = new Set<PassThrough>();
  let started = false;
  let ended = false;
  const resumeIfDrained = () => {
    if (![...feeds].some((feed) => feed.writableNeedDrain)) process.stdin.resume();
  };
  const onData = (chunk: Buffer) => {
    for (const feed of feeds) {
      if (!feed.write(chunk)) {
        process.stdin.pause();
        feed.once('drain', resumeIfDrained);
      }
    }
  };
  const onEnd = () => {
    ended = true;
    for (const feed of feeds) feed.end();
  };
  return {
    add(stream: Duplex, run: (stream: Duplex, feed: PassThrough | null) => Promise<void>) {
      if (relayOptions.recvOnly === true) {
        void run(stream, null);
        return;
      }
      const feed = new PassThrough();
      feeds.add(feed);
      stream.once('close', () => {
        feeds.delete(feed);
        feed.destroy();
        if (started && !ended) resumeIfDrained();
      });
      if (ended) feed.end();
      if (!started) {
        started = true;
        process.stdin.on('data', onData);
        process.stdin.once('end', onEnd);
      }
      void run(stream, feed);
    },
    stop() {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
    },
  };
}

/** How long a signalled listener may take to close before the signal is raised again anyway. */
const SIGNAL_CLOSE_MS = 5000;

/**
 * SIGTERM and SIGINT close a unix socket listener first, which removes its socket file (ncat and
 * nc.openbsd leave theirs, and the next listener on that path fails with EADDRINUSE), then raise
 * the signal again, so that the process still ends by it. Installed before the bind; `listening`
 * is given the listener's promise in the same tick (a handler runs only from the event loop).
 */
function removeSocketFileOnSignal() {
  let listening: Promise<{ close(): Promise<void> }> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    const raise = () => process.kill(process.pid, signal);
    setTimeout(raise, SIGNAL_CLOSE_MS).unref();
    const closing = listening?.then((listener) => listener.close()) ?? Promise.resolve();
    void closing.catch(() => undefined).finally(raise);
  };
  const stop = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return {
    listening: (promise: Promise<{ close(): Promise<void> }>) => {
      listening = promise;
    },
    stop,
  };
}
