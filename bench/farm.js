// Builds and tears down the benchmark's socket farm: `holders` processes on 127.0.2.N, each with
// `pairs` TCP connections (2 sockets each), plus UDP and unix sockets. One process may hold at most
// 20,000 fds here, so 100k sockets take several holders.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';

const holderPath = new URL('./holder.js', import.meta.url).pathname;

/** Starts the farm; resolves when every holder is ready. Returns a stop function. */
export async function startFarm({ holders = 6, pairs = 8400, udp = 500, unix = 250, lifetimeMs = 900_000 } = {}) {
  const children = [];
  for (let i = 1; i <= holders; i++) {
    const args = [holderPath, String(pairs), String(udp), String(unix), `127.0.2.${String(i)}`, String(lifetimeMs)];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
  }
  const ready = await Promise.all(
    children.map(async (child) => {
      const [line] = await once(createInterface({ input: child.stdout }), 'line');
      return String(line);
    }),
  );
  const stop = async () => {
    await Promise.all(
      children.map((c) => {
        const exited = once(c, 'exit');
        c.stdin.end();
        return exited;
      }),
    );
  };
  if (ready.some((line) => !line.startsWith('ready ok'))) {
    await stop();
    throw new Error(`farm holders not ready: ${ready.join(', ')}`);
  }
  return { pids: children.map((c) => c.pid), stop };
}
