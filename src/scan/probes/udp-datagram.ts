import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { errnoCode } from '../../errors.js';
import { outcomeOfErrno, type ProbeOutcome, type StartProbe } from './outcome.js';
import { udpPayload } from './udp-payloads.js';

const ignore = () => undefined;

/**
 * The source port of the last silent probe to each `address|port`, taken by its retry. A UDP
 * listener that connect()s its socket to its first peer (ncat, nc.openbsd) answers any other
 * source port with ICMP port-unreachable: a retry from a new port would call an open port
 * `closed`. nmap's retries come from the same port; so do ours. Bounded: the oldest are dropped.
 */
const silentSources = new Map<string, number>();
const MAX_SILENT_SOURCES = 65_536;

function rememberSource(key: string, socket: Socket): void {
  let sourcePort: number;
  try {
    sourcePort = socket.address().port;
  } catch {
    return; // not bound yet: nothing was sent
  }
  if (silentSources.size >= MAX_SILENT_SOURCES) {
    const oldest = silentSources.keys().next();
    if (oldest.done !== true) silentSources.delete(oldest.value);
  }
  silentSources.set(key, sourcePort);
}

/**
 * A UDP probe on its own connected datagram socket: a reply is `open`; ECONNREFUSED (the kernel's
 * report of an ICMP port-unreachable on a connected socket) is `closed`; other ICMP errors are
 * `filtered`; silence is left to the engine's time-out (`open|filtered`). A retry after silence is
 * sent from the silent probe's source port when that port is still free (see silentSources).
 */
export const udpDatagramProbe: StartProbe = (address, family, port, done) => {
  const started = performance.now();
  const key = `${address}|${String(port)}`;
  const retryFrom = silentSources.get(key);
  silentSources.delete(key);
  let finished = false;
  let socket: Socket;
  const finish = (outcome: ProbeOutcome) => {
    if (finished) return;
    finished = true;
    socket.on('error', ignore);
    socket.close();
    done(outcome);
  };
  const open = (sourcePort: number | undefined) => {
    socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const probe = socket;
    probe.on('error', (error) => {
      if (probe !== socket) return;
      // The silent probe's port was taken meanwhile: send from a new one.
      if (sourcePort !== undefined && (error as NodeJS.ErrnoException).syscall === 'bind') {
        probe.on('error', ignore);
        probe.close();
        if (!finished) open(undefined);
        return;
      }
      finish(outcomeOfErrno(errnoCode(error) ?? 'EIO', performance.now() - started, 'udp'));
    });
    probe.once('message', () => {
      finish({ type: 'answer', state: 'open', reason: 'udp-response', rttMs: performance.now() - started });
    });
    const connect = () => {
      probe.connect(port, address, () => {
        if (!finished && probe === socket) probe.send(udpPayload(port));
      });
    };
    if (sourcePort === undefined) connect();
    else probe.bind(sourcePort, connect);
  };
  open(retryFrom);
  return () => {
    if (finished) return;
    finished = true;
    rememberSource(key, socket);
    socket.on('error', ignore);
    socket.close();
  };
};
