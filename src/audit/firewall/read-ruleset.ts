import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { errnoCode } from '../../errors.js';
import { parseIptablesTables } from '../../ports/firewall/parse-iptables.js';
import { parseNftJson, type NftRuleset } from '../../ports/firewall/parse-nft.js';
import { netnsPath, type NetnsRef } from '../netns-path.js';
import type { IptablesRuleset, Ruleset } from './ruleset.js';

const TIMEOUT_MS = 5000;

/** Table names iptables-nft creates in the ip and ip6 families. */
const IPTABLES_TABLES = ['filter', 'nat', 'mangle', 'raw', 'security'];

/** This namespace's /proc/net/ip_tables_names (or ip6_): the legacy tables loaded here; '' when none or unreadable. */
function readTables(file: string): string {
  try {
    return readFileSync(`/proc/self/net/${file}`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Runs a command inside the namespace at `nsPath` (through nsenter) or here; stdout, or why it failed. */
export function runIn(
  nsPath: string | undefined,
  file: string,
  args: readonly string[],
): Promise<{ stdout: string } | { error: string; missing: boolean }> {
  const [cmd, argv] = nsPath === undefined ? [file, args] : ['nsenter', [`--net=${nsPath}`, '--', file, ...args]];
  return new Promise((resolve) => {
    execFile(cmd, argv, { timeout: TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve({ stdout });
      else {
        const missing =
          errnoCode(error) === 'ENOENT' || (/No such file|not found/i.test(stderr) && stderr.includes(file));
        resolve({ error: (stderr.split('\n')[0] ?? '').trim() || error.message.split('\n')[0] || 'failed', missing });
      }
    });
  });
}

/**
 * Reads a network namespace's packet filter: `nft -j list ruleset`, `iptables-legacy-save` and
 * `ip6tables-legacy-save` (x_tables rules nft cannot show), and `iptables-nft-save` /
 * `ip6tables-nft-save` (whose tables are then evaluated from that text rather than from nft's
 * translation). Runs each through `nsenter --net=` when `netns` is not this process's namespace
 * (`host`, a /run/netns name, or an inode; default: this one), execFile without a shell, 5 s at
 * most each. Never fails for a missing tool: `warnings` says what could not be read. Throws
 * `NOT_FOUND` for an unknown namespace. Needs root (CAP_NET_ADMIN) to read rules.
 */
export async function readRuleset(netns?: NetnsRef): Promise<Ruleset> {
  const nsPath = netnsPath(netns);
  const nftOut = await runIn(nsPath, 'nft', ['-j', 'list', 'ruleset']);
  // Skip the tools that have nothing to show: no x_tables table loaded here, no iptables-nft table in nft.
  const legacy = (file: string) =>
    nsPath === undefined && readTables(file) === '' ? Promise.resolve({ stdout: '' }) : undefined;
  const parsed = 'stdout' in nftOut ? parseNftJson(nftOut.stdout) : undefined;
  const viaNft = (parsed?.chains ?? []).some(
    (c) => (c.family === 'ip' || c.family === 'ip6') && IPTABLES_TABLES.includes(c.table),
  );
  const saves = await Promise.all([
    legacy('ip_tables_names') ?? runIn(nsPath, 'iptables-legacy-save', []),
    legacy('ip6_tables_names') ?? runIn(nsPath, 'ip6tables-legacy-save', []),
    viaNft ? runIn(nsPath, 'iptables-nft-save', []) : { stdout: '' },
    viaNft ? runIn(nsPath, 'ip6tables-nft-save', []) : { stdout: '' },
  ]);
  const sources: string[] = [];
  const warnings: { code: string; message: string }[] = [];
  let nft: NftRuleset | undefined;
  if ('stdout' in nftOut) {
    nft = parsed;
    if (nft === undefined)
      warnings.push({ code: 'FIREWALL_UNREADABLE', message: 'nft -j list ruleset: output is not nftables JSON' });
    else sources.push('nftables');
  } else if (!nftOut.missing)
    warnings.push({ code: 'FIREWALL_UNREADABLE', message: `nft -j list ruleset: ${nftOut.error}` });
  const iptables: IptablesRuleset[] = [];
  const iptablesNftTables = new Set<string>();
  const names = ['iptables-legacy', 'ip6tables-legacy', 'iptables-nft', 'ip6tables-nft'] as const;
  saves.forEach((out, i) => {
    const name = names[i] ?? 'iptables';
    if (!('stdout' in out)) {
      if (!out.missing) warnings.push({ code: 'FIREWALL_UNREADABLE', message: `${name}-save: ${out.error}` });
      return;
    }
    const tables = parseIptablesTables(out.stdout);
    if (tables.size === 0) return;
    const family = name.startsWith('ip6') ? 'inet6' : 'inet';
    const variant = name.endsWith('legacy') ? 'legacy' : 'nft';
    iptables.push({ family, variant, tables });
    sources.push(name);
    if (variant === 'nft')
      for (const table of tables.keys()) iptablesNftTables.add(`${family === 'inet' ? 'ip' : 'ip6'} ${table}`);
  });
  return { ...(nft === undefined ? {} : { nft }), iptables, iptablesNftTables, sources, warnings };
}
