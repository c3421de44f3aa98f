import { describe, expect, it } from 'vitest';
import { hasNativeAddon, nativeAddon } from '../../src/index.js';
import { plainLsStates, prefetchListing, prefetchRequests } from '../../src/cli/prefetch.js';
import { defaultStates } from '../../src/cli/ls-defaults.js';
import { possibleStates } from '../../src/inventory/filter/analyze.js';
import { parseFilter } from '../../src/inventory/filter/parser.js';
import { normalizeListOptions } from '../../src/inventory/options.js';
import { columnRequests } from '../../src/inventory/linux/column-requests.js';
import { dropPrefetch, prefetchOwnNamespace, takePrefetched } from '../../src/inventory/linux/diag-prefetch.js';
import { tcpBothFamiliesRequest, tcpStateMask } from '../../src/inventory/linux/diag-request.js';
import type { NativeAddon } from '../../src/inventory/linux/native.js';
import { TCP_STATES } from '../../src/model/index.js';
import { whoListOptions } from '../../src/ports/who-owns.js';
import { parsePortTarget } from '../../src/ports/target.js';
import { cli } from '../helpers/cli.js';

// The prefetch of a plain `ls` or `who PORT` (src/cli/prefetch.ts) must build the requests its listing builds:
// the states from the same filter text, who's protocols as whoListOptions gives them, and no prefetch at all for
// what the listing reads otherwise.

describe('prefetchListing', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('listening %s, all %s: the states the ls filter allows', (listening, all) => {
    const parsed = [...possibleStates(parseFilter(defaultStates(listening, all)))];
    expect(tcpStateMask(plainLsStates(listening, all))).toBe(tcpStateMask(parsed));
  });

  it.each([
    [['who', '22', '--json'], {}],
    [['who', 'ssh'], {}],
    [['who', '127.0.0.1:22'], {}],
    [['who', '22', '--netns', 'host'], {}],
    [['who', '0'], {}],
    [['who', '65536'], {}],
    [['who', '22/sctp'], {}],
    [['who', '22', '23'], {}],
    [['who', '22'], { PORTSCOPE_PREFETCH: '0' }],
    [['who', '22'], { PORTSCOPE_COLUMNAR: '0' }],
    [['stats', '-t'], {}],
    [['ls'], {}],
    [['ls', '-uan'], {}],
    [['ls', '-an'], {}],
    [['ls', '-tan', 'sport', '=', ':22'], {}],
    [['ls', '-tan', '--json'], {}],
    [['ls', '-tane'], {}],
    [['ls', '-tan'], { PORTSCOPE_PREFETCH: '0' }],
    [['ls', '-tan'], { PORTSCOPE_PREFETCH: 'yes' }],
    [['ls', '-tan'], { PORTSCOPE_BACKEND: 'procfs' }],
    [['ls', '-tan'], { PORTSCOPE_COLUMNAR: '0' }],
    [['ls', '-tan'], { PORTSCOPE_PLATFORM: 'darwin' }],
    [['who', '22'], { PORTSCOPE_PLATFORM: 'win32' }],
  ])('%j with %j starts nothing', (argv, env) => {
    expect(prefetchListing(argv, env)).toBe(false);
  });
});

describe('prefetchRequests of who', () => {
  it.each(['7001', '7001/tcp', '7001/udp', ':7001/TCP', '07001'])('who %s: the requests of its listing', (target) => {
    const options = normalizeListOptions(whoListOptions(parsePortTarget(target)));
    const states = [...possibleStates(options.filter)].filter((s) => s !== 'UNCONN');
    const { sent } = columnRequests(options.protocols, options.families, tcpStateMask(states), [7001]);
    expect(prefetchRequests(['who', target])).toEqual(sent);
    expect(prefetchRequests(['who', '-nH', target, '-r'])).toEqual(sent);
  });
});

describe('PORTSCOPE_PREFETCH', () => {
  it.each([
    [['ls', '-tan'], 'yes'],
    [['who', '22'], '2'],
  ])('%j refuses %s in one line (exit 2), which the prefetch would ignore', async (argv, value) => {
    const { code, stdout, stderr } = await cli(argv, { env: { PORTSCOPE_PREFETCH: value } });
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `portscope: Expected PORTSCOPE_PREFETCH to be 0 or 1, got \`${value}\`\n`,
    });
  });
});

describe.skipIf(!hasNativeAddon())('prefetchOwnNamespace and takePrefetched', () => {
  const addon = ((): NativeAddon => {
    const loaded = nativeAddon();
    if (loaded === undefined) throw new Error('no native addon');
    return loaded;
  })();
  const all = tcpBothFamiliesRequest(tcpStateMask(TCP_STATES));
  const listeners = tcpBothFamiliesRequest(tcpStateMask(['LISTEN']));

  it('hands over the dump made with the same request bytes, once', async () => {
    expect(prefetchOwnNamespace(addon, [listeners])).toBe(true);
    const replies = await takePrefetched([tcpBothFamiliesRequest(tcpStateMask(['LISTEN']))]);
    expect(replies?.length).toBe(1);
    expect(Buffer.isBuffer(replies?.[0])).toBe(true);
    expect(await takePrefetched([listeners])).toBeUndefined();
  });

  it('drops a dump made with other requests, or dropped', async () => {
    expect(prefetchOwnNamespace(addon, [listeners])).toBe(true);
    expect(await takePrefetched([all])).toBeUndefined();
    expect(await takePrefetched([listeners])).toBeUndefined();
    expect(prefetchOwnNamespace(addon, [listeners])).toBe(true);
    dropPrefetch();
    expect(await takePrefetched([listeners])).toBeUndefined();
  });

  it('sockDiagAsync refuses what is not a Buffer', () => {
    expect(() => addon.sockDiagAsync?.(['x' as unknown as Buffer])).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(prefetchOwnNamespace(addon, ['x' as unknown as Buffer])).toBe(false);
  });
});
