import { PortscopeError, errnoCode } from '../../errors.js';
import type { NetcatConnection, NetcatEndpoint, TlsClientOptions } from '../../netcat/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { NcOptions } from './nc.js';
import {
  certificateLines,
  doneWithStdin,
  exitOfRelay,
  readPem,
  relayOptionsOf,
  stdinFile,
  where,
} from './nc-shared.js';
import { serveListener } from './nc-listen.js';
import { verboseLines } from './nc-verbose.js';

/** ncat's port when none is given (its DEFAULT_NCAT_PORT): used under `--compat ncat` only. */
const NCAT_DEFAULT_PORT = '31337';
/** ncat's proxy server's port when none is given (its DEFAULT_PROXY_PORT): `--compat ncat` only. */
const NCAT_PROXY_PORT = '3128';

/**
 * The endpoint named by the arguments: HOST PORT, -U PATH, or (listening) [HOST] PORT. Under
 * `--compat ncat`, as ncat: a missing port is 31337 (`-l`, `-l HOST`, `HOST`; 3128 for a proxy server), and a listener's one
 * argument is its port when it is 1-5 digits, else its host. `hostGiven` is false for a listener
 * given no address.
 */
function endpointOf(
  args: readonly string[],
  options: NcOptions,
  parsePort: (t: string, w: string, allowZero?: boolean) => number,
): { endpoint: NetcatEndpoint; hostGiven: boolean } {
  if (options.unix === true) {
    if (args.length !== 1)
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected one unix socket PATH with -U, got ${String(args.length)} arguments`,
      );
    return { endpoint: { path: args[0] ?? '' }, hostGiven: true };
  }
  const ncat = options.compat === 'ncat';
  if (options.listen === true) {
    const [first, second] = args;
    const oneIsHost = ncat && args.length === 1 && options.sourcePort === undefined && !/^\d{1,5}$/.test(first ?? '');
    const portText =
      args.length === 2
        ? second
        : args.length === 1 && !oneIsHost
          ? first
          : (options.sourcePort ??
            (ncat ? (options.proxyServer === undefined ? NCAT_DEFAULT_PORT : NCAT_PROXY_PORT) : undefined));
    const host = args.length === 2 || oneIsHost ? first : undefined;
    if (portText === undefined || args.length > 2) {
      throw new PortscopeError('INVALID_ARGUMENT', `Expected [HOST] PORT to listen on, got \`${args.join(' ')}\``);
    }
    return {
      endpoint: {
        host: host ?? (options['6'] === true ? '::1' : '127.0.0.1'),
        port: parsePort(portText, 'a port to listen on', true),
      },
      hostGiven: host !== undefined,
    };
  }
  if (args.length !== 2 && !(ncat && args.length === 1)) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected HOST PORT to connect to, got \`${args.join(' ')}\``);
  }
  // An empty HOST is a mistake (an unset shell variable), not this machine: net.connect would take localhost.
  if ((args[0] ?? '').trim() === '')
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected a HOST to connect to, got an empty string');
  return {
    endpoint: { host: args[0] ?? '', port: parsePort(args[1] ?? NCAT_DEFAULT_PORT, 'a port to connect to') },
    hostGiven: true,
  };
}

/** TLS client settings from the options, or undefined without --tls. */
function tlsClientOf(options: NcOptions): TlsClientOptions | undefined {
  if (options.tls !== true) return undefined;
  return {
    insecure: options.insecure === true,
    ...(options.ca === undefined ? {} : { ca: readPem(options.ca, '--ca') }),
    ...(options.pin === undefined ? {} : { pins: options.pin }),
    ...(options.servername === undefined ? {} : { servername: options.servername }),
    ...(options.alpn === undefined ? {} : { alpn: options.alpn.split(',') }),
    ...(options.cert === undefined ? {} : { cert: readPem(options.cert, '--cert') }),
    ...(options.key === undefined ? {} : { key: readPem(options.key, '--key') }),
  };
}

