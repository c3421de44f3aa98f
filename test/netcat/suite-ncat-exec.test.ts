import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLabs, exitWithin, inLab, readNew, send } from '../helpers/nc-suite.js';
import { makeSuiteCert, ncatClient, ncatServer, P, serverClient, specArgs, type Spec } from '../helpers/ncat-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// nmap's ncat/test/ncat-test.pl: --exec, --sh-exec, --broker and --keep-open cases, one per peer
// test and variant (tcp, udp, tcp ssl), against `portscope nc --compat ncat`.

const can =
  builtCli &&
  canMakeNetnsFor('the ncat suite') &&
  hasTool('openssl', 'the ncat suite') &&
  hasTool('perl', 'the ncat suite');
let suite: ReturnType<typeof makeSuiteCert>;
let envScript = '';
beforeAll(() => {
  suite = makeSuiteCert();
  // Our stand-in for the suite's test-environment.sh: prints the variables ncat sets.
  envScript = join(suite.dir, 'test-environment.sh');
  writeFileSync(
    envScript,
    'for v in NCAT_REMOTE_ADDR NCAT_REMOTE_PORT NCAT_LOCAL_ADDR NCAT_LOCAL_PORT NCAT_PROTO; do eval echo "$v=\\$$v"; done\n',
  );
});
afterAll(() => {
  closeLabs();
  suite.remove();
});

/** The suite's $exec_perl_uc: upper-cases each line, unbuffered (one word: no quoting needed). */
const PERL_UC = ['/usr/bin/perl -ne BEGIN{$|=1}print(uc)'];
const SH_PERL_UC = ["/usr/bin/perl -ne 'BEGIN{$|=1}print(uc)'"];
const ENV_LINES = /NCAT_REMOTE_ADDR=.+\nNCAT_REMOTE_PORT=.+\nNCAT_LOCAL_ADDR=.+\nNCAT_LOCAL_PORT=.+\nNCAT_PROTO=.+/;
const ALL: Spec[] = ['tcp', 'udp', 'tcp ssl'];

