import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { statesNamed } from '../inventory/filter/states.js';
import { columnRequests } from '../inventory/linux/column-requests.js';
import { prefetchOwnNamespace } from '../inventory/linux/diag-prefetch.js';
import { tcpStateMask } from '../inventory/linux/diag-request.js';
import type { NativeAddon } from '../inventory/linux/native.js';
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

/**
 * The sock_diag requests that the listing of `argv` (the verb and its arguments) will send for this process's
 * own network namespace (columnRequests: the same builder), or undefined when the prefetch does not know them:
 * - a plain TCP `ls`: only short flags among -t -a -n -l -p -4 -6 -H, -t among them; its states as its
 *   filter gives them (plainLsStates), both families in one request or one family;
 * - a plain `who PORT` as a table: the port alone or with /tcp or /udp, flags only among -n -r -H; TCP in
 *   every state, UDP and UDP-Lite, on that port (whoListOptions), both families.
 */
export function prefetchRequests(argv: readonly string[]): Buffer[] | undefined {
  const [verb, ...rest] = argv;
  const both = new Set<Family>(['inet', 'inet6']);
  if (verb === 'ls') {
    if (rest.length === 0 || !rest.every((f) => PLAIN_LS_FLAGS.test(f))) return undefined;
    const has = (letter: string) => rest.some((f) => f.includes(letter));
    if (!has('t')) return undefined;
    const families = has('4') === has('6') ? both : new Set<Family>([has('4') ? 'inet' : 'inet6']);
    const mask = tcpStateMask(plainLsStates(has('l'), has('a')));
    return columnRequests(new Set(['tcp']), families, mask).sent;
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
  return columnRequests(protocols, both, tcpStateMask(statesNamed('all') ?? []), [port]).sent;
}

/**
 * For a plain TCP `ls` or a plain `who PORT` (see prefetchRequests), starts the sock_diag dump that its
 * listing will make of this process's own network namespace (the same requests) on the libuv threadpool, as
 * the first thing the CLI does (bin/portscope.js): at 100k sockets the kernel's walk takes ~90 ms for `ls`,
 * ~25 ms for one port, which then overlaps the loading of the CLI's code. The listing takes the dump only when
 * its own requests are byte for byte these and it lists this namespace (read-columns.ts), else dumps for
 * itself, so the output never depends on the prefetch. Nothing starts: off Linux; without the addon; when
 * /run/netns pins a namespace (a listing of several namespaces as root reads them in one BPF pass instead);
 * with PORTSCOPE_BACKEND=procfs, PORTSCOPE_COLUMNAR=0, or PORTSCOPE_PREFETCH set to anything but empty or 1
 * (`ls` and `who` refuse a value other than 0 or 1). Returns whether a dump started.
 * Imports nothing of the CLI but the request builders (bundled alone: scripts/bundle-cli.js). Never throws.
 */
export function prefetchListing(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (process.platform !== 'linux') return false;
  const requests = prefetchRequests(argv);
  if (requests === undefined) return false;
  const off = (name: string, on: readonly string[]) => !on.includes(env[name] ?? '');
  if (off('PORTSCOPE_PREFETCH', ['', '1']) || off('PORTSCOPE_COLUMNAR', ['', '1'])) return false;
  if (off('PORTSCOPE_BACKEND', ['', 'auto', 'native']) || pinsNamespaces()) return false;
  const addon = loadAddon();
  return addon !== undefined && prefetchOwnNamespace(addon, requests);
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

/** True when /run/netns holds an entry (`ip netns add`): the listing may then read several namespaces. */
function pinsNamespaces(): boolean {
  try {
    return readdirSync('/run/netns').length > 0;
  } catch {
    return false;
  }
}
