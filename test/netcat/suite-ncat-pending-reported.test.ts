import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLabs, endInput, exitWithin, inLab, readNew, send } from '../helpers/nc-suite.js';
import { makeSuiteCert, ncatServer, P } from '../helpers/ncat-suite.js';

// nmap's ncat/test/ncat-test.pl cases that portscope fails for reasons in neither helper's list
// of issue 17, each named after its peer test. They fail today and are skipped, each with its
// reason; remove the skip when the gap is closed.

let suite: ReturnType<typeof makeSuiteCert>;
beforeAll(() => {
  suite = makeSuiteCert();
});
afterAll(() => {
  closeLabs();
  suite.remove();
});

const cfg = { timeout: 90_000 };

// KNOWN GAP: ncat's default port 31337 is not built (a port is required).
describe.skip("reported: ncat's default port 31337 (not built)", cfg, () => {
  // ncat-test.pl: "Server default port" (-l HOST with no port; a client with no port)
  it('Server default port', () =>
    inLab(async (lab) => {
      const s = lab.nc('ncat', ['-l', '127.0.0.1']);
      await lab.bound(s, 31337);
      const c = lab.nc('ncat', ['127.0.0.1']);
      send(c, 'abc\n');
      endInput(c);
      expect(await readNew(s, 10_000)).toBe('abc\n');
    }));

  // ncat-test.pl: "Server -4 default listen address and port", "Server -6 default listen address
  // and port" (no address, no port)
  it.each([
    ['Server default listen address and port', '-n', '127.0.0.1'],
    ['Server -4 default listen address and port', '-4', '127.0.0.1'],
    ['Server -6 default listen address and port', '-6', '::1'],
  ])('%s', (_name, family, host) =>
    inLab(async (lab) => {
      const s = lab.nc('ncat', ['-l', family]);
      await lab.bound(s, 31337);
      const c = lab.nc('ncat', [family, host]);
      send(c, 'abc\n');
      endInput(c);
      expect(await readNew(s, 10_000)).toBe('abc\n');
    }),
  );

  // ncat-test.pl: "Server default listen address -6 --udp not IPv4", "... -6 --udp", "... -4
  // --udp", "... -4 --udp not IPv6" (UDP, no address, no port)
  it.each([
    ['Server default listen address -6 --udp not IPv4', '-6', '127.0.0.1', false],
    ['Server default listen address -6 --udp', '-6', '::1', true],
    ['Server default listen address -4 --udp', '-4', '127.0.0.1', true],
    ['Server default listen address -4 --udp not IPv6', '-4', '::1', false],
  ] as const)('%s', (_name, family, host, ok) =>
    inLab(async (lab) => {
      const s = lab.nc('ncat', ['-l', family, '--udp']);
      await lab.bound(s, 31337, 'udp');
      const c = lab.nc('ncat', [host, '--udp']);
      send(c, 'abc\n');
      endInput(c);
      expect(await readNew(s, ok ? 10_000 : 2000)).toBe(ok ? 'abc\n' : '');
    }),
  );
});

// -z -u against ncat's UDP listener, which connect()s its socket to the first prober: the
// scanner's retries come from that prober's port (they came from a new one, got ICMP port
// unreachable, and called an open port closed).
describe('reported: -z -u calls an open UDP port open|filtered', cfg, () => {
  // ncat-test.pl: "-z client sends "\0" to server and exits with success exit code (udp)".
  // portscope's -z sends its scanner's probes, never ncat's `\0`, and calls a silent port
  // open|filtered (docs/netcat.md): exit 1 is expected, and under --compat -v tells a silent
  // port as a time-out, where a port called closed is `Connection refused`.
  it('-z client sends "\\0" to server and exits with success exit code (udp)', () =>
    inLab(async (lab) => {
      await ncatServer(lab, ['--udp']);
      const c = lab.nc('ncat', ['127.0.0.1', P, '-z', '-v', '--udp'], 'ignore');
      expect(await exitWithin(c, 30_000)).toBe(1);
      expect(c.stderr()).toMatch(/timed out/);
      expect(c.stderr()).not.toMatch(/refused/);
    }));
});