/** The TLS options given without --tls, which would otherwise be ignored on a plain connection. */
function tlsOptionsWithoutTls(options: NcOptions): string[] {
  if (options.tls === true) return [];
  const given = {
    '--ca': options.ca,
    '--pin': options.pin,
    '--servername': options.servername,
    '--alpn': options.alpn,
    '--cert': options.cert,
    '--key': options.key,
    '--insecure': options.insecure,
  };
  return Object.entries(given)
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);
}

/** Runs `portscope nc` and returns the exit code; errors propagate to the CLI's one-line handler. */
export async function runNetcat(args: readonly string[], options: NcOptions, io: CliIo): Promise<number> {
  const nc = await import('../../netcat/index.js');
  if (options['4'] === true && options['6'] === true)
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected -4 or -6, not both');
  const ignored = tlsOptionsWithoutTls(options);
  if (ignored.length > 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --tls with ${ignored.join(', ')}: without it the connection is plain TCP and ${ignored.length === 1 ? 'that option does' : 'those options do'} nothing`,
    );
  }
  const listenOnly = {
    '--exec': options.exec,
    '--shell': options.shell,
    '--keep-open': options.keepOpen,
    '--broker': options.broker,
    '--chat': options.chat,
    '--max-conns': options.maxConns,
    '--allow': options.allow,
    '--deny': options.deny,
    '--allowfile': options.allowfile,
    '--denyfile': options.denyfile,
    '--proxy-server': options.proxyServer,
    '--proxy-auth': options.proxyAuth,
  };
  const given = Object.entries(listenOnly)
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);
  if (options.listen !== true && given.length > 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected -l with ${given.join(', ')}: ${given.length === 1 ? 'it acts' : 'they act'} only on a listener`,
    );
  }
  if (options.sendOnly === true && options.recvOnly === true) {
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected --send-only or --recv-only, not both');
  }
  const family = options['4'] === true ? 4 : options['6'] === true ? 6 : undefined;
  const protocol = options.unix === true ? 'unix' : options.udp === true ? 'udp' : 'tcp';
  const log = (line: string) => io.stderr.write(`portscope nc: ${line}\n`);
  const verbose = options.verbose === true ? log : () => undefined;
  // Under --compat, -v speaks that tool's lines, which scripts wait for (`Ncat: Listening on`).
  const lines = verboseLines(options.compat ?? 'portscope');
  const say = (text: readonly string[]) => {
    if (options.verbose === true) for (const line of text) io.stderr.write(`${line}\n`);
  };

  const files = [
    ...(options.output !== undefined ? ['-o/--output'] : []),
    ...(options.hexDump !== undefined ? ['--hex-dump'] : []),
  ];
  if (options.appendOutput === true && files.length === 0)
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected -o FILE or --hex-dump FILE with --append-output, got neither',
    );
  if (options.zero === true && files.length > 0)
    throw new PortscopeError('INVALID_ARGUMENT', `Expected -z without ${files.join(', ')}: a port check moves no data`);
  if (options.zero === true) {
    if (protocol === 'unix' || args.length < 2) {
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected HOST PORTS with -z (TCP or UDP), got \`${args.join(' ')}\``,
      );
    }
    const results = await nc.checkPorts(args[0] ?? '', args.slice(1).join(','), {
      protocol: protocol === 'udp' ? 'udp' : 'tcp',
      ...(options.connectTimeout === undefined ? {} : { timeoutMs: options.connectTimeout }),
      concurrency: options.concurrency,
      ...(family === undefined ? {} : { family }),
    });
    if (options.json === true) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else if (options.compat !== undefined) {
      // Both tools say nothing on stdout with -z; -v tells each port on stderr in their words.
      for (const r of results) {
        const peer = { host: r.address, port: r.port };
        say(
          r.state === 'open'
            ? [...lines.connected(peer, peer, r.protocol, args[0] ?? ''), ...lines.finished(0, 0, 0)]
            : lines.failed(
                r.address,
                r.port,
                r.protocol,
                r.state === 'closed' ? 'Connection refused' : 'Connection timed out',
              ),
        );
      }
    } else
      for (const r of results)
        io.stdout.write(`${where({ host: r.address, port: r.port })}/${r.protocol} ${r.state}\n`);
    return results.some((r) => r.state === 'open') ? EXIT.ok : EXIT.negative;
  }

  const { endpoint, hostGiven } = endpointOf(args, options, nc.parsePortText);
  const relayOptions = relayOptionsOf(options);
  // Taken before stdin is read: what a file on stdin holds, to count what was not sent.
  const stdin = options.recvOnly === true ? undefined : { file: stdinFile(), crlf: options.crlf === true };
  const taps: ((direction: 'sent' | 'received', chunk: Buffer) => void)[] = [];
  if (options.hexdump === true) taps.push(nc.hexDumper((text) => io.stderr.write(text)));
  const transcript = options.transcript === undefined ? undefined : nc.transcriptWriter(options.transcript);
  if (transcript !== undefined) {
    await transcript.opened.catch((error: unknown) => {
      throw new PortscopeError(
        'IO_ERROR',
        `Cannot open --transcript \`${options.transcript ?? ''}\` (${errnoCode(error) ?? 'error'})`,
        {
          cause: error,
        },
      );
    });
    taps.push(transcript.tap);
  }
  const sessionFiles =
    options.output === undefined && options.hexDump === undefined
      ? undefined
      : await nc.openSessionFiles({
          ...(options.output === undefined ? {} : { output: options.output }),
          ...(options.hexDump === undefined ? {} : { hexDump: options.hexDump }),
          append: options.appendOutput === true,
        });
  if (sessionFiles !== undefined)
    taps.push((direction, chunk) => {
      sessionFiles.tap(direction, chunk);
    });
  const onData =
    taps.length === 0
      ? undefined
      : (d: 'sent' | 'received', c: Buffer) => {
          for (const tap of taps) tap(d, c);
        };
  try {
    if (options.listen === true) {
      return await serveListener(
        nc,
        endpoint,
        {
          protocol,
          family,
          relayOptions: { ...relayOptions, ...(onData === undefined ? {} : { onData }) },
          log,
          verbose,
          say,
          lines,
          stdin,
          // ncat listens on every address of both families: here, both loopbacks.
          bothLoopbacks: options.compat === 'ncat' && !hostGiven && family === undefined,
        },
        options,
      );
    }
    const tls = tlsClientOf(options);
    const startedMs = Date.now();
    const connection: NetcatConnection = await nc.openConnection(endpoint, {
      protocol: options.udp === true ? 'udp' : protocol,
      ...(options.connectTimeout === undefined ? {} : { connectTimeoutMs: options.connectTimeout }),
      keepAlive: options.keepalive === true,
      ...(family === undefined ? {} : { family }),
      ...(options.source === undefined ? {} : { sourceAddress: options.source }),
      ...(options.sourcePort === undefined
        ? {}
        : { sourcePort: nc.parsePortText(options.sourcePort, '--source-port') }),
      ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
      ...(tls === undefined ? {} : { tls }),
    });
    const datagramSource = options.unix === true && options.udp === true && 'path' in connection.local;
    if (datagramSource) say(lines.datagramSource(connection.local.path, false));
    say(lines.connected(connection.peer, connection.local, connection.protocol, args[0] ?? ''));
    if (connection.tls !== undefined && options.verbose === true)
      for (const line of certificateLines(connection.tls)) log(line);
    const result = await nc
      .relay(connection.stream, process.stdin, process.stdout, {
        ...relayOptions,
        ...(onData === undefined ? {} : { onData }),
      })
      .finally(doneWithStdin);
    if (options.compat === undefined)
      verbose(`${result.end}: sent ${String(result.sentBytes)} bytes, received ${String(result.receivedBytes)} bytes`);
    say(lines.finished(result.sentBytes, result.receivedBytes, Date.now() - startedMs));
    if (datagramSource && 'path' in connection.local) say(lines.datagramSource(connection.local.path, true));
    return exitOfRelay(result, log, stdin);
  } finally {
    await transcript?.close();
    await sessionFiles?.close();
  }
}
