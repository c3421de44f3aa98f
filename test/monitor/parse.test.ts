import { describe, expect, it } from 'vitest';
import { parseTraceLine } from '../../src/index.js';

// Lines as this machine's tracefs printed them (kernel 6.x, trace_pipe of a private instance).
const OPEN =
  '            node-4184    [000] ..... 10433.157311: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=40179 dport=0 saddr=127.0.0.1 daddr=0.0.0.0 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:0.0.0.0 oldstate=TCP_CLOSE newstate=TCP_LISTEN';
const CLOSE6 =
  ' python3 worker-3320    [001] d..1. 10415.971586: inet_sock_set_state: family=AF_INET6 protocol=IPPROTO_TCP sport=8443 dport=0 saddr=0.0.0.0 daddr=0.0.0.0 saddrv6=:: daddrv6=:: oldstate=TCP_LISTEN newstate=TCP_CLOSE';
const CONNECT =
  '            curl-77      [000] ..... 10500.000001: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=0 dport=80 saddr=0.0.0.0 daddr=127.0.0.1 saddrv6=::ffff:0.0.0.0 daddrv6=::ffff:127.0.0.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT';

describe('parseTraceLine', () => {
  it.each([
    [
      'a listen()',
      OPEN,
      {
        tid: 4184,
        comm: 'node',
        family: 'inet',
        address: '127.0.0.1',
        port: 40179,
        listen: true,
        atMs: 10433157.311 + 5,
      },
    ],
    [
      'a close() of an IPv6 listener, comm with a space',
      CLOSE6,
      {
        tid: 3320,
        comm: 'python3 worker',
        family: 'inet6',
        address: '::',
        port: 8443,
        listen: false,
        atMs: 10415971.586 + 5,
      },
    ],
  ])('%s', (_name, line, expected) => {
    const record = parseTraceLine(line, 5);
    expect(record).toMatchObject({ ...expected, atMs: expect.closeTo(expected.atMs, 3) as number });
  });
  it.each([
    ['a connect() (no LISTEN on either side)', CONNECT],
    ['a header line', '# tracer: nop'],
    ['empty', ''],
  ])('ignores %s', (_name, line) => {
    expect(parseTraceLine(line, 0)).toBeUndefined();
  });
});
