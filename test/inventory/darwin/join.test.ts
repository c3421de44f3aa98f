import { describe, expect, it } from 'vitest';
import { joinDarwin } from '../../../src/inventory/darwin/join.js';
import { parseLsofFields } from '../../../src/inventory/darwin/parse-lsof.js';
import { fixtureOutput } from '../../helpers/fixture-text.js';

describe('joinDarwin on a recorded Mac lsof -F without T fields (allyring/pvw)', () => {
  const files = parseLsofFields(fixtureOutput('darwin', 'lsof-F-pvw-mac-2022.txt'));
  const joined = joinDarwin([], files);

  it('lists a TCP socket lsof gave no TST= for without a state, never a made-up CLOSE', () => {
    const tcp = joined.filter((j) => j.socket.protocol === 'tcp');
    expect(tcp.length).toBeGreaterThan(0);
    for (const { socket } of tcp) expect(socket).not.toHaveProperty('state');
    const setapp = joined.find((j) => j.holders.some((h) => h.pid === 604) && j.socket.protocol === 'tcp');
    expect(setapp?.socket).toMatchObject({ family: 'inet', local: { address: '127.0.0.1', port: 2432 } });
  });

  it('keeps the state it can read from lsof: a UDP socket with a peer is ESTABLISHED, one without UNCONN', () => {
    const udp = joined.filter((j) => j.socket.protocol === 'udp');
    expect(udp.length).toBeGreaterThan(0);
    for (const { socket } of udp) expect(socket.state).toBe(socket.peer.port === 0 ? 'UNCONN' : 'ESTABLISHED');
  });
});
