import { describe, expect, it } from 'vitest';
import { inLab, readNew, send, sleep } from '../helpers/nc-suite.js';
import type { Running } from '../helpers/nc.js';
import { useSuiteCert, ncatServer, P, realNcat, specArgs, type Spec } from '../helpers/ncat-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// nmap's ncat/test/ncat-test.pl: --allow/--deny with addresses, --max-conns and -z cases, one
// per peer test and variant (tcp, udp, tcp ssl), against `portscope nc --compat ncat`. The
// host-name and --allowfile/--denyfile cases are in suite-ncat-pending.test.ts.

const can = builtCli && canMakeNetnsFor('the ncat suite') && hasTool('openssl', 'the ncat suite');
const suite = useSuiteCert();

const ALL: Spec[] = ['tcp', 'udp', 'tcp ssl'];

/** A client sends abc: the server prints it (`served`), or prints nothing. */
async function served(s: Running, c: Running, expected: boolean): Promise<void> {
  send(c, 'abc\n');
  expect(await readNew(s, expected ? 10_000 : 2000)).toBe(expected ? 'abc\n' : '');
}

/**
 * The client of a --max-conns case: ncat_client with its abc exchange; true when served. A client
 * expected to be served gets a long wait (this machine may be slow), one expected to be refused
 * a short one.
 */
async function maxConnsClient(
  lab: Parameters<typeof ncatServer>[0],
  s: Running,
  clientArgs: string[],
  expectServed: boolean,
): Promise<{ c: Running; ok: boolean }> {
  const c = lab.nc('ncat', ['127.0.0.1', P, ...clientArgs]);
  send(c, 'abc\n');
  let resp = await readNew(s, expectServed ? 10_000 : 3000);
  if (resp === '') {
    send(s, 'abc\n');
    resp = await readNew(c, expectServed ? 10_000 : 2000);
  }
  return { c, ok: resp === 'abc\n' };
}

describe.skipIf(!can).concurrent('ncat-test.pl: --allow, --deny, --max-conns, -z', { timeout: 90_000 }, () => {
  it.each(
    ALL.flatMap((spec) =>
      (
        [
          ['Allow localhost (IPv4 address)', ['--allow', '127.0.0.1'], true],
          ['Allow non-localhost', ['--allow', '1.2.3.4'], false],
          ['--allow options accumulate', ['--allow', '127.0.0.1', '--allow', '1.2.3.4'], true],
          ['Deny localhost (IPv4 address)', ['--deny', '127.0.0.1'], false],
          ['Deny non-localhost', ['--deny', '1.2.3.4'], true],
          ['--deny options accumulate', ['--deny', '127.0.0.1', '--deny', '1.2.3.4'], false],
          ['Allow and deny', ['--allow', '127.0.0.1', '--deny', '127.0.0.1'], false],
        ] as const
      ).map(([name, args, ok]) => [name, spec, args, ok] as const),
    ),
  )('%s (%s)', (_name, spec, args, ok) =>
    // ncat-test.pl: the allow and deny list tests (server_client_test_all)
    inLab(async (lab) => {
      const extra = specArgs(spec, suite.cert);
      const s = await ncatServer(lab, [...args, ...extra.server]);
      const c = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
      await served(s, c, ok);
    }),
  );

  // ncat-test.pl: "--max-conns 1 --keep-open" (tcp), (tcp ssl): max_conns_test fills the limit,
  // two more are refused, and one closed frees a place.
  it.each<Spec>(['tcp', 'tcp ssl'])('--max-conns 1 --keep-open (%s)', (spec) =>
    inLab(async (lab) => {
      const extra = specArgs(spec, suite.cert);
      const s = await ncatServer(lab, ['--keep-open', ...extra.server, '--max-conns', '1']);
      const first = await maxConnsClient(lab, s, extra.client, true);
      expect(first.ok).toBe(true);
      for (let i = 0; i < 2; i++) expect((await maxConnsClient(lab, s, extra.client, false)).ok).toBe(false);
      first.c.child.kill('SIGTERM');
      await first.c.exited();
      await sleep(2000); // as max_conns_test: the freed place is counted a moment later
      expect((await maxConnsClient(lab, s, extra.client, true)).ok).toBe(true);
    }),
  );

  // ncat-test.pl: "--max-conns 1 --keep-open with exec" (tcp), (tcp ssl) (udp is an expected
  // failure in the suite)
  it.each<Spec>(['tcp', 'tcp ssl'])('--max-conns 1 --keep-open with exec (%s)', (spec) =>
    inLab(async (lab) => {
      const extra = specArgs(spec, suite.cert);
      const s = await ncatServer(lab, ['--keep-open', '--exec', '/bin/cat', ...extra.server, '--max-conns', '1']);
      const echo = async (expectServed: boolean) => {
        const c = lab.nc('ncat', ['127.0.0.1', P, ...extra.client]);
        send(c, 'abc\n');
        return { c, ok: (await readNew(c, expectServed ? 20_000 : 3000)) === 'abc\n' };
      };
      const first = await echo(true);
      expect(first.ok).toBe(true);
      expect((await echo(false)).ok).toBe(false);
      first.c.child.kill('SIGTERM');
      await first.c.exited();
      await sleep(2000); // as max_conns_test: the freed place is counted a moment later
      const third = await echo(true);
      expect({ ok: third.ok, err: third.c.stderr(), server: s.stderr() }).toMatchObject({ ok: true });
      expect(s.child.exitCode).toBeNull();
    }),
  );

  // ncat-test.pl: "--max-conns 0", "--max-conns 0 --keep-open", "--max-conns 0 --broker",
  // "--max-conns 0 with exec", "--max-conns 0 --keep-open with exec" (each variant). Deliberately
  // different: ncat takes 0 as "refuse everyone"; portscope refuses the option itself (exit 2:
  // "an integer >= 1"), since a listener that can serve nobody is a mistake, not a setting.
  it.each([
    ['--max-conns 0', []],
    ['--max-conns 0 --keep-open', ['--keep-open']],
    ['--max-conns 0 --broker', ['--broker']],
    ['--max-conns 0 with exec', ['--exec', '/bin/cat']],
    ['--max-conns 0 --keep-open with exec', ['--keep-open', '--exec', '/bin/cat']],
  ] as const)('%s', (_name, args) =>
    inLab(async (lab) => {
      if (realNcat) return;
      const s = lab.nc('ncat', [P, '-l', ...args, '--max-conns', '0'], 'ignore');
      expect(await s.exited()).toBe(2);
      expect(s.stderr()).toMatch(/--max-conns/);
    }),
  );

  // ncat-test.pl: "-z client with Connect success exit code (tcp)"
  it('-z client with Connect success exit code (tcp)', () =>
    inLab(async (lab) => {
      await ncatServer(lab, []);
      expect(await lab.nc('ncat', ['127.0.0.1', P, '-z'], 'ignore').exited()).toBe(0);
    }));

  // ncat-test.pl: "-z client with connection refused exit code (tcp)"
  it('-z client with connection refused exit code (tcp)', () =>
    inLab(async (lab) => {
      expect(await lab.nc('ncat', ['127.0.0.1', P, '-z'], 'ignore').exited()).toBe(1);
    }));

  // ncat-test.pl: "-z client with connection refused exit code (udp)"
  it('-z client with connection refused exit code (udp)', () =>
    inLab(async (lab) => {
      expect(await lab.nc('ncat', ['127.0.0.1', P, '-z', '--udp'], 'ignore').exited()).toBe(1);
    }));
});
