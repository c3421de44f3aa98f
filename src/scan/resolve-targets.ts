import { isIP } from 'node:net';
import { PortscopeError, errnoCode } from '../errors.js';
import { canonicalIp } from '../ports/target.js';
import { expandSpec, parseTargetSpec, specContains, specSize, type TargetSpec } from './target-spec.js';

/** One host to scan: an address, and the name it came from when it came from one. */
export interface ScanTarget {
  /** Canonical IP text (RFC 5952 for IPv6). */
  readonly address: string;
  readonly family: 4 | 6;
  /** The host name given on the command line, when the address was resolved from one. */
  readonly hostname?: string;
}

/** Options of {@link resolveTargets}. */
export interface ResolveTargetsOptions {
  /** Target expressions to leave out (same syntax; names are resolved). Default none. */
  readonly exclude?: readonly string[];
  /** Refuse a target set larger than this many hosts. Default 65,536. */
  readonly maxTargets?: number;
  /** Scan every address a name resolves to, not only the first. Default false. */
  readonly resolveAll?: boolean;
  /** Only this address family (`-4`/`-6`); names resolve to it. Default either. */
  readonly family?: 4 | 6;
}

/** The addresses of a host name, IPv4 first (as nmap), from the system resolver (getaddrinfo). */
async function resolveName(name: string, family: 4 | 6 | undefined): Promise<{ address: string; family: 4 | 6 }[]> {
  try {
    // Loaded for a name only: address literals, the usual targets, need no resolver.
    const { lookup } = await import('node:dns/promises');
    const found = await lookup(name, { all: true, family: family ?? 0 });
    const list = found.map((a) => ({
      address: canonicalIp(a.address),
      family: a.family as 4 | 6,
    }));
    return list.sort((a, b) => a.family - b.family);
  } catch (error) {
    throw new PortscopeError(
      'NOT_FOUND',
      `Could not resolve the host name \`${name}\` (${errnoCode(error) ?? 'no address'})`,
      { cause: error },
    );
  }
}

/**
 * Expands nmap-style target expressions (see {@link parseTargetSpec}) into the hosts to scan, in
 * the order given, without duplicates, minus `exclude`. Names resolve through the system resolver
 * (first address, IPv4 preferred, unless `resolveAll`).
 * @throws PortscopeError `INVALID_ARGUMENT` for a bad expression or when the set is larger than
 *   `maxTargets`; `NOT_FOUND` when a name does not resolve.
 */
export async function resolveTargets(
  expressions: readonly string[],
  options: ResolveTargetsOptions = {},
): Promise<ScanTarget[]> {
  const maxTargets = options.maxTargets ?? 65_536;
  if (!Number.isInteger(maxTargets) || maxTargets < 1) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected maxTargets to be a positive integer, got \`${String(maxTargets)}\``,
    );
  }
  if (expressions.length === 0) throw new PortscopeError('INVALID_ARGUMENT', 'Expected at least one target, got none');
  const specs = expressions.map(parseTargetSpec);
  const total = specs.reduce((n, s) => n + specSize(s), 0n);
  if (total > BigInt(maxTargets)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Refusing to scan ${total.toLocaleString('en-US')} hosts, more than --max-targets ${maxTargets.toLocaleString('en-US')}: narrow the targets or raise --max-targets`,
    );
  }
  const excluded: Exclude<TargetSpec, { kind: 'name' }>[] = [];
  for (const spec of (options.exclude ?? []).map(parseTargetSpec)) {
    if (spec.kind !== 'name') excluded.push(spec);
    else
      for (const a of await resolveName(spec.name, undefined))
        excluded.push({ kind: 'address', text: spec.text, ...a });
  }
  const seen = new Set<string>();
  const targets: ScanTarget[] = [];
  const add = (address: string, family: 4 | 6, hostname?: string) => {
    if (options.family !== undefined && family !== options.family) return;
    if (seen.has(address) || excluded.some((e) => specContains(e, address))) return;
    seen.add(address);
    targets.push(hostname === undefined ? { address, family } : { address, family, hostname });
  };
  for (const spec of specs) {
    if (spec.kind === 'name') {
      const addresses = await resolveName(spec.name, options.family);
      for (const a of options.resolveAll === true ? addresses : addresses.slice(0, 1))
        add(a.address, a.family, spec.name);
    } else {
      for (const address of expandSpec(spec)) add(address, isIP(address) as 4 | 6);
    }
  }
  return targets;
}
