import { describe, expect, it } from 'vitest';
import { listSockets } from '../../src/index.js';
import { hasNativeAddon } from '../../src/inventory/index.js';

const codes = (warnings: readonly { code: string }[]) => warnings.map((w) => w.code);

describe('options that only sock_diag can answer', () => {
  it('warn DETAILS_UNAVAILABLE when read from /proc/net, instead of being dropped silently', async () => {
    const info = await listSockets({
      protocols: ['tcp'],
      tcpInfo: true,
      backend: 'procfs',
      netns: 'host',
      owners: false,
    });
    expect(codes(info.warnings)).toContain('DETAILS_UNAVAILABLE');
    const mptcp = await listSockets({ protocols: ['mptcp'], backend: 'procfs', netns: 'host', owners: false });
    expect(mptcp.warnings.find((w) => w.code === 'DETAILS_UNAVAILABLE')?.message).toMatch(/^MPTCP sockets /);
    const plain = await listSockets({ protocols: ['tcp'], backend: 'procfs', netns: 'host', owners: false });
    expect(codes(plain.warnings)).not.toContain('DETAILS_UNAVAILABLE');
  });

  it.skipIf(!hasNativeAddon())('do not warn with the native backend', async () => {
    const info = await listSockets({
      protocols: ['tcp'],
      tcpInfo: true,
      backend: 'native',
      netns: 'host',
      owners: false,
    });
    expect(codes(info.warnings)).not.toContain('DETAILS_UNAVAILABLE');
  });
});
