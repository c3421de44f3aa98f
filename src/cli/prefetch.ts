import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { statesNamed } from '../inventory/filter/states.js';
import { columnRequests } from '../inventory/linux/column-requests.js';
import { prefetchOwnNamespace } from '../inventory/linux/diag-prefetch.js';
import { tcpStateMask } from '../inventory/linux/diag-request.js';
import type { NativeAddon } from '../inventory/linux/native.js';
import { netnsOf, readNetnsNames } from '../inventory/linux/netns.js';
import { prefetchOnePass } from '../inventory/linux/onepass-prefetch.js';
import type { TableQuery } from '../inventory/linux/tables.js';
import type { Family, Protocol, SocketState } from '../model/index.js';

/** The short flags of `ls` whose listing reads TCP sockets in columns with one plain dump per namespace. */
const PLAIN_LS_FLAGS = /^-[tanlp46H]+$/;

/**
 * The TCP states a plain `ls` lists, as its filter (ls-defaults.ts's defaultStates, read by the filter
 * parser) gives them: -a every state; -l listening; else connected without TIME-WAIT and SYN-RECV.
 */
export function plainLsStates(listening: boolean, all: boolean): SocketState[] {
  const named = (name: string) => statesNamed(name) ?? [];
  if (all) return [...named('all')];
  if (listening) return [...named('listening')];
  const excluded = new Set([...named('time-wait'), ...named('syn-recv')]);
  return named('connected').filter((s) => !excluded.has(s));
}

/** The flags of `who` that change nothing of its listing's dump: -n, -r, -H. */
const PLAIN_WHO_FLAGS = /^-[nrH]+$/;

/** A `who` target whose listing the prefetch knows: a port (as parsePort reads digits), alone or `/tcp`, `/udp`. */
const WHO_PORT = /^:?(\d+)(?:\/(tcp|udp))?$/i;

/** What a plain listing that the prefetch knows reads: its protocols, families, TCP state mask and port. */
export interface PrefetchPlan {
  readonly protocols: ReadonlySet<Protocol>;
  readonly families: ReadonlySet<Family>;
  readonly tcpStateMask: number;
  readonly localPorts?: readonly number[];
}

/**
 * What the listing of `argv` (the verb and its arguments) reads, or undefined when the prefetch does not know:
 * - a plain TCP `ls`: only short flags among -t -a -n -l -p -4 -6 -H, -t among them; its states as its
 *   filter gives them (plainLsStates), both families or one;
 * - a plain `who PORT` as a table: the port alone or with /tcp or /udp, flags only among -n -r -H; TCP in
 *   every state, UDP and UDP-Lite, on that port (whoListOptions), both families.
 */
export function prefetchPlan(argv: readonly string[]): PrefetchPlan | undefined {
  const [verb, ...rest] = argv;
  const both = new Set<Family>(['inet', 'inet6']);
  if (verb === 'ls') {
    if (rest.length === 0 || !rest.every((f) => PLAIN_LS_FLAGS.test(f))) return undefined;
    const has = (letter: string) => rest.some((f) => f.includes(letter));
    if (!has('t')) return undefined;
    const families = has('4') === has('6') ? both : new Set<Family>([has('4') ? 'inet' : 'inet6']);
    return { protocols: new Set(['tcp']), families, tcpStateMask: tcpStateMask(plainLsStates(has('l'), has('a'))) };
  }
  if (verb !== 'who') return undefined;
  const targets = rest.filter((a) => !PLAIN_WHO_FLAGS.test(a));
  const match = targets.length === 1 ? WHO_PORT.exec(targets[0] ?? '') : null;
  const port = Number(match?.[1]);
  if (match === null || !(port >= 1 && port <= 65535)) return undefined;
  const protocol = match[2]?.toLowerCase();
  const protocols = new Set<Protocol>(
    protocol === 'tcp' ? ['tcp'] : protocol === 'udp' ? ['udp', 'udplite'] : ['tcp', 'udp', 'udplite'],
  );
  return { protocols, families: both, tcpStateMask: tcpStateMask(statesNamed('all') ?? []), localPorts: [port] };
}

/**
 * The sock_diag requests that the listing of `argv` will send for this process's own network namespace
 * (columnRequests: the same builder) when it reads that namespace alone, or undefined when the prefetch does
 * not know them (prefetchPlan).
 */