describe.skipIf(!can).concurrent('ncat-test.pl: --exec, --sh-exec, --broker, --keep-open', { timeout: 90_000 }, () => {
  // ncat-test.pl: "--keep-open --exec"
  it('--keep-open --exec', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, ['--keep-open', '--exec', '/bin/cat']);
      const c1 = await ncatClient(lab, [], s);
      send(c1, 'abc\n');
      expect(await readNew(c1, 10_000)).toBe('abc\n');
      const c2 = await ncatClient(lab, [], s, 1);
      send(c2, 'abc\n');
      expect(await readNew(c2, 10_000)).toBe('abc\n');
    }));

  // ncat-test.pl: "--exec"
  it.each(ALL)('--exec (%s)', (spec) =>
    inLab(async (lab) => {
      const { c } = await serverClient(lab, spec, suite.cert, ['--exec', ...PERL_UC], []);
      send(c, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('ABC\n');
    }),
  );

  // ncat-test.pl: "--sh-exec"
  it.each(ALL)('--sh-exec (%s)', (spec) =>
    inLab(async (lab) => {
      const { c } = await serverClient(lab, spec, suite.cert, ['--sh-exec', ...SH_PERL_UC], []);
      send(c, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('ABC\n');
    }),
  );

  // ncat-test.pl: "--exec, quits instantly"
  it.each(ALL)('--exec, quits instantly (%s)', (spec) =>
    inLab(async (lab) => {
      const { c } = await serverClient(lab, spec, suite.cert, ['--exec', '/bin/echo abc'], []);
      send(c, 'test\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
    }),
  );

  // ncat-test.pl: "--exec, environment variables"
  it.each(ALL)('--exec, environment variables (%s)', (spec) =>
    inLab(async (lab) => {
      const { c } = await serverClient(lab, spec, suite.cert, ['--exec', `/bin/sh ${envScript}`], []);
      send(c, 'abc\n');
      expect(await readNew(c, 10_000)).toMatch(ENV_LINES);
    }),
  );

  // ncat-test.pl: "--sh-exec, environment variables"
  it.each(ALL)('--sh-exec, environment variables (%s)', (spec) =>
    inLab(async (lab) => {
      const { c } = await serverClient(lab, spec, suite.cert, ['--sh-exec', `sh ${envScript}`], []);
      send(c, 'abc\n');
      expect(await readNew(c, 10_000)).toMatch(ENV_LINES);
    }),
  );

  // ncat-test.pl: "--broker mode (tcp)", "--broker mode (tcp ssl)"
  it.each<Spec>(['tcp', 'tcp ssl'])('--broker mode (%s)', (spec) =>
    inLab(async (lab) => {
      const extra = specArgs(spec, suite.cert);
      const s = await ncatServer(lab, ['--broker', ...extra.server]);
      const c1 = await ncatClient(lab, extra.client, s);
      const c2 = await ncatClient(lab, extra.client, s, 1);
      send(c2, 'abc\n');
      expect(await readNew(c1, 10_000)).toBe('abc\n');
      send(c1, 'abc\n');
      expect(await readNew(c2, 10_000)).toBe('abc\n');
    }),
  );

  // ncat-test.pl: "IPV4 and IPV6 clients can talk to each other in broker mode". A listener given
  // no address takes 127.0.0.1 and ::1 under --compat ncat (ncat: every address of both families).
  it('IPV4 and IPV6 clients can talk to each other in broker mode', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, ['--broker']);
      const c6 = await ncatClient(lab, ['-6'], s);
      const c4 = await ncatClient(lab, ['-4'], s, 1);
      send(c4, 'abc\n');
      expect(await readNew(c6, 10_000)).toBe('abc\n');
      send(c6, 'abc\n');
      expect(await readNew(c4, 10_000)).toBe('abc\n');
    }));

  // ncat-test.pl: "SSL server relays"
  it('SSL server relays', () =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, 'tcp ssl', suite.cert, [], []);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
      send(s, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
    }));

  // ncat-test.pl: "SSL server handles non-SSL connections"
  it('SSL server handles non-SSL connections', () =>
    inLab(async (lab) => {
      const extra = specArgs('tcp ssl', suite.cert);
      const s = await ncatServer(lab, [...extra.server, '--keep-open']);
      const c1 = await ncatClient(lab, [], s);
      send(c1, 'abc\n');
      c1.child.kill('SIGTERM');
      await c1.exited();
      const c2 = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
      send(c2, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
    }));

  // ncat-test.pl: "SSL server doesn't block during handshake": without --keep-open, a TLS client
  // behind a plain one that never shakes hands gets no session.
  it("SSL server doesn't block during handshake", () =>
    inLab(async (lab) => {
      const extra = specArgs('tcp ssl', suite.cert);
      const s = await ncatServer(lab, extra.server);
      await ncatClient(lab, [], s);
      const c2 = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
      send(c2, 'abc\n');
      expect(await readNew(s, 3000)).toBe('');
    }));

  // ncat-test.pl: "SSL server doesn't block during handshake(--keep-open)"
  it("SSL server doesn't block during handshake(--keep-open)", () =>
    inLab(async (lab) => {
      const extra = specArgs('tcp ssl', suite.cert);
      const s = await ncatServer(lab, [...extra.server, '--keep-open']);
      await ncatClient(lab, [], s);
      const c2 = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
      send(c2, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
    }));

  // ncat-test.pl: "SSL --exec server doesn't block during handshake"
  it("SSL --exec server doesn't block during handshake", () =>
    inLab(async (lab) => {
      const extra = specArgs('tcp ssl', suite.cert);
      const s = await ncatServer(lab, ['--exec', ...PERL_UC, ...extra.server, '--keep-open']);
      await ncatClient(lab, [], s);
      const c2 = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
      send(c2, 'abc\n');
      expect(await readNew(c2, 10_000)).toBe('ABC\n');
    }));

  // ncat-test.pl: "SSL verification, correct domain name"
  it('SSL verification, correct domain name', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, specArgs('tcp ssl', suite.cert).server);
      const c = lab.nc('ncat', ['localhost', P, '--ssl-verify', '--ssl-trustfile', suite.cert]);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
    }));

  // ncat-test.pl: "SSL verification, wrong domain name" (::1 is not a name of the suite's
  // certificate; ours names it, so our case checks a name it lacks: example.org, via
  // --ssl-servername, since portscope's listener is on 127.0.0.1, not ::1).
  it('SSL verification, wrong domain name', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, specArgs('tcp ssl', suite.cert).server);
      const c = lab.nc('ncat', [
        '127.0.0.1',
        P,
        '--ssl-verify',
        '--ssl-trustfile',
        suite.cert,
        '--ssl-servername',
        'example.org',
      ]);
      send(c, 'abc\n');
      expect(await exitWithin(c, 10_000)).toBe(1);
      expect(await readNew(s, 500)).toBe('');
    }));

  // ncat-test.pl: "SSL verification, no server cert" (the server's own throw-away certificate)
  it('SSL verification, no server cert', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, ['--ssl']);
      const c = lab.nc('ncat', ['localhost', P, '--ssl-verify', '--ssl-trustfile', suite.cert]);
      send(c, 'abc\n');
      expect(await exitWithin(c, 10_000)).toBe(1);
      expect(await readNew(s, 500)).toBe('');
    }));

  // ncat-test.pl: "--keep-open server keeps connection count properly.", "SSL --keep-open server
  // keeps connection count properly."
  it.each([
    ['--keep-open server keeps connection count properly.', 'tcp'],
    ['SSL --keep-open server keeps connection count properly.', 'tcp ssl'],
  ] as const)('%s', (_name, spec) =>
    inLab(async (lab) => {
      const extra = specArgs(spec, suite.cert);
      const s = await ncatServer(lab, [...extra.server, '--keep-open', '--max-conns', '1']);
      const c1 = await ncatClient(lab, [], s);
      c1.child.kill('SIGTERM');
      await c1.exited();
      const c2 = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
      send(c2, 'abc\n');
      expect(await readNew(s, 15_000)).toBe('abc\n');
    }),
  );

  // ncat-test.pl: "--broker server keeps connection count properly.", "SSL --broker server keeps
  // connection count properly.": a client leaves a --max-conns 1 broker (in the SSL case a plain
  // one, after writing abc), the next is served: the broker's stdin reaches it.
  it.each([
    ['--broker server keeps connection count properly.', 'tcp'],
    ['SSL --broker server keeps connection count properly.', 'tcp ssl'],
  ] as const)('%s', (_name, spec) =>
    inLab(async (lab) => {
      const extra = specArgs(spec, suite.cert);
      const s = await ncatServer(lab, [...extra.server, '--broker', '--max-conns', '1']);
      const c1 = await ncatClient(lab, [], s);
      if (spec === 'tcp ssl') send(c1, 'abc\n');
      c1.child.kill('SIGTERM');
      await c1.exited();
      const c2 = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
      send(s, 'abc\n');
      expect(await readNew(c2, 15_000)).toBe('abc\n');
    }),
  );
});
