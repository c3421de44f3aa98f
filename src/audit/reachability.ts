import type { BindScope, InterfaceVerdict, Reachability } from './types.js';

/** ` by \`RULE\` (TABLE CHAIN)`, or `: REASON` when no rule decided (no firewall at all). */
const ruleText = (v: InterfaceVerdict) =>
  v.firewall.rule === undefined
    ? `: ${v.firewall.reason ?? 'no rule'}`
    : ` by \`${v.firewall.rule.text}\` (${v.firewall.rule.table} ${v.firewall.rule.chain})`;

/** `veth0 (IPv4, IPv6)`: interfaces with the families each appears with. */
function where(list: readonly InterfaceVerdict[]): string {
  const by = new Map<string, string[]>();
  for (const v of list) by.set(v.interface, [...(by.get(v.interface) ?? []), v.family === 'inet' ? 'IPv4' : 'IPv6']);
  return [...by].map(([name, fams]) => `${name} (${fams.join(', ')})`).join(', ');
}

/**
 * The one-word answer for a listener from its scope and the verdicts of the interfaces through
 * which hosts on attached networks reach it, with a one-line reason.
 */
export function judge(
  scope: BindScope,
  local: string,
  relevant: readonly InterfaceVerdict[],
): { reachable: Reachability; reason: string } {
  if (scope.kind === 'loopback')
    return { reachable: 'no', reason: `bound to loopback ${local}: only local processes can connect` };
  const bound =
    scope.kind === 'all'
      ? `bound to all ${scope.families.length === 2 ? 'IPv4 and IPv6 ' : ''}addresses`
      : `bound to ${local}${scope.interface === undefined ? '' : ` on ${scope.interface}`}`;
  if (scope.kind === 'address' && scope.interface === undefined)
    return { reachable: 'no', reason: `${bound}, which no interface holds` };
  if (relevant.length === 0)
    return { reachable: 'no', reason: `${bound}, but no other interface has an address of its family` };
  const open = relevant.filter((v) => v.firewall.verdict === 'accept' && v.firewall.sources === undefined);
  const some = relevant.filter((v) => v.firewall.verdict === 'accept' && v.firewall.sources !== undefined);
  const shut = relevant.filter((v) => v.firewall.verdict === 'drop' || v.firewall.verdict === 'reject');
  const unknown = relevant.filter((v) => v.firewall.verdict === 'unknown');
  if (open.length === relevant.length)
    return {
      reachable: 'yes',
      reason: `${bound}; accepted on ${where(open)}${ruleText(open[0] as InterfaceVerdict)}`,
    };
  if (shut.length === relevant.length) {
    const first = shut[0] as InterfaceVerdict;
    return {
      reachable: 'no',
      reason: `${bound}; ${first.firewall.verdict === 'drop' ? 'dropped' : 'rejected'} on ${where(shut)}${ruleText(first)}`,
    };
  }
  if (unknown.length > 0 && open.length + some.length === 0) {
    const first = unknown[0] as InterfaceVerdict;
    return {
      reachable: 'unknown',
      reason: `${bound}; cannot decide${ruleText(first)}: ${first.firewall.reason ?? ''}`,
    };
  }
  const parts = [
    open.length > 0 ? `accepted on ${where(open)}` : '',
    some.length > 0
      ? `accepted only from ${[...new Set(some.flatMap((v) => v.firewall.sources ?? []))].join(', ')} on ${where(some)}`
      : '',
    shut.length > 0 ? `not on ${where(shut)}` : '',
    unknown.length > 0 ? `undecided on ${where(unknown)}` : '',
  ];
  return { reachable: 'partly', reason: `${bound}; ${parts.filter((p) => p !== '').join('; ')}` };
}

/** The answer for several ways in (published host endpoints): yes if all are, no if none, else partly or unknown. */
export function combine(answers: readonly Reachability[]): Reachability {
  if (answers.length === 0) return 'no';
  if (answers.every((a) => a === 'yes')) return 'yes';
  if (answers.every((a) => a === 'no')) return 'no';
  if (answers.includes('yes') || answers.includes('partly')) return 'partly';
  return 'unknown';
}
