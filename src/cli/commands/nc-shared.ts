import { readFileSync } from 'node:fs';
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

/** The relay options common to connect and listen. */
export function relayOptionsOf(options: {
  shutdown?: boolean;
  sendOnly?: true;
  recvOnly?: true;
  linger?: number;
  idleTimeout?: number;
  crlf?: true;
}): RelayOptions {
  return {
    noShutdown: options.shutdown === false,
    sendOnly: options.sendOnly === true,
    recvOnly: options.recvOnly === true,
    crlf: options.crlf === true,
    ...(options.linger === undefined ? {} : { lingerMs: options.linger }),
    ...(options.idleTimeout === undefined ? {} : { idleTimeoutMs: options.idleTimeout }),
  };
}

/** The exit code for how a relay ended: 0, or 1 when it ended for lack of data (idle time-out). */
export function exitOfRelay(result: RelayResult): number {
  return result.end === 'idle-timeout' ? EXIT.negative : EXIT.ok;
}

/**
 * Closes stdin once nc no longer reads it: a paused stdin pipe with a read still pending keeps the
 * process alive (Node stops reading a paused socket only when its buffer fills).
 */
export function doneWithStdin(): void {
  process.stdin.destroy();
}
