import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';

let port: number;

beforeAll(async () => {
  ({ port } = await serveLoopback());
});
afterAll(closeLoopbackServers);

describe('options written before the verb', () => {
  it('go to the verb: `portscope --json who PORT` prints JSON', async () => {
    const { code, stdout } = await cli(['--json', 'who', String(port)]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Snapshot;
    expect(result.sockets.some((s) => s.local.port === port && s.state === 'LISTEN')).toBe(true);
  });

  it('take their value with them: `--format=csv who PORT`, `--fields proto,local -H who PORT`', async () => {
    // PORT/tcp: a UDP socket elsewhere on the host may have the same port number.
    const inline = await cli(['--format=csv', 'who', `${String(port)}/tcp`]);
    expect(inline.code).toBe(0);
    expect(inline.stdout.split('\n')[1]).toMatch(new RegExp(`^tcp,LISTEN,127\\.0\\.0\\.1:${String(port)},`));
    const spaced = await cli(['--fields', 'proto,local', '-H', 'who', `${String(port)}/tcp`]);
    expect(spaced.stdout).toMatch(new RegExp(`^tcp\\s+127\\.0\\.0\\.1:${String(port)}\n$`));
  });

  it('leave nmap letters readable: `portscope --verbose scan 127.0.0.1 -Pn -pPORT`', async () => {
    const { code, stdout, stderr } = await cli(['--verbose', 'scan', '127.0.0.1', '-Pn', `-p${String(port)}`]);
    expect(stderr).toMatch(/^portscope: 1 host \(1 up\), 1 port result, 1 open/);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${String(port)}/tcp\\s+open`, 'm'));
  });

  it('are an error naming where they go when the verb does not take them', async () => {
    const fields = await cli(['--fields', 'pid', 'kill', String(port)]);
    expect(fields.code).toBe(2);
    expect(fields.stderr).toMatch(/^portscope: `--fields` is not an option of `kill`; .*ls.*who/);
    // The root's -n is --numeric; kill's -n is --dry-run: never one for the other.
    const numeric = await cli(['-n', 'kill', String(port)]);
    expect(numeric.code).toBe(2);
    expect(numeric.stderr).toContain('`-n` (--numeric) is not an option of `kill`');
    expect(numeric.stdout).toBe('');
  });
});

describe('--verbose', () => {
  it('is taken after the verb too, and adds the cause chain to an error', async () => {
    const quiet = await cli(['who', 'nosuchservice']);
    const verbose = await cli(['who', 'nosuchservice', '--verbose']);
    expect(verbose.code).toBe(quiet.code);
    expect(verbose.stderr.startsWith(quiet.stderr)).toBe(true);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});
