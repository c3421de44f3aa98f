// Builds and tears down the benchmark's socket farm: holder processes (bench/holder.c, compiled here with
// cc) of at most 20,000 fds each (the hard RLIMIT_NOFILE here), holder k on 127.2.k.1:20000+k with its
// connections from 127.2.k.2-4, ports 10000-13999 (so no farm TCP port is in the kernel's ephemeral range),
// plus UDP sockets and unix stream pairs. Holders exit when the benchmark closes their stdin or dies, or
// after `lifetimeMs`; their sockets have SO_LINGER 0, so nothing is left in TIME-WAIT.
// PSBENCH_FARM_NET=N (2-126, default 2) moves the farm to 127.N.k.0/24 and its listeners to
// 20000 + (N-2)*256 + k, so that two benchmarks on one host (two checkouts) do not share an address or a port.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const source = new URL('./holder.c', import.meta.url).pathname;
const holderPath = new URL('./results/holder', import.meta.url).pathname;
/** Listener port of holder k is LISTEN_PORT + k; client ports start at CLIENT_PORT (4,000 per address). */
const FARM_NET = farmNet(process.env.PSBENCH_FARM_NET);
export const LISTEN_PORT = 20000 + (FARM_NET - 2) * 256;
const CLIENT_PORT = 10000;
const FD_LIMIT = 20000;

/** The farm's second address octet from PSBENCH_FARM_NET (default 2); throws on anything but 2-126. */
function farmNet(value) {
  if (value === undefined || value === '') return 2;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 126) throw new Error(`PSBENCH_FARM_NET=${value}: expected 2-126`);
  return n;
}

/** Compiles bench/holder.c to bench/results/holder (once per run); throws with cc's message. */
export function buildHolder() {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const r = spawnSync('cc', ['-O2', '-Wall', '-o', holderPath, source], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc could not build bench/holder.c (a C compiler is needed): ${r.stderr}`);
  return holderPath;
}

/** Raises the sysctl at `path` (under /proc/sys) to at least `min`; returns a function that restores it. */
export function raiseSysctl(path, min) {
  const file = `/proc/sys/${path.replaceAll('.', '/')}`;
  const before = readFileSync(file, 'utf8').trim();
  if (Number(before.split(/\s+/)[0]) >= min) return () => undefined;
  writeFileSync(file, String(min));
  process.stderr.write(`sysctl ${path}: ${before} -> ${String(min)} (restored at the end)\n`);
  return () => {
    writeFileSync(file, before);
  };
}

/** Spawns one holder; resolves with its first stdout line ("ready ok N" or "error ..."). */
export async function spawnHolder(args) {
  const child = spawn(holderPath, args.map(String), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(() => 'exited before ready');
  const line = await Promise.race([once(lines, 'line').then(([l]) => String(l)), exited]);
  return { child, line };
}

/** Ends the holders (closes their stdin) and waits for them to exit. */
export async function stopHolders(children) {
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined;
      const exited = once(c, 'exit');
      c.stdin.end();
      return exited;
    }),
  );
}

/**
 * Starts the farm: `sockets` TCP sockets in all (2 per connection), or `holders` x `pairs` connections; resolves
 * when every holder is ready. Returns the holders' pids and listeners, the set-up time and a stop function.
 */
export async function startFarm({ sockets, holders, pairs, udp = 500, unix = 250, lifetimeMs = 900_000 } = {}) {
  const started = performance.now();
  const perHolder = Math.floor((FD_LIMIT - 16 - udp - 2 * unix) / 2);
  if (sockets !== undefined) {
    holders = Math.ceil(sockets / 2 / perHolder);
    pairs = Math.ceil(sockets / 2 / holders);
  }
  holders ??= 6;
  pairs ??= 8400;
  if (pairs > perHolder) throw new Error(`--pairs ${String(pairs)}: at most ${String(perHolder)} per holder`);
  if (holders > 255)
    throw new Error(`${String(holders)} holders: at most 255 (one 127.${String(FARM_NET)}.k.0/24 each)`);
  const neededMb = (holders * pairs * 2 * 4) / 1024 + 1024; // ~4 KB of kernel memory per socket, plus room
  const availableMb = Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) / 1024;
  if (availableMb < neededMb)
    throw new Error(`the farm needs ~${neededMb.toFixed(0)} MB, ${availableMb.toFixed(0)} free`);
  const restores = [
    raiseSysctl('fs.nr_open', FD_LIMIT + 1024),
    raiseSysctl(
      'fs.file-max',
      Number(readFileSync('/proc/sys/fs/file-nr', 'utf8').split('\t')[0]) + 2 * holders * pairs + 100_000,
    ),
  ];
  const restore = () => restores.forEach((r) => r());
  buildHolder();
  const lifetimeS = Math.ceil(lifetimeMs / 1000);
  const listeners = [];
  const pending = [];
  for (let k = 1; k <= holders; k++) {
    const address = `127.${String(FARM_NET)}.${String(k)}.1`;
    listeners.push({ address, port: LISTEN_PORT + k });
    pending.push(spawnHolder([address, LISTEN_PORT + k, pairs, CLIENT_PORT, udp, unix, lifetimeS]));
  }
  const ready = await Promise.allSettled(pending);
  const children = ready.flatMap((r) => (r.status === 'fulfilled' ? [r.value.child] : []));
  const stop = async () => {
    await stopHolders(children);
    restore();
  };
  const failed = ready
    .map((r) => (r.status === 'fulfilled' ? r.value.line : String(r.reason)))
    .filter((l) => !l.startsWith('ready ok'));
  if (failed.length > 0) {
    await stop();
    throw new Error(`farm holders not ready: ${failed.slice(0, 3).join(', ')}`);
  }
  children.forEach((c, i) => (listeners[i].pid = c.pid));
  return {
    pids: children.map((c) => c.pid),
    listeners,
    setupMs: performance.now() - started,
    tcpSockets: 2 * holders * pairs,
    stop,
    restore,
  };
}
