import { netnsLabel } from '../listener-key.js';
import type { ListenerExposure } from '../types.js';
import type { ExpectedListener } from './types.js';

/** What {@link matchesExpected} reads of a listener (an audited one, or one `watchSockets` saw). */
export type PolicySubject = Pick<
  ListenerExposure,
  'netns' | 'netnsName' | 'protocol' | 'family' | 'local' | 'owners'
> & { readonly scope: Pick<ListenerExposure['scope'], 'kind'> };

/** True when the policy entry `expected` describes `listener` (every field it sets matches). */
export function matchesExpected(expected: ExpectedListener, listener: PolicySubject): boolean {
  const ns = expected.netns ?? 'host';
  if (ns !== netnsLabel(listener) && ns !== String(listener.netns)) return false;
  if (expected.protocol !== listener.protocol || expected.port !== listener.local.port) return false;
  if (expected.family !== undefined && expected.family !== listener.family) return false;
  if (expected.scope !== undefined && expected.scope !== listener.scope.kind) return false;
  if (expected.address !== undefined && expected.address !== listener.local.address) return false;
  const owned = (test: (o: PolicySubject['owners'][number]) => boolean) => listener.owners.some(test);
  if (expected.process !== undefined && !owned((o) => o.command === expected.process)) return false;
  if (expected.exe !== undefined && !owned((o) => o.exe === expected.exe)) return false;
  if (expected.user !== undefined && !owned((o) => o.user === expected.user)) return false;
  if (expected.unit !== undefined && !owned((o) => o.systemdUnit === expected.unit)) return false;
  if (expected.container !== undefined && !owned((o) => o.container?.name === expected.container)) return false;
  return true;
}
