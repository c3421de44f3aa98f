import { describe, expect, it } from 'vitest';
import { parseTargetSpec, resolveTargets } from '../../src/index.js';

const addresses = async (targets: string[], options = {}) =>
  (await resolveTargets(targets, options)).map((t) => t.address);

describe('targets', () => {
  it('expands CIDR blocks, network and broadcast included, for IPv4 and IPv6', async () => {
    expect(await addresses(['192.0.2.8/30'])).toEqual(['192.0.2.8', '192.0.2.9', '192.0.2.10', '192.0.2.11']);
    expect(await addresses(['192.0.2.9/30'])).toHaveLength(4);
    expect(await addresses(['fd00::/126'])).toEqual(['fd00::', 'fd00::1', 'fd00::2', 'fd00::3']);
    expect(await addresses(['192.0.2.1/32'])).toEqual(['192.0.2.1']);
  });

  it('expands octet ranges and lists, and * as 0-255', async () => {
    expect(await addresses(['10.0.3-4,7.1'])).toEqual(['10.0.3.1', '10.0.4.1', '10.0.7.1']);
    expect(await addresses(['192.168.0-1.1-2'])).toEqual(['192.168.0.1', '192.168.0.2', '192.168.1.1', '192.168.1.2']);
    expect(await addresses(['10.0.0.*'])).toHaveLength(256);
  });

  it('canonicalises addresses, drops duplicates and honours --exclude (ranges too)', async () => {
    expect(await addresses(['0:0::1', '::1', '192.0.2.1'])).toEqual(['::1', '192.0.2.1']);
    expect(await addresses(['192.0.2.0/29'], { exclude: ['192.0.2.0', '192.0.2.4/30'] })).toEqual([
      '192.0.2.1',
      '192.0.2.2',
      '192.0.2.3',
    ]);
    expect(await addresses(['10.1.1.1-5'], { exclude: ['10.1.1.2-3'] })).toEqual(['10.1.1.1', '10.1.1.4', '10.1.1.5']);
    // IPv4-mapped addresses keep one form (as canonicalIp writes them), whether given or expanded from CIDR.
    expect(await addresses(['::ffff:1.2.3.0/126', '::FFFF:1.2.3.1'], { exclude: ['::ffff:1.2.3.2'] })).toEqual([
      '::ffff:1.2.3.0',
      '::ffff:1.2.3.1',
      '::ffff:1.2.3.3',
    ]);
  });

  it('resolves names through the system resolver, with the name kept', async () => {
    const [first] = await resolveTargets(['localhost'], { family: 4 });
    expect(first).toEqual({ address: '127.0.0.1', family: 4, hostname: 'localhost' });
    await expect(resolveTargets(['no-such-host.invalid'])).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no-such-host\.invalid/) as unknown,
    });
  });

  it('refuses a target set over --max-targets before expanding it', async () => {
    await expect(resolveTargets(['10.0.0.0/8'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/16,777,216 hosts, more than --max-targets 65,536/) as unknown,
    });
    await expect(resolveTargets(['10.0.0.0/24', '10.0.1.0/24'], { maxTargets: 300 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await addresses(['10.0.0.0/24'], { maxTargets: 256 })).toHaveLength(256);
  });

  it.each(['1.2.3', '10.0.0.0/33', 'fd00::/129', '300.1.1.1', '10.0.5-2.1', 'bad_host!', '', 'host.example/24'])(
    'rejects %j',
    (text) => {
      expect(() => parseTargetSpec(text)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    },
  );
});
