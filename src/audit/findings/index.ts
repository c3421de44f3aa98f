import type { Finding } from '../types.js';
import { SEVERITIES, type FindingKind } from '../policy/types.js';
import { missingExpected, splitOwners, staleRules } from './cross.js';
import type { FindingInput } from './input.js';
import { ephemeralListener, noOwner, riskyService, unexpectedListener, wildcardLoopbackPeers } from './listener.js';

export type { FindingInput } from './input.js';

/**
 * Every finding for `input`, most severe first, after the policy's severity overrides and ignores.
 * Pure: reads nothing but its argument.
 */
export function computeFindings(input: FindingInput): Finding[] {
  const rules = [unexpectedListener, riskyService, noOwner, ephemeralListener, wildcardLoopbackPeers];
  const all: Finding[] = [
    ...input.listeners.flatMap((l) => rules.map((rule) => rule(l, input)).filter((f) => f !== undefined)),
    ...splitOwners(input.listeners),
    ...staleRules(input),
    ...missingExpected(input),
  ];
  const policy = input.policy;
  const ignored = (f: Finding) => policy?.ignore?.some((i) => i.id === f.id || i.kind === f.kind) === true;
  return all
    .filter((f) => !ignored(f))
    .map((f) => {
      const severity = policy?.severity?.[f.kind as FindingKind];
      return severity === undefined ? f : { ...f, severity };
    })
    .sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.id.localeCompare(b.id));
}
