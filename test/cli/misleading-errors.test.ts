import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

describe('errors that say what is wrong', () => {
  it('--netns with a name that does not exist says so, not "no process lives in it"', async () => {
    const name = `nosuch-${String(process.pid)}`;
    const { code, stderr } = await cli(['ls', '--netns', name]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `^portscope: Expected netns to be all, host, a namespace inode or a name under /run/netns \\(.*\\), got \`${name}\`\\n$`,
      ),
    );
  });

  it('free --host with an address not of this machine says so, not "found 0"', async () => {
    // 198.51.100.7 is TEST-NET-2 (RFC 5737): never configured here. No packet is sent: only a bind is tried.
    const { code, stderr } = await cli(['free', '--host', '198.51.100.7']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'portscope: Expected host to be an address of this machine, got `198.51.100.7` (a bind on it fails with EADDRNOTAVAIL)\n',
    );
    await expect(findFreePort({ host: '198.51.100.7', protocol: 'udp' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('info -1 is a bad port, not an unknown service', async () => {
    const { code, stderr } = await cli(['info', '-1']);
    expect(code).toBe(2);
    expect(stderr).toBe('portscope: Expected a port 0-65535, got `-1`\n');
  });

  it("nc '' PORT is refused, not a connect to localhost", async () => {
    const { code, stderr } = await cli(['nc', '', '9']);
    expect(code).toBe(2);
    expect(stderr).toBe('portscope: Expected a HOST to connect to, got an empty string\n');
  });
});
