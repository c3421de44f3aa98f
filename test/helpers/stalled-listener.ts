import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll } from 'vitest';

/**
 * Registers, in the calling describe block, a TCP listener on `host` (an ephemeral port) that never accepts,
 * with a backlog of 0: once one connection waits, the kernel drops every further SYN, so probes to it stay
 * in SYN_SENT until their time-out. Its python3 process lives at most 60 s and is killed after the block's
 * last case. Read `port` inside cases only.
 */
export function useStalledListener(host: string): { readonly port: number } {
  let holder: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    const script = `import socket,time\ns=socket.socket()\ns.bind(("${host}",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)`;
    holder = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(holder.stdout ?? holder, 'data')) as [Buffer];
    port = Number(line.toString().trim());
  });
  afterAll(() => {
    holder?.kill();
  });
  return {
    get port() {
      return port;
    },
  };
}
