import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasNativeAddon, nativeAddon, parseInetDiag, parseInetTable } from '../../../src/index.js';
import { AF_INET, inetDiagRequest } from '../../../src/inventory/linux/diag-request.js';
import { startFixture, type Fixture } from '../../helpers/fixture.js';
import { canMakeNetnsFor } from '../../helpers/system.js';

const name = `psls-big-${String(process.pid)}`;
const PAIRS = 1500;
// Enters the namespace, opens PAIRS loopback connections (2 sockets each), holds them until stdin closes.
const HOLDER = `
import ctypes, json, os, select, socket, sys
if ctypes.CDLL(None, use_errno=True).setns(os.open(sys.argv[1], os.O_RDONLY), 0x40000000) != 0: sys.exit(1)
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1024); keep = [l]
for _ in range(${String(PAIRS)}):
    c = socket.socket(); c.connect(l.getsockname()); keep += [c, l.accept()[0]]
print(json.dumps({"pid": os.getpid()}), flush=True)
select.select([sys.stdin], [], [], 60)
`;
let fixture: Fixture<{ pid: number }> | undefined;

describe.skipIf(!canMakeNetnsFor('the large sock_diag reply test') || !hasNativeAddon())(
  'a sock_diag reply over 256 KB (handed over as an external Buffer)',
  () => {
    beforeAll(async () => {
      execFileSync('ip', ['netns', 'add', name]);
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      fixture = await startFixture('python3', ['-c', HOLDER, `/run/netns/${name}`]);
    });

    afterAll(async () => {
      await fixture?.stop();
      execFileSync('ip', ['netns', 'del', name]);
    });

    it('holds every socket /proc/PID/net/tcp lists, and stays intact after other dumps and a GC', () => {
      const addon = nativeAddon();
      const pid = String(fixture?.pid);
      const request = inetDiagRequest(AF_INET, 6, 0xffffffff);
      const [reply] = addon?.sockDiag(`/proc/${pid}/ns/net`, [request]) ?? [];
      if (!(reply instanceof Buffer)) throw new Error(`sock_diag answered ${String(reply)}`);
      expect(reply.length).toBeGreaterThan(256 * 1024);
      for (let i = 0; i < 5; i++) addon?.sockDiag(`/proc/${pid}/ns/net`, [request]);
      (globalThis as { gc?: () => void }).gc?.();
      const fromDiag = parseInetDiag(reply, { protocol: 'tcp', family: 'inet' }, 0);
      expect(fromDiag.malformed).toBe(0);
      const text = readFileSync(`/proc/${pid}/net/tcp`);
      const fromProc = parseInetTable(text, text.length, { protocol: 'tcp', family: 'inet' }, { netns: 0 });
      const key = (s: { inode?: number; local: { port: number }; peer: { port: number } }) =>
        `${String(s.inode ?? 0)} ${String(s.local.port)} ${String(s.peer.port)}`;
      expect(fromDiag.sockets.map(key).sort()).toEqual(fromProc.sockets.map(key).sort());
      expect(fromDiag.sockets).toHaveLength(2 * PAIRS + 1);
    });
  },
);
