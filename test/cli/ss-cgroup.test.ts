import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { lsCells } from '../helpers/ss-fixture.js';
import { ssLines } from '../helpers/ss.js';

const mount = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .find((l) => l.split(' - ')[1]?.startsWith('cgroup2 '))
  ?.split(' ')[4];
const hasSs = hasTool('ss', 'tests that compare with ss');

/** A listener made by a process that first moved itself into the cgroup given as argv[1]. */
const LISTENER = `
import json, os, select, socket, sys
with open(sys.argv[1] + "/cgroup.procs", "w") as f: f.write(str(os.getpid()))
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(json.dumps({"inode": os.fstat(s.fileno()).st_ino}), flush=True)
select.select([sys.stdin], [], [], 60)
`;
import { hasTool } from '../helpers/system.js';

describe.skipIf(mount === undefined || !hasSs || nativeAddon() === undefined || process.getuid?.() !== 0)(
  'ls --cgroup',
  () => {
    const group = `portscope-ssopts-${String(process.pid)}`;
    const dir = `${mount ?? ''}/${group}`;
    let fixture: Fixture<{ inode: number }>;

    beforeAll(async () => {
      mkdirSync(dir);
      fixture = await startFixture<{ inode: number }>('python3', ['-c', LISTENER, dir]);
    });
    afterAll(async () => {
      await fixture.stop();
      rmdirSync(dir);
    });

    it('prints the cgroup path of the socket as ss --cgroup does', async () => {
      const ours = (await lsCells(['-t', '-l', '--cgroup'], ['cgroup', 'inode'])).get(fixture.info.inode);
      const theirs = ssLines(['-t', '-u', '-l', '--cgroup']).find((l) => l.inode === fixture.info.inode);
      expect(ours?.[0]).toBe(`cgroup:/${group}`);
      expect(theirs?.rest).toContain(`cgroup:/${group}`);
    });
  },
);
