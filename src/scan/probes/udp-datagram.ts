import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { errnoCode } from '../../errors.js';
import { outcomeOfErrno, type ProbeOutcome, type StartProbe } from './outcome.js';
import { udpPayload } from './udp-payloads.js';

const ignore = () => undefined;

/**
 * A UDP probe on its own connected datagram socket: a reply is `open`; ECONNREFUSED (the kernel's
 * report of an ICMP port-unreachable on a connected socket) is `closed`; other ICMP errors are
 * `filtered`; silence is left to the engine's time-out (`open|filtered`).
 */
export const udpDatagramProbe: StartProbe = (address, family, port, done) => {
  const started = performance.now();
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  let finished = false;
  const finish = (outcome: ProbeOutcome) => {
    if (finished) return;
    finished = true;
    socket.on('error', ignore);
    socket.close();
    done(outcome);
  };
  socket.on('error', (error) => {
    finish(outcomeOfErrno(errnoCode(error) ?? 'EIO', performance.now() - started, 'udp'));
  });
  socket.once('message', () => {
    finish({ type: 'answer', state: 'open', reason: 'udp-response', rttMs: performance.now() - started });
  });
  socket.connect(port, address, () => {
    if (!finished) socket.send(udpPayload(port));
  });
  return () => {
    if (finished) return;
    finished = true;
    socket.on('error', ignore);
    socket.close();
  };
};
