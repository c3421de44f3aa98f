import { readFileSync } from 'node:fs';
import { readRuleset, type Ruleset } from './firewall/index.js';
import { runIn } from './firewall/read-ruleset.js';
import { readInterfaces, type NetInterface } from './interfaces.js';
import { netnsPath } from './netns-path.js';

/** What the audit knows of one network namespace: how to enter it, its interfaces and packet filter. */
export interface NetnsContext {
  readonly netns: number;
  /** `host` for the audit's own namespace, else its /run/netns name when it has one. */
  readonly name?: string;
  readonly nsPath?: string;
  readonly interfaces: readonly NetInterface[];
  readonly ruleset: Ruleset;
  /** Whether it forwards (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding): DNAT to a container needs it. */
  readonly forwarding: { readonly inet: boolean; readonly inet6: boolean };
}

async function sysctlOn(nsPath: string | undefined, path: string): Promise<boolean> {
  if (nsPath === undefined) {
    try {
      return readFileSync(path, 'utf8').trim() === '1';
    } catch {
      return false;
    }
  }
  const out = await runIn(nsPath, 'cat', [path]);
  return 'stdout' in out && out.stdout.trim() === '1';
}

/**
 * Reads a namespace's interfaces (`ip -j addr`), packet filter and forwarding switches, inside it.
 * `processPaths` (processNetnsPaths() of netns-path.ts) spares a /proc pass per namespace that has no name.
 */
export async function readContext(
  netns: number,
  isHost: boolean,
  name: string | undefined,
  processPaths?: ReadonlyMap<number, string>,
): Promise<NetnsContext> {
  const nsPath = isHost ? undefined : netnsPath(name ?? netns, processPaths);
  const [interfaces, ruleset, inet, inet6] = await Promise.all([
    readInterfaces(nsPath),
    readRuleset(nsPath ?? 'host'),
    sysctlOn(nsPath, '/proc/sys/net/ipv4/ip_forward'),
    sysctlOn(nsPath, '/proc/sys/net/ipv6/conf/all/forwarding'),
  ]);
  const label = isHost ? 'host' : name;
  return {
    netns,
    ...(label === undefined ? {} : { name: label }),
    ...(nsPath === undefined ? {} : { nsPath }),
    interfaces,
    ruleset,
    forwarding: { inet, inet6 },
  };
}
