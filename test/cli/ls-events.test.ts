import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/inventory/linux/native.js';

const bin = new URL('../../bin/portscope.js', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/bundle', import.meta.url));
const root = process.getuid?.() === 0;

/** Starts a watcher, collects its stdout; `stop()` sends SIGINT and resolves with its exit code and output. */
function watch(command: string, args: string[]): { child: ChildProcess; stop: () => Promise<[number | null, string]> } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return {
    child,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      clearTimeout(kill);
      return [code, out];
    },
  };
}

/** The rows of one port: `netid state local peer`, sorted. */
function rows(text: string, port: number): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(
      (f) =>
        f.length >= 6 && (f[4]?.endsWith(`:${String(port)}`) === true || f[5]?.endsWith(`:${String(port)}`) === true),
    )
    .map((f) => [f[0], f[1], f[4], f[5]].join(' '))
    .sort();
}

describe.skipIf(!built || !root || nativeAddon() === undefined)('ls -E', () => {
  it('prints the sockets the kernel destroys, as ss -E does, and ends on SIGINT', async () => {
    const ours = watch(process.execPath, [bin, 'ls', '-E', '-n', '-H']);
    // ss writes through stdio's buffer, which a signal would throw away: line-buffer it.
    const theirs = watch('stdbuf', ['-oL', 'ss', '-E', '-n', '-H']);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // both subscribed
    const server = createServer((s) => {
      s.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = createConnection(port, '127.0.0.1');
    client.resume();
    await once(client, 'close');
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [code, text] = await ours.stop();
    const [, ssText] = await theirs.stop();
    expect(code).toBe(0);
    expect(rows(text, port).length).toBeGreaterThanOrEqual(2);
    expect(rows(text, port)).toEqual(rows(ssText, port));
  });
});
