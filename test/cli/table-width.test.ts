import { describe, expect, it } from 'vitest';
import { renderTable, type Column } from '../../src/cli/render/table.js';
import { cli } from '../helpers/cli.js';

// The default table's columns (portscope alone), with rows as wide as real machines show them.
const COLUMNS: Column[] = [
  { header: 'Proto' },
  { header: 'Address' },
  { header: 'Port', align: 'right' },
  { header: 'Service' },
  { header: 'Process' },
  { header: 'User' },
  { header: 'Unit/Container' },
  { header: 'Command', elastic: true },
];
const ROWS = [
  [
    'udp6',
    'fe80::1c2b:3cff:fe4d:5e6f',
    '546',
    'dhcpv6-client',
    'systemd-network(612)',
    'systemd-network',
    'systemd-networkd.service',
    '/usr/lib/systemd/systemd-networkd',
  ],
  [
    'tcp',
    '127.0.0.53',
    '53',
    'domain',
    'systemd-resolve(598)',
    'systemd-resolve',
    'systemd-resolved.service',
    '/usr/lib/systemd/systemd-resolved',
  ],
  [
    'tcp6',
    '::',
    '45123',
    'xinuexpansion4',
    'containerd-shim(1234,5678)',
    'root',
    'docker 0123456789ab',
    'containerd-shim-runc-v2 -namespace moby -id 0123456789abcdef',
  ],
];

describe('the default table fits an 80-column terminal', () => {
  it.each([80, 72, 60])('every line fits in %i columns; numbers are whole, text is cut with …', (width) => {
    const lines = renderTable(COLUMNS, ROWS, { header: true, width }).trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(width);
    expect(lines.join('\n')).toContain('…');
    for (const port of ['546', '53', '45123'])
      expect(lines.some((l) => new RegExp(`\\s${port}\\s`).test(l))).toBe(true);
  });

  it('cuts nothing into a pipe', () => {
    const text = renderTable(COLUMNS, ROWS, { header: true, width: undefined });
    expect(text).not.toContain('…');
    expect(text).toContain('containerd-shim-runc-v2 -namespace moby -id 0123456789abcdef');
  });

  it('portscope alone on an 80-column terminal', async () => {
    const { stdout } = await cli([], { isTTY: true, columns: 80 });
    const ESC = String.fromCharCode(27);
    const plain = stdout.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');
    expect(Math.max(...plain.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});
