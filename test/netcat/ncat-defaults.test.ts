import { afterAll, describe, expect, it } from 'vitest';
import { closeLabs, inLab, type Lab } from '../helpers/nc-suite.js';
import type { Running } from '../helpers/nc.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// ncat's and OpenBSD nc's defaults that --compat follows (issue 17): the order of ncat's
// `Listening on` lines, and the ports of a proxy given without one (ncat.h: DEFAULT_PROXY_PORT
// 3128, DEFAULT_SOCKS4_PORT and DEFAULT_SOCKS5_PORT 1080; nc.openbsd takes 3128 and 1080 too).
// Each runs in a network namespace of its own (fixed ports; ncat's listener takes every address).

const can = builtCli && canMakeNetnsFor('the ncat defaults tests');
const withNcat = can && hasTool('ncat', 'the ncat defaults tests');
afterAll(() => {
  closeLabs();
});
const cfg = { timeout: 30_000 };

/** The address families of a process's `Listening on` lines, in order, once it has printed `count`. */
async function listeningFamilies(proc: Running, count: number): Promise<string[]> {
  await proc.waitForStderr(new RegExp(`(Listening on [^\\n]*\\n[^]*){${String(count)}}`));
  return [...proc.stderr().matchAll(/Listening on (\S+)/g)].map((m) => ((m[1] ?? '').includes('::') ? '6' : '4'));
}

/** Once `listener` is bound, starts the client; resolves once the listener has received `request`. */
async function reaches(lab: Lab, listener: Running, port: number, client: () => Running, request: string) {
  await lab.bound(listener, port);
  client();
  await listener.waitForStdout(request, 10_000);
}

describe.skipIf(!can)('nc --compat: ncat and OpenBSD nc defaults', cfg, () => {
  it.runIf(withNcat)('--compat ncat -v -l PORT: Listening on IPv6 first, as ncat 7.93', () =>
    inLab(async (lab) => {
      const theirs = await listeningFamilies(lab.run('ncat', ['-v', '-l', '40001']), 2);
      const mine = await listeningFamilies(lab.nc('ncat', ['-v', '-l', '40002']), 2);
      expect(theirs).toEqual(['6', '4']);
      expect(mine).toEqual(theirs);
    }),
  );

  it('--compat ncat -l --proxy-type http without a port listens on 3128', () =>
    inLab(async (lab) => {
      const proxy = lab.nc('ncat', ['-v', '-l', '--proxy-type', 'http']);
      await lab.bound(proxy, 3128);
      await proxy.waitForStderr(/Listening on \S+:3128\n/);
    }));

  it.for([
    ['ncat', ['--proxy', '127.0.0.1', '--proxy-type', 'http'], 3128, 'CONNECT 127.0.0.1:80 HTTP/1.'],
    ['openbsd', ['-X', 'connect', '-x', '127.0.0.1'], 3128, 'CONNECT 127.0.0.1:80 HTTP/1.'],
    ['ncat', ['--proxy', '127.0.0.1', '--proxy-type', 'socks4'], 1080, '\u0004\u0001\u0000P'],
  ] as const)('--compat %s %j without a port: the proxy on %i', ([tool, args, port, request]) =>
    inLab(async (lab) => {
      const listener = lab.nc('ncat', ['-l', '127.0.0.1', String(port)]);
      await reaches(
        lab,
        listener,
        port,
        () => lab.nc(tool, ['-w', '3', ...args, '127.0.0.1', '80'], 'ignore'),
        request,
      );
      expect(listener.stdout().toString().startsWith(request)).toBe(true);
    }),
  );
});
