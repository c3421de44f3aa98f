import { fstatSync, readFileSync } from 'node:fs';
import { PortscopeError, errnoCode } from '../../errors.js';
import { endpointText } from '../../netcat/endpoint.js';
import type { NetcatEndpoint, PeerCertificateInfo, RelayOptions, RelayResult } from '../../netcat/index.js';
import { EXIT } from '../exit-codes.js';

/** Helpers shared by the parts of `portscope nc` (the command, the client run, the listener). */

/** Reads a PEM file named by an option, or says which and why not. */
export function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new PortscopeError('NOT_FOUND', `Cannot read ${option} \`${file}\` (${errnoCode(error) ?? 'error'})`, {
      cause: error,
    });
  }
}

/** Lines that `-v` prints about a peer's certificate. */
export function certificateLines(tls: PeerCertificateInfo): string[] {
  return [
    `TLS ${tls.protocol}${tls.alpn === undefined ? '' : `, ALPN ${tls.alpn}`}, peer ${tls.trust}`,
    `  subject: ${tls.subject}`,
    `  issuer:  ${tls.issuer}`,
    `  valid:   ${tls.validFrom} to ${tls.validTo}`,
    `  sha256 fingerprint: ${tls.fingerprint256}`,
    `  key pin: sha256:${tls.publicKeySha256}`,
  ];
}

/** `host:port`, `[v6]:port` or the unix path, for messages. */
export function where(endpoint: NetcatEndpoint): string {
  return 'path' in endpoint && endpoint.path === '' ? 'a unix socket' : endpointText(endpoint);
}

/**
 * The relay options common to connect and listen. A terminal on stdin makes the peer's FIN end the
 * session: nothing typed is pending there, and an interactive nc should not wait for Ctrl-D once
 * the peer is done; a file or a pipe is sent until it ends.
 */
export function relayOptionsOf(options: {
  shutdown?: boolean;
  endOnPeerFin?: true;
  sendOnly?: true;
  recvOnly?: true;
  linger?: number;
  idleTimeout?: number;
  crlf?: true;
}): RelayOptions {
  return {
    noShutdown: options.shutdown === false,
    endOnPeerFin: options.endOnPeerFin === true || (process.stdin as { isTTY?: boolean }).isTTY === true,
    sendOnly: options.sendOnly === true,
    recvOnly: options.recvOnly === true,
    crlf: options.crlf === true,
    ...(options.linger === undefined ? {} : { lingerMs: options.linger }),
    ...(options.idleTimeout === undefined ? {} : { idleTimeoutMs: options.idleTimeout }),
  };
}

const WHY_UNSENT: Readonly<Record<RelayResult['end'], string>> = {
  'peer-closed': 'the peer closed first and --end-on-peer-fin ended the session',
  'input-ended': 'the session ended first',
  'linger-expired': '--linger ran out first',
  'idle-timeout': '--idle-timeout ran out first',
  aborted: 'the session was stopped first',
  'output-closed': 'stdout was closed first',
};

/** A regular file on stdin: its size and the read position when nc started, in bytes. */
export interface StdinFile {
  readonly size: number;
  readonly start: number;
}

/** stdin as a regular file (from fstat and /proc/self/fdinfo/0), or undefined for a pipe, terminal or socket. */
export function stdinFile(): StdinFile | undefined {
  try {
    const stat = fstatSync(0);
    if (!stat.isFile()) return undefined;
    const pos = /^pos:\s+(\d+)/m.exec(readFileSync('/proc/self/fdinfo/0', 'utf8'));
    return { size: stat.size, start: Number(pos?.[1] ?? 0) };
  } catch {
    return undefined;
  }
}

/**
 * The exit code for how a relay ended: 0; 1 when it ended for lack of data (idle time-out), or when
 * data from stdin was not sent, which `log` then tells with the count. `stdin` is undefined when
 * the relay did not read stdin; `file` when stdin is a regular file (its unread rest counts too).
 */
export function exitOfRelay(
  result: RelayResult,
  log: (line: string) => void,
  stdin: { readonly file: StdinFile | undefined; readonly crlf: boolean } | undefined,
): number {
  let lost = result.unsentBytes;
  if (stdin !== undefined && stdin.file !== undefined && !stdin.crlf) {
    lost = Math.max(0, stdin.file.size - stdin.file.start - (result.sentBytes - result.unsentBytes));
  } else if (stdin !== undefined && !result.inputEnded) {
    lost += process.stdin.readableLength;
  }
  if (lost > 0) {
    log(`${String(lost)} bytes of stdin were not sent: ${WHY_UNSENT[result.end]}`);
    return EXIT.negative;
  }
  return result.end === 'idle-timeout' ? EXIT.negative : EXIT.ok;
}

/**
 * Closes stdin once nc no longer reads it: a paused stdin pipe with a read still pending keeps the
 * process alive (Node stops reading a paused socket only when its buffer fills).
 */
export function doneWithStdin(): void {
  process.stdin.destroy();
}
