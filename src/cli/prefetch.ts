import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { statesNamed } from '../inventory/filter/states.js';
import { prefetchOwnNamespace } from '../inventory/linux/diag-prefetch.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO,
  inetDiagRequest,
  tcpBothFamiliesRequest,
  tcpStateMask,
} from '../inventory/linux/diag-request.js';
import type { NativeAddon } from '../inventory/linux/native.js';
import type { SocketState } from '../model/index.js';

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

/**
 * For a plain TCP `ls` (its arguments, after the verb, only short flags among -t -a -n -l -p -4 -6 -H, -t
 * among them), starts the sock_diag dump that its listing will make of this process's own network namespace
 * (the same request: its states, both families in one request or one family) on the libuv threadpool, as the
 * first thing the CLI does (bin/portscope.js): at 100k sockets the kernel's walk takes ~90 ms, which then
 * overlaps the loading of the CLI's code. The listing takes the dump only when its own requests are byte
 * for byte these and it lists this namespace (read-columns.ts), else dumps for itself, so the output never
 * depends on the prefetch. Nothing starts: off Linux; without the addon; when /run/netns pins a namespace (a
 * listing of several namespaces as root reads them in one BPF pass instead); with PORTSCOPE_BACKEND=procfs,
 * PORTSCOPE_COLUMNAR=0, or PORTSCOPE_PREFETCH set to anything but empty or 1 (`ls` refuses a value other than 0
 * or 1). Returns whether a dump started.
 * Imports nothing of the CLI but the request builders (bundled alone: scripts/bundle-cli.js). Never throws.
 */
export function prefetchListing(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (argv[0] !== 'ls' || argv.length < 2 || process.platform !== 'linux') return false;
  const flags = argv.slice(1);
  if (!flags.every((f) => PLAIN_LS_FLAGS.test(f)) || !flags.some((f) => f.includes('t'))) return false;
  const off = (name: string, on: readonly string[]) => !on.includes(env[name] ?? '');
  if (off('PORTSCOPE_PREFETCH', ['', '1']) || off('PORTSCOPE_COLUMNAR', ['', '1'])) return false;
  if (off('PORTSCOPE_BACKEND', ['', 'auto', 'native']) || pinsNamespaces()) return false;
  const addon = loadAddon();
  if (addon === undefined) return false;
  const has = (letter: string) => flags.some((f) => f.includes(letter));
  const mask = tcpStateMask(plainLsStates(has('l'), has('a')));
  const request =
    has('4') === has('6')
      ? tcpBothFamiliesRequest(mask)
      : inetDiagRequest(has('4') ? AF_INET : AF_INET6, IPPROTO.tcp, mask);
  return prefetchOwnNamespace(addon, [request]);
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
