import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { ssLines } from '../helpers/ss.js';

/** A loopback TCP connection: reports both ports and the client's inode, then holds it (60 s at most). */
const CONNECTION = `
import json, os, select, socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
print(json.dumps({"listen": l.getsockname()[1], "client": c.getsockname()[1], "inode": os.fstat(c.fileno()).st_ino}), flush=True)
select.select([sys.stdin], [], [], 60)
`;
import { hasTool } from '../helpers/system.js';

interface Connection {
  listen: number;
  client: number;
  inode: number;
}

const hasSs = hasTool('ss', 'tests that compare with ss');
const root = process.getuid?.() === 0;

describe.skipIf(!hasSs || !root || nativeAddon() === undefined)(
  'ls -K closes the listed sockets (SOCK_DESTROY)',
  () => {
    let fixture: Fixture<Connection>;
    let filter: string;
    const listed = () => ssLines(['-t', '-u', '-a']).some((l) => l.inode === fixture.info.inode);

    beforeEach(async () => {
      fixture = await startFixture<Connection>('python3', ['-c', CONNECTION]);
      filter = `sport = :${String(fixture.info.client)} and dport = :${String(fixture.info.listen)}`;
    });
    afterEach(() => fixture.stop());

    it('with --yes: closes exactly the matching socket and prints it, as ss -K does', async () => {
      expect(listed()).toBe(true);
      const { code, stdout, stderr } = await cli(['ls', '-tn', '-K', '--yes', '-H', '--netns', 'host', filter]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(
          `^tcp\\s+ESTAB\\s+0\\s+0\\s+127\\.0\\.0\\.1:${String(fixture.info.client)}\\s+127\\.0\\.0\\.1:${String(fixture.info.listen)}\\n$`,
        ),
      );
      expect(listed()).toBe(false);
      // The listener was not touched.
      expect(
        ssLines(['-t', '-u', '-l', '-n']).some((l) => l.local === `127.0.0.1:${String(fixture.info.listen)}`),
      ).toBe(true);
    });

    it('asks first on a terminal, and a no closes nothing', async () => {
      const questions: string[] = [];
      const confirm = (q: string) => {
        questions.push(q);
        return Promise.resolve(false);
      };
      const { code, stderr } = await cli(['ls', '-tn', '-K', '--netns', 'host', filter], { isTTY: true, confirm });
      expect(questions).toEqual(['Close 1 socket (SOCK_DESTROY)?']);
      expect(code).toBe(1);
      expect(stderr).toBe('portscope: nothing was closed\n');
      expect(listed()).toBe(true);
    });

    it('refuses without a terminal and without --yes', async () => {
      const { code, stderr } = await cli(['ls', '-tn', '-K', '--netns', 'host', filter]);
      expect(code).toBe(2);
      expect(stderr).toBe(
        'portscope: Refusing to close 1 sockets without a confirmation: no terminal to ask on; pass --yes\n',
      );
      expect(listed()).toBe(true);
    });
  },
);
