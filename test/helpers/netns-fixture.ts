import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';

/**
 * Registers, in the calling describe block, a network namespace `name` (loopback up) made before its first
 * case, with the Python fixture `script` (a file of test/helpers) started in it as `script /run/netns/NAME`,
 * and handed to `started`; after its last case the fixture is stopped and the namespace deleted.
 */
export function fixtureInNetns<T>(name: string, script: string, started: (fixture: Fixture<T>) => void): void {
  let fixture: Fixture<T> | undefined;
  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const path = new URL(`./${script}`, import.meta.url).pathname;
    fixture = await startFixture<T>('python3', [path, `/run/netns/${name}`]);
    started(fixture);
  });
  afterAll(async () => {
    await fixture?.stop();
    execFileSync('ip', ['netns', 'del', name]);
  });
}
