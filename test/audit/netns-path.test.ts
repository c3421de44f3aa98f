import { type ChildProcess, spawn } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsPath, processNetnsPaths } from '../../src/audit/netns-path.js';
import { canMakeNetnsFor, hasTool } from '../helpers/system.js';

const can =
  canMakeNetnsFor('netns paths of unnamed namespaces') && hasTool('unshare', 'netns paths of unnamed namespaces');

/** The inode of the namespace a /proc/PID/ns/net link names. */
const inodeOf = (path: string): number => Number(/^net:\[(\d+)\]$/.exec(readlinkSync(path))?.[1]);

describe.skipIf(!can)('netns paths of namespaces only a process holds (one /proc pass for many)', () => {
  const holders: ChildProcess[] = [];

  beforeAll(async () => {
    // Three processes, each in a new network namespace without a name under /run/netns; bounded: sleep 60.
    for (let i = 0; i < 3; i++) holders.push(spawn('unshare', ['-n', 'sleep', '60'], { stdio: 'ignore' }));
    // unshare execs sleep once the namespace is made: wait until each pid's namespace differs from ours.
    const own = statSync('/proc/self/ns/net').ino;
    for (let tries = 0; tries < 100; tries++) {
      if (holders.every((h) => inodeOf(`/proc/${String(h.pid)}/ns/net`) !== own)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the holders did not enter their namespaces in 2 s');
  });
  afterAll(() => {
    for (const h of holders) h.kill('SIGKILL');
  });

  it('finds each namespace by inode, through the map and without it, and refuses an unknown inode', () => {
    const inodes = holders.map((h) => inodeOf(`/proc/${String(h.pid)}/ns/net`));
    expect(new Set(inodes).size).toBe(3);
    const paths = processNetnsPaths();
    for (const inode of inodes) {
      const path = paths.get(inode);
      expect(path).toMatch(/^\/proc\/\d+\/ns\/net$/);
      expect(inodeOf(path ?? '')).toBe(inode);
      expect(netnsPath(inode, paths)).toBe(path);
      expect(inodeOf(netnsPath(String(inode)) ?? '')).toBe(inode);
    }
    expect(netnsPath('host', paths)).toBeUndefined();
    expect(() => netnsPath(1, paths)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
