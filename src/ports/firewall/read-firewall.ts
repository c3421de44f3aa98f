import { execFile } from 'node:child_process';
import { errnoCode } from '../../errors.js';
import { parseIptablesSave } from './parse-iptables.js';
import { parseNftRuleset } from './parse-nft.js';
import type { FirewallRule } from './rule.js';

/** What {@link readFirewallRules} found, and what it could not look at. */
export interface FirewallReport {
  readonly rules: readonly FirewallRule[];
  /** The commands that answered: `nft -j list ruleset`, `iptables-save`... */
  readonly checked: readonly string[];
  /** Why a source could not be read: `nft: not installed`, `iptables-save: permission denied (needs root)`. */
  readonly unavailable: readonly string[];
}

const TIMEOUT_MS = 3000;

function run(file: string, args: readonly string[]): Promise<{ stdout: string } | { error: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ stdout });
        return;
      }
      const code = errnoCode(error);
      const text = stderr.toLowerCase();
      resolve({
        error:
          code === 'ENOENT'
            ? 'not installed'
            : text.includes('permission denied') || text.includes('operation not permitted')
              ? 'permission denied (needs root)'
              : (stderr.split('\n')[0] ?? '').trim() || error.message.split('\n')[0] || 'failed',
      });
    });
  });
}

/**
 * Reads this network namespace's packet filter for rules that drop or reject traffic to `port`:
 * `nft -j list ruleset` (which also shows iptables-nft rules), and `iptables-save` and
 * `ip6tables-save` when they use the legacy backend (their rules are invisible to nft). Runs the
 * commands with execFile (no shell), 3 s at most each. Never throws: what it cannot read is in
 * `unavailable`.
 */
export async function readFirewallRules(port: number, protocol: 'tcp' | 'udp'): Promise<FirewallReport> {
  const rules: FirewallRule[] = [];
  const checked: string[] = [];
  const unavailable: string[] = [];
  const nft = await run('nft', ['-j', 'list', 'ruleset']);
  if ('stdout' in nft) {
    checked.push('nft -j list ruleset');
    rules.push(...parseNftRuleset(nft.stdout, port, protocol));
  } else unavailable.push(`nft: ${nft.error}`);
  for (const source of ['iptables', 'ip6tables'] as const) {
    const saved = await run(`${source}-save`, []);
    if ('error' in saved) {
      if (!saved.error.startsWith('not installed') || !('stdout' in nft))
        unavailable.push(`${source}-save: ${saved.error}`);
      continue;
    }
    // The nf_tables flavour only mirrors what nft showed already.
    if ('stdout' in nft && !saved.stdout.includes('(legacy)') && saved.stdout.includes('nf_tables')) continue;
    checked.push(`${source}-save`);
    rules.push(...parseIptablesSave(saved.stdout, port, protocol, source));
  }
  return { rules, checked, unavailable };
}
