import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type Fixture } from './fixture.js';

/**
 * The listener fixture, run with `node -e` (Node starts in a fraction of Python's time here): a TCP
 * listener on argv[1] and a free port, reported as one JSON line, held until stdin closes (at most 30 s).
 */
const LISTENER = `
const server = require('node:net').createServer();
const limit = setTimeout(() => process.exit(0), 30000);
server.listen(0, process.argv[1], () => {
  console.log(JSON.stringify({ pid: process.pid, port: server.address().port }));
});
process.stdin.on('end', () => { clearTimeout(limit); process.exit(0); });
process.stdin.resume();
`;

/** A netns of its own (a veth pair, one end holding 192.0.2.1, so a wildcard bind is reachable) and a temp dir. */
export interface PolicyLab {
  readonly netns: string;
  readonly dir: string;
  /** Writes `text` to DIR/name and returns its path. */
  write(name: string, text: string): string;
  /** A TCP listener on 0.0.0.0 and a free port inside the netns (held until stopped, at most 30 s). */
  listen(): Promise<Fixture<{ pid: number; port: number }>>;
  remove(): void;
}

/** Builds a {@link PolicyLab} named after `tag` and this process's pid. */
export function makePolicyLab(tag: string): PolicyLab {
  const netns = `ps${tag}${String(process.pid)}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  ip('netns', 'add', netns);
  try {
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    // Both ends inside the netns: an interface with an address, and no path out of it.
    ip('-n', netns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip('-n', netns, 'addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    ip('-n', netns, 'link', 'set', 'v0', 'up');
    ip('-n', netns, 'link', 'set', 'v1', 'up');
  } catch (error) {
    ip('netns', 'delete', netns);
    throw error;
  }
  const dir = mkdtempSync(join(tmpdir(), `portscope-${tag}-`));
  return {
    netns,
    dir,
    write: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    listen: () => startFixture('ip', ['netns', 'exec', netns, process.execPath, '-e', LISTENER, '0.0.0.0']),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      execFileSync('ip', ['netns', 'delete', netns], { stdio: 'pipe' });
    },
  };
}
