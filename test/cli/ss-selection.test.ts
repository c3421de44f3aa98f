import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import type { Fixture } from '../helpers/fixture.js';
import { lsCells, startSsSocketsFixture, type SsSocketsInfo } from '../helpers/ss-fixture.js';
import { ssLines } from '../helpers/ss.js';
import { hasTool } from '../helpers/system.js';

const hasSs = hasTool('ss', 'tests that compare with ss');

describe.skipIf(!hasSs)('ls -f, -A, -F select the sockets ss selects', () => {
  let fixture: Fixture<SsSocketsInfo>;
  let mine: Set<number>;
  let dir: string;

  beforeAll(async () => {
    fixture = await startSsSocketsFixture();
    mine = new Set(Object.values(fixture.info).filter((v): v is number => typeof v === 'number' && v !== fixture.pid));
    dir = mkdtempSync(join(tmpdir(), 'portscope-ss-filter-'));
  });
  afterAll(async () => {
    await fixture.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const compare = async (args: string[]) => {
    const ours = [...(await lsCells(['-a', ...args], ['netid', 'inode'])).keys()].filter((i) => mine.has(i));
    const theirs = ssLines(['-a', ...args])
      .map((l) => l.inode)
      .filter((i) => mine.has(i));
    expect(ours.sort()).toEqual([...new Set(theirs)].sort());
    return ours.length;
  };

  it.each([
    [['-A', 'unix_dgram']],
    [['-A', 'u_seq,u_str']],
    [['-A', 'all,!tcp']],
    [['-A', 'inet', '-f', 'inet6']],
    [['-x', '-A', 'udp']],
    [['-f', 'unix']],
    [['-f', 'inet']],
    [['-f', 'inet6', '-f', 'unix']],
    [['-t', '-f', 'inet6']],
  ])('%j', async (args) => {
    expect(await compare(args)).toBeGreaterThan(0);
  });

  it('-F FILE: the file continues the filter words; # lines are comments', async () => {
    const file = join(dir, 'filter');
    writeFileSync(file, '# no such ports\nsport = :1\nor sport = :2\n');
    expect(await compare(['-t', '-F', file])).toBe(0);
    writeFileSync(file, '# the IPv4 sockets of the fixture\nsrc 127.0.0.1\n');
    expect(await compare(['-t', '-F', file])).toBe(3);
    expect(await compare(['-t', 'sport = :1 or', '-F', file])).toBe(3);
  });

  it('takes ss -N NAME for --netns', async () => {
    const { code, stderr } = await cli(['ls', '-N', 'portscope-no-such-ns']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^portscope: Expected netns to be all, host, .* got `portscope-no-such-ns`\n$/);
  });

  it('names what it does not read, and the valid names', async () => {
    const { code, stderr } = await cli(['ls', '-A', 'sctp']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^portscope: Expected -A to list socket tables, got `sctp`: portscope does not read/);
    const family = await cli(['ls', '-f', 'inet7']);
    expect(family.stderr).toBe(
      'portscope: Expected -f to name a family, got `inet7`: expected inet, inet6, unix, link, netlink\n',
    );
    const missing = await cli(['ls', '-F', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^portscope: Expected -F to name a readable filter file, got `.*nope` \(ENOENT\)\n$/,
    );
  });
});
