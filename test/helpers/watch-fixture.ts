import { afterAll, beforeEach } from 'vitest';
import type { Fixture } from './fixture.js';

/**
 * For a fixture shared by a test file: stops it after the file, and before each test checks that it is
 * still running, since a fixture that died would otherwise show up as missing owners, far from the cause.
 */
export function watchFixture(current: () => Fixture<unknown>): void {
  afterAll(() => current().stop());
  beforeEach(() => {
    current().assertRunning();
  });
}