export function prefetchRequests(argv: readonly string[]): Buffer[] | undefined {
  const plan = prefetchPlan(argv);
  return plan && columnRequests(plan.protocols, plan.families, plan.tcpStateMask, plan.localPorts).sent;
}

/**
 * For a plain TCP `ls` or a plain `who PORT` (see prefetchPlan), starts what its listing will read first, on
 * the libuv threadpool, as the first thing the CLI does (bin/portscope.js), so that the kernel's work overlaps
 * the loading of the CLI's code:
 * - on a host alone (/run/netns pins nothing), the sock_diag dump of this process's own network namespace,
 *   with the listing's own requests (prefetchRequests): at 100k sockets ~90 ms for `ls`, ~25 ms for one port;
 * - when /run/netns pins a namespace other than this process's (the listing then reads every namespace, as
 *   root in one BPF pass: startOnePassEarly), that pass (prefetchOnePass: the program's load, ~25 ms of CPU,
 *   and its walk), when onePassUnavailable allows it.
 * The listing takes the dump only when its own requests are byte for byte these and it lists this namespace
 * alone (read-columns.ts), and the pass only when it would start one narrowed the same (bpf-early.ts), else
 * reads for itself, so the output never depends on the prefetch. Nothing starts: off Linux, or with
 * PORTSCOPE_PLATFORM set to another platform (its tools' outputs are listed, not the kernel's); without the
 * addon; when /run/netns pins this process's namespace alone; with PORTSCOPE_BACKEND=procfs,
 * PORTSCOPE_COLUMNAR=0, or PORTSCOPE_PREFETCH set to anything but empty or 1 (`ls` and `who` refuse a value
 * other than 0 or 1). Returns whether something started.
 * Imports nothing of the CLI but the request builders and the pass's starter (bundled alone:
 * scripts/bundle-cli.js). Never throws.
 */
export function prefetchListing(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  // The listing's platform as currentPlatform (platform.ts) reads it: PORTSCOPE_PLATFORM, when set, else the OS.
  if (process.platform !== 'linux' || !['', 'linux'].includes(env['PORTSCOPE_PLATFORM'] ?? '')) return false;
  const plan = prefetchPlan(argv);
  if (plan === undefined) return false;
  const off = (name: string, on: readonly string[]) => !on.includes(env[name] ?? '');
  if (off('PORTSCOPE_PREFETCH', ['', '1']) || off('PORTSCOPE_COLUMNAR', ['', '1'])) return false;
  if (off('PORTSCOPE_BACKEND', ['', 'auto', 'native'])) return false;
  const pinned = pinnedNamespaces();
  if (pinned === 'this one') return false;
  const addon = loadAddon();
  if (addon === undefined) return false;
  if (pinned === 'others') return prefetchOnePass(addon, onePassQuery(plan));
  return prefetchOwnNamespace(
    addon,
    columnRequests(plan.protocols, plan.families, plan.tcpStateMask, plan.localPorts).sent,
  );
}

/** The one pass's query for `plan`, as startOnePassEarly builds it for a plain listing (no extensions). */
function onePassQuery(plan: PrefetchPlan): TableQuery {
  return {
    protocols: plan.protocols,
    families: plan.families,
    tcpListenersOnly: false,
    tcpStateMask: plan.tcpStateMask,
    ...(plan.localPorts === undefined ? {} : { localPorts: plan.localPorts }),
    extensions: { inet: 0, unix: 0, sockopt: false },
  };
}

/** The addon at the path native.ts loads it from (build/ beside package.json, two levels up), or undefined. */
function loadAddon(): NativeAddon | undefined {
  try {
    const path = fileURLToPath(new URL('../../build/Release/portscope_native.node', import.meta.url));
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch {
    return undefined;
  }
}

/**
 * What /run/netns pins (`ip netns add`), read as the listing reads it (readNetnsNames, netnsOf): nothing,
 * this process's network namespace alone, or another one (the listing then reads several namespaces).
 */
function pinnedNamespaces(): 'none' | 'this one' | 'others' {
  const pinned = [...readNetnsNames().keys()];
  if (pinned.length === 0) return 'none';
  const own = netnsOf('self');
  return pinned.some((netns) => netns !== own) ? 'others' : 'this one';
}
