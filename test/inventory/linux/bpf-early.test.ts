import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type TestContext } from 'vitest';
import { prefetchListing } from '../../../src/cli/prefetch.js';
import { onePassUnavailable } from '../../../src/inventory/linux/bpf-sockets.js';
import { tcpStateMask } from '../../../src/inventory/linux/diag-request.js';
import { listingScope } from '../../../src/inventory/linux/listing-scope.js';
import { dropOnePassPrefetch } from '../../../src/inventory/linux/onepass-prefetch.js';
import { nativeAddon } from '../../../src/inventory/linux/native.js';
import { normalizeListOptions, type ListSocketsOptions } from '../../../src/inventory/options.js';
import { whoOwns } from '../../../src/ports/index.js';
import { canMakeNetnsFor } from '../../helpers/system.js';

const addon = nativeAddon() ?? null;
const name = `psearly-${String(process.pid)}`;
let server: Server;
let port: number;

function skipWithoutBpf(context: TestContext): void {
  const query = {
    protocols: new Set(['tcp'] as const),
    families: new Set(['inet', 'inet6'] as const),
    tcpListenersOnly: false,
    tcpStateMask: tcpStateMask([]),
  };
  const why = onePassUnavailable(addon, { namespaces: 2, query, details: false });
  if (why !== undefined) context.skip(`the one pass cannot run here: ${why}`);
}

/** Counts the addon's one-pass runs while `listingScope(options)` alone runs (none before the listing). */
function passesStartedByScope(options: ListSocketsOptions): number {
  if (addon === null) throw new Error('no native addon');
  const spy = vi.spyOn(addon, 'bpfSockets');
  try {
    listingScope(normalizeListOptions(options));
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  delete process.env['PORTSCOPE_BPF'];
  dropOnePassPrefetch();
});

describe.skipIf(!canMakeNetnsFor('early one-pass tests'))('the one pass started before the namespace scan', () => {
  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', name]);
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
    execFileSync('ip', ['netns', 'del', name]);
  });

  it('starts while the scope is read when /run/netns pins another namespace, and the listing uses it', async (context) => {
    skipWithoutBpf(context);
    if (addon === null) throw new Error('no native addon');
    expect(passesStartedByScope({ protocols: ['tcp'], owners: false, details: false })).toBe(1);
    const spy = vi.spyOn(addon, 'bpfSockets');
    try {
      const result = await whoOwns(`${String(port)}/tcp`, { details: false });
      expect(result.socketSource).toEqual({ source: 'bpf' });
      expect(result.sockets.map((s) => s.owners.map((o) => o.pid))).toEqual([[process.pid]]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]?.slice(1)).toEqual([1024, port, 1]);
    } finally {
      spy.mockRestore();
    }
  });

  it("is taken from the CLI's prefetch when that started it narrowed the same, and started anew when not", async (context) => {
    skipWithoutBpf(context);
    if (addon === null) throw new Error('no native addon');
    const spy = vi.spyOn(addon, 'bpfSockets');
    try {
      // `portscope who PORT/tcp` with /run/netns pinning another namespace: the prefetch starts the pass...
      expect(prefetchListing(['who', `${String(port)}/tcp`], {})).toBe(true);
      expect(spy.mock.calls.map((call) => call.slice(1))).toEqual([[1024, port, 1]]);
      // ...and the listing takes it: no second pass, the same answer as a pass of its own.
      const result = await whoOwns(`${String(port)}/tcp`, { details: false });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(result.socketSource).toEqual({ source: 'bpf' });
      expect(result.sockets.map((s) => s.owners.map((o) => o.pid))).toEqual([[process.pid]]);
      // A prefetch of another port (or of a plain ls: every port) is dropped, and the listing reads for itself.
      expect(prefetchListing(['who', `${String(port + 1)}/tcp`], {})).toBe(true);
      const other = await whoOwns(`${String(port)}/tcp`, { details: false });
      expect(other.sockets.map((s) => s.owners.map((o) => o.pid))).toEqual([[process.pid]]);
      expect(prefetchListing(['ls', '-tan'], {})).toBe(true);
      await whoOwns(`${String(port)}/tcp`, { details: false });
      expect(spy.mock.calls.map((call) => call.slice(1))).toEqual([
        [1024, port, 1],
        [1024, port + 1, 1],
        [1024, port, 1],
        [expect.any(Number), undefined, 1],
        [1024, port, 1],
      ]);
      // The prefetch refuses what the listing would not read in one pass.
      process.env['PORTSCOPE_BPF'] = '0';
      expect(prefetchListing(['who', `${String(port)}/tcp`], {})).toBe(false);
      process.env['PORTSCOPE_BPF'] = 'maybe';
      expect(prefetchListing(['who', `${String(port)}/tcp`], {})).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  it('does not start for the host alone, for details, or with PORTSCOPE_BPF=0', (context) => {
    skipWithoutBpf(context);
    expect(passesStartedByScope({ protocols: ['tcp'], owners: false, details: false, netns: 'host' })).toBe(0);
    expect(passesStartedByScope({ protocols: ['tcp'], owners: false, details: true })).toBe(0);
    expect(passesStartedByScope({ protocols: ['tcp'], owners: false, details: false, tcpInfo: true })).toBe(0);
    process.env['PORTSCOPE_BPF'] = '0';
    expect(passesStartedByScope({ protocols: ['tcp'], owners: false, details: false })).toBe(0);
  });
});
