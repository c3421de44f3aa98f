import { Command, Option } from '@commander-js/extra-typings';
import { PortscopeError } from '../../errors.js';
import { parseDuration } from '../duration.js';
import type { CliIo } from '../io.js';
import { runNetcat } from './nc-run.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Seconds (decimals allowed, or a unit: 500ms, 2m) into ms. */
const seconds = (option: string) => (value: string) => parseDuration(value, option);

/** A duration that must be above zero (a connect time-out of 0 would never connect). */
const positiveSeconds = (option: string) => (value: string) => {
  const ms = parseDuration(value, option);
  if (ms <= 0) throw new PortscopeError('INVALID_ARGUMENT', `Expected ${option} above 0, got \`${value}\``);
  return ms;
};

/** An integer >= 1 for `option`. */
const count = (option: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected ${option} to be an integer >= 1, got \`${value}\``);
  }
  return Number(value);
};

/**
 * `portscope nc`: connect to or listen on a TCP, UDP or unix socket and copy stdin and stdout,
 * with EOF done right (docs/netcat.md); `-z` checks ports.
 */
export function ncCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('nc')
    .description(
      'talk to a port or listen on one (netcat): nc HOST PORT, nc -l [HOST] PORT, nc -U PATH, nc -z HOST PORTS',
    )
    .argument('[args...]', 'HOST PORT; with -l: [HOST] PORT; with -U: PATH; with -z: HOST PORTS (22,80,1000-2000)')
    .option('-l, --listen', 'listen (on 127.0.0.1 unless an address is given) instead of connecting')
    .option('-u, --udp', 'UDP instead of TCP')
    .option('-U, --unix', 'a unix stream socket: a path, or @name for an abstract one')
    .option('-4', 'IPv4 only')
    .option('-6', 'IPv6 only')
    .option('-s, --source <address>', 'local address to connect from')
    .option('-p, --source-port <port>', 'local port to connect from (with -l and no PORT: the port to listen on)')
    .option(
      '-w, --connect-timeout <seconds>',
      "give up connecting after this long (default 10; with -z, a fixed time-out per probe instead of the scanner's timing)",
      positiveSeconds('--connect-timeout'),
    )
    .option('-i, --idle-timeout <seconds>', 'end after this long with no data either way', seconds('--idle-timeout'))
    .option(
      '-q, --linger <seconds>',
      'after stdin ends, wait at most this long for the peer (UDP default 2)',
      seconds('--linger'),
    )
    .option('--no-shutdown', 'do not send FIN when stdin ends')
    .option(
      '--end-on-peer-fin',
      "end when the peer sends FIN, though stdin has not ended (old rule; by default the peer's FIN is its half-close)",
    )
    .option('--send-only', 'only send; end when stdin ends')
    .option('--recv-only', 'only receive; never read stdin')
    .option('-k, --keep-open', 'with -l: serve clients until stopped, concurrently')
    .option('-m, --max-conns <n>', 'with -l: most clients at once (default 1000)', count('--max-conns'))
    .option(
      '--allow <host>',
      'with -l: accept only these peers: address, CIDR, range (10.0.0.1-50) or name, resolved once (repeatable)',
      collect,
    )
    .option('--deny <host>', 'with -l: reset these peers, as --allow takes them (repeatable)', collect)
    .option('--allowfile <file>', "with -l: --allow each entry of FILE (ncat's format: one a line, # comments)")
    .option('--denyfile <file>', "with -l: --deny each entry of FILE (ncat's format)")
    .option('--tls', 'TLS: verified by default when connecting; self-signed when listening without --cert')
    .option('--insecure', 'TLS: do not check the peer certificate')
    .option('--ca <file>', 'TLS: trust these CA certificates (PEM) instead of the bundled list')
    .option(
      '--pin <sha256>',
      'TLS: accept only this key (sha256:BASE64) or certificate (sha256:HEX) (repeatable)',
      collect,
    )
    .option('--servername <name>', 'TLS: SNI and the name to check')
    .option('--alpn <list>', 'TLS: ALPN protocols, comma-separated (h2,http/1.1)')
    .option('--cert <file>', "TLS: certificate (PEM): the listener's, or a client certificate")
    .option('--key <file>', 'TLS: key (PEM) for --cert')
    .option(
      '--proxy <url>',
      'connect through socks5://[user:pass@]host:port, socks4://[user@]host:port (socks4a://) or http://[user:pass@]host:port',
    )
    .option(
      '-e, --exec <command>',
      'with -l: run COMMAND for each client, connected to its stdin/stdout (split on spaces, no shell)',
    )
    .option('--shell <command>', 'with -l: run COMMAND with /bin/sh -c for each client (explicit opt-in to a shell)')
    .option('--broker', 'with -l: relay what each client sends to all the others')
    .addOption(
      new Option(
        '--proxy-server <type>',
        "with -l: be an HTTP proxy (CONNECT and GET, as ncat's -l --proxy-type http); targets obey --allow/--deny",
      ).choices(['http']),
    )
    .option('--proxy-auth <user:password>', 'with --proxy-server: the credentials clients must give (Basic or Digest)')
    .option('--chat', 'with -l: --broker with nick prefixes and announcements')
    .option('-z, --zero', 'check ports without sending data: open, closed, filtered')
    .option('--concurrency <n>', 'with -z: most probes at once', count('--concurrency'), 100)
    .option('--json', 'with -z: print the results as JSON')
    .option('-x, --hexdump', 'hex dump of the traffic on stderr')
    .option('-o, --output <file>', "write the session's bytes, both directions, to FILE (as ncat -o)")
    .option('--hex-dump <file>', 'write a hex dump of the session to FILE (as ncat -x)')
    .option('--append-output', '-o and --hex-dump append to their files instead of truncating them')
    .option('--transcript <file>', 'append the traffic to FILE as JSON lines (time, direction, base64 data)')
    .option('-C, --crlf', 'send line endings from stdin as CRLF')
    .option('--keepalive', 'TCP keepalive on the connection')
    .addOption(new Option('--compat <tool>', 'read the flags as that tool does').choices(['openbsd', 'ncat']))
    .option('-v, --verbose', 'say what happens on stderr (connections, certificates)')
    .action(async (args, options) => {
      setExit(await runNetcat(args, options, io));
    });
}

/** The parsed options of `nc`, as the runner takes them. */
export type NcOptions = ReturnType<ReturnType<typeof ncCommand>['opts']>;
