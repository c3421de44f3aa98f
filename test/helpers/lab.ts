import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A remote-looking host for scan tests, built from network namespaces this test creates and deletes
 * (needs root, iproute2, nft, ethtool, gcc and python3):
 *
 *   this namespace [psh N] --veth-- [psa N] mid ns: delay bridge [psb N] --veth-- [psl N] lab ns
 *   10.213.N.1/24, fd00:213:N::1/64                                  10.213.N.2/24, fd00:213:N::2/64
 *
 * The mid namespace runs test/helpers/delay-bridge.c, which holds every frame for `delayMs` each
 * way (this kernel has no netem qdisc). The lab namespace runs test/helpers/lab-services.py and an
 * nft table of `rules`. Only addresses inside these namespaces are ever scanned.
 */
export interface Lab {
  readonly address: string;
  readonly address6: string;
  readonly ns: string;
  /** Runs a command inside the lab namespace. */
  exec(args: readonly string[]): string;
  /**
   * Stops the delay bridge for `ms` (SIGSTOP, then SIGCONT), as a starved forwarder: frames wait in its
   * socket buffers meanwhile and all go on afterwards, late. Resolves when it runs again.
   */
  stall(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** What the lab serves: see lab-services.py. */
export interface LabServices {
  readonly tcp?: Record<number, string | null>;
  readonly http?: readonly number[];
  readonly udp_echo?: readonly number[];
  readonly udp_silent?: readonly number[];
}

export interface LabOptions {
  readonly services: LabServices;
  /** nft rules for the lab's input chain, e.g. `tcp dport 135 drop`. */
  readonly rules?: readonly string[];
  /** One-way delay in ms (the round trip is twice this). Default 10. */
  readonly delayMs?: number;
  /**
   * Keep Linux's ICMP rate limit (1 error per second per peer after a burst of 6), or set its period
   * in ms (`net.ipv4.icmp_ratelimit`). Default false: no limit.
   */
  readonly icmpRateLimit?: boolean | number;
  /** The lab and its bridge end by themselves after this many seconds. Default 300. */
  readonly lifetimeS?: number;
}

let bridgeBinary: string | undefined;
let counter = 0;

function bridge(): string {
  if (bridgeBinary === undefined) {
    const out = join(mkdtempSync(join(tmpdir(), 'portscope-bridge-')), 'delay-bridge');
    execFileSync('gcc', ['-O2', '-o', out, new URL('./delay-bridge.c', import.meta.url).pathname]);
    bridgeBinary = out;
  }
  return bridgeBinary;
}

async function startReady(command: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [undefined])])) as [
      string | undefined,
    ];
    if (line !== 'ready') throw new Error(`${command} ${args.join(' ')} did not start`);
    return child;
  } finally {
    clearTimeout(timer);
  }
}

/** Builds a lab (needs root, ip, nft, gcc, python3). Call `close()` in afterAll. */
export async function makeLab(options: LabOptions): Promise<Lab> {
  const n = ((process.pid + counter++) % 250) + 1;
  const ns = `pslab${String(n)}`;
  const mid = `pslabm${String(n)}`;
  const [h, a, b, l] = ['psh', 'psa', 'psb', 'psl'].map((p) => `${p}${String(n)}`) as [string, string, string, string];
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.stdin?.end();
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(kill);
      }
    }
    for (const name of [ns, mid]) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'del', h);
    } catch {
      // deleted with its peer's namespace
    }
  };
  await close(); // leftovers of an earlier run with the same number
  try {
    ip('netns', 'add', ns);
    ip('netns', 'add', mid);
    ip('link', 'add', h, 'type', 'veth', 'peer', 'name', a, 'netns', mid);
    ip('link', 'add', l, 'netns', ns, 'type', 'veth', 'peer', 'name', b, 'netns', mid);
    execFileSync('ip', ['netns', 'exec', mid, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
    ip('addr', 'add', `10.213.${String(n)}.1/24`, 'dev', h);
    ip('addr', 'add', `fd00:213:${String(n)}::1/64`, 'dev', h, 'nodad');
    ip('link', 'set', h, 'up');
    ip('-n', mid, 'link', 'set', a, 'up');
    ip('-n', mid, 'link', 'set', b, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `10.213.${String(n)}.2/24`, 'dev', l);
    ip('-n', ns, 'addr', 'add', `fd00:213:${String(n)}::2/64`, 'dev', l, 'nodad');
    ip('-n', ns, 'link', 'set', l, 'up');
    const inNs = (args: readonly string[]) => execFileSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' });
    // Frames cross the bridge as raw bytes: checksums must be filled in by the sender, not left to offload.
    execFileSync('ethtool', ['-K', h, 'tx', 'off'], { stdio: 'ignore' });
    inNs(['ethtool', '-K', l, 'tx', 'off']);
    if (typeof options.icmpRateLimit === 'number') {
      inNs(['sysctl', '-q', '-w', `net.ipv4.icmp_ratelimit=${String(options.icmpRateLimit)}`]);
    } else if (options.icmpRateLimit !== true) {
      inNs(['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
      inNs(['sysctl', '-q', '-w', 'net.ipv6.icmp.ratelimit=0']);
      inNs(['sysctl', '-q', '-w', 'net.ipv4.icmp_msgs_per_sec=100000']);
    }
    if ((options.rules ?? []).length > 0) {
      const table = `table inet lab {\n chain input {\n  type filter hook input priority 0; policy accept;\n  ${(options.rules ?? []).join('\n  ')}\n }\n}\n`;
      execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: table });
    }
    const lifetime = String(options.lifetimeS ?? 300);
    children.push(
      await startReady('ip', ['netns', 'exec', mid, bridge(), a, b, String(options.delayMs ?? 10), lifetime]),
    );
    children.push(
      await startReady('ip', [
        'netns',
        'exec',
        ns,
        'python3',
        new URL('./lab-services.py', import.meta.url).pathname,
        JSON.stringify(options.services),
      ]),
    );
    const bridgeProcess = children[0] as ChildProcess;
    const stall = async (ms: number) => {
      bridgeProcess.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, ms));
      bridgeProcess.kill('SIGCONT');
    };
    return { address: `10.213.${String(n)}.2`, address6: `fd00:213:${String(n)}::2`, ns, exec: inNs, stall, close };
  } catch (error) {
    await close();
    throw error;
  }
}
