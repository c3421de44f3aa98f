import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSockets } from '../../../src/index.js';
import {
  cgroupId,
  ephemeralPorts,
  hostsResolver,
  interfaceIndex,
} from '../../../src/inventory/linux/filter-context.js';
import { cli } from '../../helpers/cli.js';
import { closeLoopbackServers, serveLoopback } from '../../helpers/loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'portscope-hosts-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  closeLoopbackServers();
});

describe('the machine behind host names, dev, cgroup and autobound', () => {
  it('resolves names from a hosts file: every line, IPv4 first, any case, comments ignored', () => {
    const path = join(dir, 'hosts');
    writeFileSync(path, '::1 web # v6\n10.0.0.7 Web db\n# 10.9.9.9 web\n10.0.0.8 web\n');
    const resolve = hostsResolver(path);
    expect(resolve('WEB')).toEqual(['10.0.0.7', '10.0.0.8', '::1']);
    expect(resolve('db')).toEqual(['10.0.0.7']);
    expect(resolve('nosuch')).toEqual([]);
  });

  it('gives localhost its loopback addresses when the hosts file does not name it', () => {
    expect(hostsResolver(join(dir, 'missing'))('localhost')).toEqual(['127.0.0.1', '::1']);
  });

  it('reads ifindex from /sys/class/net and refuses path tricks', () => {
    expect(interfaceIndex('lo')).toBe(Number(readFileSync('/sys/class/net/lo/ifindex', 'utf8')));
    expect(interfaceIndex('../lo')).toBeUndefined();
    expect(interfaceIndex('nosuch0')).toBeUndefined();
  });

  it('reads a cgroup id as the inode of its directory, absolute or relative to the mount', () => {
    const root = statSync('/sys/fs/cgroup').ino;
    expect(cgroupId('/')).toBe(root);
    expect(cgroupId('/sys/fs/cgroup')).toBe(root);
    expect(cgroupId('/no/such/cgroup')).toBeUndefined();
  });

  it('reads the ephemeral port range', () => {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    expect(ephemeralPorts()).toEqual([low, high]);
  });

  it('listSockets resolves host names, dev and cgroup, and refuses unknown ones with INVALID_FILTER', async () => {
    const { port } = await serveLoopback();
    const { sockets } = await listSockets({
      protocols: ['tcp'],
      netns: 'host',
      owners: false,
      filter: `( src localhost:${String(port)} or dev = lo or cgroup = / ) and state listening`,
    });
    expect(sockets.map((s) => s.local)).toContainEqual({ address: '127.0.0.1', port });
    const loopback = /^(127\.|::1$|::ffff:127\.)/;
    expect(
      sockets.filter((s) => !loopback.test(s.local.address) && s.ifindex !== 1 && s.cgroupId === undefined),
    ).toEqual([]);
    await expect(listSockets({ filter: 'src no-such-host-here' })).rejects.toMatchObject({ code: 'INVALID_FILTER' });
    await expect(listSockets({ filter: 'dev = nosuch0' })).rejects.toMatchObject({ code: 'INVALID_FILTER' });
  });

  it('the CLI names an unknown host in one line and exits 2', async () => {
    const result = await cli(['ls', 'src no-such-host-here']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'portscope: Expected an address or a host name of /etc/hosts, got `no-such-host-here`',
    );
  });
});
