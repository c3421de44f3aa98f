/**
 * A packet-filter rule that stops traffic to a port, or a chain whose default policy does.
 * `text` is a readable one-line rendering for people; the other fields are for programs.
 */
export interface FirewallRule {
  /** Where it was read: `nft -j list ruleset`, or `iptables-save` / `ip6tables-save` (legacy backend). */
  readonly source: 'nft' | 'iptables' | 'ip6tables';
  /** nft family (`inet`, `ip`, `ip6`) or `ip`/`ip6` for iptables. */
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  /** `drop` answers nothing (a connect times out); `reject` answers (refused or unreachable). */
  readonly verdict: 'drop' | 'reject';
  /** True for a chain's default policy rather than a rule that names the port. */
  readonly policy: boolean;
  readonly text: string;
}

/** True when `port` is `spec`: `80`, `8000:8100` / `8000-8100` (ranges), or a comma list of those. */
export function portInSpec(port: number, spec: string): boolean {
  return spec.split(',').some((part) => {
    const [from, to] = part.split(/[:-]/).map(Number);
    if (from === undefined || Number.isNaN(from)) return false;
    return to === undefined ? port === from : port >= from && port <= to;
  });
}
