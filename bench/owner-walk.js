// The owner walk alone, in-process, over every socket fd of every process on this host: the BPF
// task_file iterator against the /proc/PID/fd walk in C on the threadpool. Needs root, a build
// (npm run build, addon built) and libbpf.so.1.   Usage: node bench/owner-walk.js [--rounds 3]
import { parseArgs } from 'node:util';
import { walkOwnersBpf } from '../dist/inventory/linux/bpf-owners.js';
import { startFdWalk } from '../dist/inventory/linux/fd-walk-parallel.js';
import { nativeAddon } from '../dist/inventory/linux/native.js';
import { listPids } from '../dist/inventory/linux/netns.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const addon = nativeAddon();
if (addon === undefined) throw new Error('the native addon is not built: npm run build:native');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const walks = [
  ['BPF task_file iterator', () => walkOwnersBpf(addon, null)],
  // A socket count above the threshold: the walk on 2-4 threadpool threads, as `ls -p` runs it here.
  ['/proc/PID/fd walk (C)', () => startFdWalk(listPids(), Number.MAX_SAFE_INTEGER, null, addon)],
];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, run] of walks) {
    const wall = performance.now();
    const cpu = cpuMs();
    const { holders } = await run();
    const took = (performance.now() - wall).toFixed(0);
    process.stdout.write(
      `${name}: ${String(holders.length / 3)} socket fds, ${took} ms wall, ${(cpuMs() - cpu).toFixed(0)} ms CPU\n`,
    );
  }
}
