import { nativeConnectUnavailable } from '../../src/scan/probes/native-connect.js';

/** Why the native connect loop cannot run here (no addon, or one built before it), or undefined. */
export const nativeConnectMissing = nativeConnectUnavailable();

/**
 * The scan's connect loops to run a suite on: `javascript` always, `native` when the addon has it;
 * else says once on stderr which suite runs on JavaScript only, and why (with PORTSCOPE_REQUIRE_TOOLS=1,
 * as CI sets it, throws instead).
 */
export function connectBackends(what: string): ('native' | 'javascript')[] {
  if (nativeConnectMissing === undefined) return ['native', 'javascript'];
  if (process.env.PORTSCOPE_REQUIRE_TOOLS === '1')
    throw new Error(`PORTSCOPE_REQUIRE_TOOLS=1, but ${nativeConnectMissing}: cannot run ${what} on the native loop`);
  process.stderr.write(`skipped: ${what} on the native connect loop: ${nativeConnectMissing}\n`);
  return ['javascript'];
}
