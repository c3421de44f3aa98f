import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, builtCliArgv } from '../helpers/system.js';

// `--fields` picks the columns of a table or CSV; JSON and NDJSON print the whole model, so the combination
// would do nothing and is refused, by every verb that takes `--fields`, on the columnar and the object path.

let server: Server;
let port = '';

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = String((server.address() as { port: number }).port);
});
afterAll(async () => {
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
});

/** Runs the built bundle (bin/portscope.js), PORTSCOPE_COLUMNAR=0 (Socket objects) or unset (columns); at most 20 s. */
function portscope(
  args: readonly string[],
  objects: boolean,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.PORTSCOPE_COLUMNAR;
  if (objects) env.PORTSCOPE_COLUMNAR = '0';
  const [node = '', ...rest] = builtCliArgv(...args);
  return new Promise((resolve) => {
    execFile(node, rest, { env, timeout: 20_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Each verb that takes `--fields`, with a field it knows and the column header that field prints in CSV. */
const verbs = (): { args: string[]; field: string }[] => [
  { args: ['--netns', 'host'], field: 'port' },
  { args: ['ls', '-tln', '--netns', 'host', `sport = :${port}`], field: 'local' },
  { args: ['who', port, '--netns', 'host'], field: 'local' },
  // Written before the verb: moved after it, and refused the same.
  { args: ['--json', 'who', port, '--netns', 'host'], field: 'local' },
];

const WHOLE = [
  [['--json'], '--json', 'JSON'],
  [['--format', 'json'], '--format json', 'JSON'],
  [['--format', 'ndjson'], '--format ndjson', 'NDJSON'],
] as const;

describe.skipIf(!builtCli)('--fields with JSON or NDJSON', () => {
  for (const objects of [false, true]) {
    const path = objects ? 'PORTSCOPE_COLUMNAR=0' : 'default';
    it(`is refused with one line and exit 2 by portscope, ls and who (${path})`, async () => {
      for (const { args, field } of verbs()) {
        const hoisted = args[0] === '--json';
        const cases = hoisted ? WHOLE.filter(([, given]) => given === '--json') : WHOLE;
        // The three formats at once: each run is a short process that refuses before reading a socket.
        await Promise.all(
          cases.map(async ([format, given, name]) => {
            const argv = hoisted ? [...args, '--fields', field] : [...args, '--fields', field, ...format];
            expect(await portscope(argv, objects), argv.join(' ')).toEqual({
              code: 2,
              stdout: '',
              stderr:
                `portscope: Expected --fields with --format table or csv, not ${given}: ` +
                `${name} prints the whole model (pick fields with jq)\n`,
            });
          }),
        );
      }
    });

    it(`still picks the columns of a CSV, and --json alone prints the Snapshot (${path})`, async () => {
      for (const { args, field } of verbs().filter((v) => v.args[0] !== '--json')) {
        const csv = await portscope([...args, '--fields', field, '--format', 'csv'], objects);
        expect(csv.code, args.join(' ')).toBe(0);
        expect(csv.stderr).toBe('');
        const [header, ...rows] = csv.stdout.trim().split('\n');
        expect(header).toBe(field);
        expect(rows).toContain(field === 'port' ? port : `127.0.0.1:${port}`);
        const json = await portscope([...args, '--json'], objects);
        expect(json.code, args.join(' ')).toBe(0);
        const snapshot = JSON.parse(json.stdout) as { sockets: { local: { port: number } }[] };
        expect(snapshot.sockets.some((s) => s.local.port === Number(port))).toBe(true);
      }
    });
  }
});
