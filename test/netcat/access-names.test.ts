import { afterAll, describe, expect, it } from 'vitest';
import { closeLabs, inLab, send, endInput } from '../helpers/nc-suite.js';
import { builtCli, builtCliArgv, canMakeNetnsFor } from '../helpers/system.js';

// Host names in --allow/--deny are what /etc/hosts may hold (the inventory filter's isHostName,
// src/inventory/filter/host-syntax.ts: `_` too). Each case runs in a namespace of its own, whose
// /etc/hosts names 127.0.0.1 `my_host` (no DNS is asked).

const can = builtCli && canMakeNetnsFor('the --allow host name tests');
afterAll(() => {
  closeLabs();
});

/**
 * A DNS server for the namespace (127.0.0.1:53, UDP): answers every A query with 127.0.0.1 and
 * others with no record, and prints each query's name, one a line.
 */
const DNS_SERVER = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (q, from) => {
  let i = 12, name = [];
  while (q[i] !== 0) { name.push(q.subarray(i + 1, i + 1 + q[i]).toString()); i += q[i] + 1; }
  const end = i + 5, isA = q.readUInt16BE(i + 1) === 1;
  console.log(name.join('.'));
  const head = Buffer.from(q.subarray(0, 12));
  head.writeUInt16BE(0x8180, 2); head.writeUInt16BE(isA ? 1 : 0, 6); head.writeUInt32BE(0, 8);
  const answer = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
  s.send(Buffer.concat([head, q.subarray(12, end), isA ? answer : Buffer.alloc(0)]), from.port, from.address);
});
s.bind(53, '127.0.0.1');
setTimeout(() => process.exit(0), 25000);
`;

describe.skipIf(!can)('nc --allow HOST-NAME', { timeout: 30_000 }, () => {
  it('resolves a name once with --proxy-server, as without it (the listener and the targets share it)', () =>
    inLab(
      async (lab) => {
        const [node = ''] = builtCliArgv();
        const dns = lab.run(node, ['-e', DNS_SERVER]);
        await lab.bound(dns, 53, 'udp');
        const queries = () =>
          dns
            .stdout()
            .toString()
            .split('\n')
            .filter((n) => n === 'names.test').length;
        const counts: number[] = [];
        for (const [port, extra] of [
          [40001, []],
          [40002, ['--proxy-server', 'http']],
        ] as const) {
          const before = queries();
          const [, ...args] = builtCliArgv('nc', '-l', '127.0.0.1', String(port), '--allow', 'names.test', ...extra);
          await lab.bound(lab.run(node, args), port);
          counts.push(queries() - before);
        }
        expect(counts[0]).toBeGreaterThan(0);
        expect(counts[1]).toBe(counts[0]);
      },
      { resolvConf: 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' },
    ));

  it('takes a name with an underscore, as /etc/hosts holds it, and accepts its address', () =>
    inLab(
      async (lab) => {
        const [node = '', ...listenArgs] = builtCliArgv('nc', '-v', '-l', '127.0.0.1', '40000', '--allow', 'my_host');
        const listener = lab.run(node, listenArgs);
        await lab.bound(listener, 40000);
        const [, ...clientArgs] = builtCliArgv('nc', '127.0.0.1', '40000');
        const client = lab.run(node, clientArgs);
        send(client, 'hi\n');
        endInput(client);
        await listener.waitForStdout('hi\n', 10_000);
        expect(listener.stderr()).not.toMatch(/refused/);
      },
      { hosts: '127.0.0.1 my_host\n' },
    ));
});
