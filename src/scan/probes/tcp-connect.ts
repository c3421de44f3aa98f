import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { errnoCode } from '../../errors.js';
import { outcomeOfErrno, type ProbeOutcome, type StartProbe } from './outcome.js';

const ignore = () => undefined;

/**
 * A TCP connect probe: `open` on connect (then reset at once with `resetAndDestroy`, so neither
 * side keeps TIME_WAIT), `closed` on ECONNREFUSED, `filtered` on unreachable errors; a socket
 * whose local address and port equal the peer's connected to itself and is retried, never reported.
 */
export const tcpConnectProbe: StartProbe = (address, family, port, done) => {
  const started = performance.now();
  const socket = new Socket();
  let finished = false;
  const finish = (outcome: ProbeOutcome) => {
    if (finished) return;
    finished = true;
    done(outcome);
  };
  socket.on('error', (error) => {
    socket.destroy();
    finish(outcomeOfErrno(errnoCode(error) ?? 'EIO', performance.now() - started, 'tcp'));
  });
  socket.once('connect', () => {
    const rttMs = performance.now() - started;
    if (socket.localPort === port && socket.localAddress === socket.remoteAddress) {
      socket.destroy();
      finish({ type: 'self-connect' });
      return;
    }
    socket.resetAndDestroy();
    finish({ type: 'answer', state: 'open', reason: 'syn-ack', rttMs });
  });
  socket.connect({ port, host: address, family });
  return () => {
    finished = true;
    socket.on('error', ignore);
    socket.destroy();
  };
};
