import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Which of the bundle's modules a CLI run evaluates, seen through a module loader hook that appends every URL
// Node loads (bundle chunks and node: built-ins) to a file; each chunk names its source modules in
// `// dist/...` comments (esbuild's), so the check does not depend on chunk names or timings.

const bin = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));
const bundled = existsSync(new URL('../../dist/bundle/main.js', import.meta.url));
const hooks = `data:text/javascript,${encodeURIComponent(
  "import { appendFileSync } from 'node:fs';\n" +
    'export async function load(url, context, next) {\n' +
    '  appendFileSync(process.env.PORTSCOPE_TEST_LOAD_TRACE, `${url}\\n`);\n' +
    '  return next(url, context);\n' +
    '}\n',
)}`;
const register = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';\nregister(${JSON.stringify(hooks)});\n`,
)}`;

const VERBS = [
  'ls',
  'stats',
  'who',
  'info',
  'free',
  'kill',
  'wait',
  'doctor',
  'scan',
  'nc',
  'audit',
  'diff',
  'exporter',
];

let dir = '';
let runs = 0;
let server: Server;
let port = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portscope-lazy-verbs-'));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What one run of bin/portscope.js loaded: its source modules (`cli/commands/who`) and Node built-ins. */
async function loaded(args: readonly string[]): Promise<{ code: number; modules: string[]; builtins: string[] }> {
  const trace = join(dir, `trace-${String((runs += 1))}`);
  const code = await new Promise<number>((resolve) => {
    execFile(
      process.execPath,
      ['--import', register, bin, ...args],
      { env: { ...process.env, PORTSCOPE_TEST_LOAD_TRACE: trace }, timeout: 30_000 },
      (error) => {
        resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : -1);
      },
    );
  });
  const urls = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  const modules = urls
    .filter((u) => u.startsWith('file:') && u.includes('/dist/bundle/'))
    .flatMap((u) => [...readFileSync(new URL(u), 'utf8').matchAll(/^\/\/ dist\/(\S+)\.js$/gm)].map((m) => m[1] ?? ''));
  return { code, modules: [...new Set(modules)], builtins: urls.filter((u) => u.startsWith('node:')) };
}

const commandsOf = (modules: readonly string[]) =>
  modules.filter((m) => m.startsWith('cli/commands/')).map((m) => m.slice('cli/commands/'.length));

describe.skipIf(!bundled)('a run evaluates only what its verb needs', () => {
  it('--version evaluates no command module, no inventory and no registry, and imports no readline', async () => {
    const { code, modules, builtins } = await loaded(['--version']);
    expect(builtins).not.toContain('node:readline');
    expect(code).toBe(0);
    expect(commandsOf(modules)).toEqual([]);
    expect(modules.filter((m) => /^(inventory\/(?!native-status|linux\/native$)|registry\/|ports\/)/.test(m))).toEqual(
      [],
    );
  });

  it('who PORT evaluates who alone: no other verb, no other platform, no kill/wait/doctor code, no http, no threads', async () => {
    const { code, modules, builtins } = await loaded(['who', String(port)]);
    expect(code).toBe(0);
    // who-listing.ts: who's own choice of columns or objects; nothing of ls (ls-columnar: its JSON printing).
    expect(commandsOf(modules).sort()).toEqual(['who', 'who-listing']);
    expect(modules).not.toContain('cli/render/columns-json');
    expect(
      modules.filter((m) => /^(inventory\/(darwin|freebsd|win32|bsd)\/|ports\/(kill|wait|doctor|firewall))/.test(m)),
    ).toEqual([]);
    expect(modules.filter((m) => /^(scan|netcat|monitor|audit)\//.test(m))).toEqual([]);
    expect(builtins.filter((b) => /^node:(https?|tls|dns|worker_threads|readline)/.test(b))).toEqual([]);
  });

  it('ls -tan evaluates ls and its parts alone; portscope alone, the listing alone', async () => {
    const ls = await loaded(['ls', '-tan', `sport = :${String(port)}`]);
    expect(ls.code).toBe(0);
    expect(commandsOf(ls.modules).filter((c) => !/^(ls|ls-.*|stats)$/.test(c))).toEqual([]);
    expect(commandsOf(ls.modules)).toContain('ls');
    const listing = await loaded(['-n']);
    expect(listing.code).toBe(0);
    // The listing prints from columns when it can (ls-columnar.ts decides), and nothing else of `ls`.
    expect(commandsOf(listing.modules)).toEqual(['listening', 'ls-columnar']);
  });

  it('watch, diff, audit and exporter evaluate their verb alone: no kill, wait, doctor, scan or nc code', async () => {
    const runs = await Promise.all(
      [
        ['watch', '--events', '--no-tracepoint', '--duration', '100ms', '--netns', 'host'],
        ['diff', '-', '-'],
        ['audit', '--init', '--netns', 'host'],
        ['exporter', '--textfile', dir, '--netns', 'host'],
      ].map(loaded),
    );
    for (const [i, verb] of ['watch', 'diff', 'audit', 'exporter'].entries()) {
      const { code, modules } = runs[i] ?? { code: -1, modules: [] };
      // diff answers 1 when a socket came or went between its two listings.
      expect({ verb, ran: code === 0 || (verb === 'diff' && code === 1) }).toEqual({ verb, ran: true });
      expect(commandsOf(modules)).toEqual([verb]);
      // The live view and the exporter read /proc/net/netstat through doctor's reader, and nothing else of it.
      const unrelated =
        /^(ports\/(kill|wait|who-owns|find-free|doctor\/(?!netstat$))|scan\/|netcat\/|inventory\/(darwin|freebsd|win32|bsd)\/)/;
      expect({ verb, unrelated: modules.filter((m) => unrelated.test(m)) }).toEqual({ verb, unrelated: [] });
    }
  });

  it('--help, help VERB and an unknown verb still see every verb', async () => {
    const runs = await Promise.all([['--help'], ['help', 'who'], ['nosuch']].map(loaded));
    for (const { modules } of runs) expect(commandsOf(modules)).toEqual(expect.arrayContaining([...VERBS, 'watch']));
  });
});
