import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Running } from './nc.js';
import { afterAll, beforeAll } from 'vitest';
import { againstRealTool, closeLabs, type Lab, waitConnections } from './nc-suite.js';

/**
 * What the cases of nmap's ncat/test/ncat-test.pl share (test/netcat/suite-ncat-*.test.ts): its
 * ports, its protocol variants and its server/client pair, with `portscope nc --compat ncat`
 * (or, with PORTSCOPE_SUITE_REAL=1, ncat) on both sides, in a namespace of the case's own.
 */

export const PORT = 40000;
export const PROXY_PORT = 40001;
export const P = String(PORT);

/**
 * A test file's suite certificate (makeSuiteCert), made before its first case; after its last, its labs are
 * closed (closeLabs) and the certificate's directory removed. Read `dir` and `cert` inside cases only.
 */
export function useSuiteCert(): { readonly dir: string; readonly cert: string } {
  let made: ReturnType<typeof makeSuiteCert> | undefined;
  beforeAll(() => {
    made = makeSuiteCert();
  });
  afterAll(() => {
    closeLabs();
    made?.remove();
  });
  const current = () => {
    if (made === undefined) throw new Error('the suite certificate is made in beforeAll: read it inside a case');
    return made;
  };
  return {
    get dir() {
      return current().dir;
    },
    get cert() {
      return current().cert;
    },
  };
}

/** The suite's variants that portscope has: plain TCP, UDP, and TLS over TCP (not SCTP, not DTLS). */
export type Spec = 'tcp' | 'udp' | 'tcp ssl';

/**
 * The suite's test-cert.pem (self-signed, CN=localhost; ours also names 127.0.0.1 and ::1 so that
 * a verifying client can check it): key and certificate in one file, in a new directory.
 */
export function makeSuiteCert(): { dir: string; cert: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'portscope-ncat-suite-'));
  const cert = join(dir, 'test-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-x509',
      '-nodes',
      '-days',
      '1',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-subj',
      '/O=ncat-test/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '-keyout',
      cert,
      '-out',
      join(dir, 'cert-only.pem'),
    ],
    { stdio: 'pipe', timeout: 20_000 },
  );
  execFileSync('sh', ['-c', `cat "${join(dir, 'cert-only.pem')}" >> "${cert}"`], { timeout: 5000 });
  return {
    dir,
    cert,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The arguments a variant adds, as server_client_test_multi does. For `tcp ssl` the client also
 * gets `--ssl-trustfile test-cert.pem`: ncat 7.93's `--ssl` client does not verify, portscope's
 * deliberately does (docs/netcat.md "TLS"), so each TLS case trusts the suite's certificate and
 * then tests what the peer's case tests.
 */
export function specArgs(spec: Spec, cert: string): { server: string[]; client: string[] } {
  if (spec === 'udp') return { server: ['--udp'], client: ['--udp'] };
  // Not for ncat itself: its --ssl-trustfile turns on verification, which fails on 127.0.0.1 (ncat
  // 7.93 checks the name only, not the certificate's IP addresses), where ncat-test.pl's plain
  // --ssl client does not verify.
  if (spec === 'tcp ssl')
    return {
      server: ['--ssl', '--ssl-key', cert, '--ssl-cert', cert],
      client: ['--ssl', ...(againstRealTool ? [] : ['--ssl-trustfile', cert])],
    };
  return { server: [], client: [] };
}

/** host_for_args: ::1 when an argument is a short-flag bundle holding 6, else 127.0.0.1. */
export function hostFor(args: readonly string[]): string {
  return args.some((a) => /^-[^-]*6/.test(a)) ? '::1' : '127.0.0.1';
}

/** ncat_server: `ncat PORT -l ARGS`, bound. */
export async function ncatServer(lab: Lab, args: readonly string[], protocol: 'tcp' | 'udp' = 'tcp'): Promise<Running> {
  const s = lab.nc('ncat', [P, '-l', ...args]);
  await lab.bound(s, PORT, args.includes('--udp') ? 'udp' : protocol);
  return s;
}

/**
 * ncat_client: `ncat HOST PORT ARGS`, then (instead of the suite's fixed 0.5 s) waits until the
 * kernel holds its connection (or it has output or has exited: a server that answers and closes at
 * once): `already` is how many connections to PORT exist before it.
 */
export async function ncatClient(lab: Lab, args: readonly string[], server: Running, already = 0): Promise<Running> {
  const c = lab.nc('ncat', [hostFor(args), P, ...args]);
  if (args.includes('--udp')) await waitConnections(c, PORT, 1, 'udp');
  else
    await waitConnections(server, PORT, already + 1, 'tcp', () => c.stdout().length > 0 || c.child.exitCode !== null);
  return c;
}

/** server_client_test with a variant: the server, then a connected client. */
export async function serverClient(
  lab: Lab,
  spec: Spec,
  cert: string,
  serverArgs: readonly string[],
  clientArgs: readonly string[],
): Promise<{ s: Running; c: Running }> {
  const extra = specArgs(spec, cert);
  const s = await ncatServer(lab, [...serverArgs, ...extra.server]);
  const c = await ncatClient(lab, [...clientArgs, ...extra.client], s);
  return { s, c };
}

/** True when running against ncat itself (PORTSCOPE_SUITE_REAL=1). */
export const realNcat = againstRealTool;

/** suite-skips.json: the cases skipped against portscope, by test name, with kind and reason. */
const SKIPS = JSON.parse(readFileSync(new URL('../netcat/suite-skips.json', import.meta.url), 'utf8')) as Record<
  'ncat' | 'openbsd',
  Record<string, [string, string]>
>;

/**
 * Skips the running case (`ctx.skip()`) when suite-skips.json lists it under `tool`, unless the
 * real tool runs (PORTSCOPE_SUITE_REAL=1: every case runs, so that each is checked against it).
 */
export function skipListed(tool: 'ncat' | 'openbsd', ctx: { task: { name: string }; skip(): void }): void {
  if (!realNcat && SKIPS[tool][ctx.task.name] !== undefined) ctx.skip();
}
