import { describe, expect, it } from 'vitest';
import { excludePorts, parsePortSpec, topPorts } from '../../src/index.js';

describe('parsePortSpec', () => {
  it('reads lists, ranges and open-ended ranges, sorted and unique', () => {
    expect(parsePortSpec('80,22,1000-1003,22')).toEqual({ tcp: [22, 80, 1000, 1001, 1002, 1003], udp: [] });
    expect(parsePortSpec('-').tcp).toHaveLength(65535);
    expect(parsePortSpec('65530-').tcp).toEqual([65530, 65531, 65532, 65533, 65534, 65535]);
    expect(parsePortSpec('-3').tcp).toEqual([1, 2, 3]);
  });

  it('applies T: and U: qualifiers until the next one, and unqualified ports to every protocol scanned', () => {
    expect(parsePortSpec('U:53,111,T:21-23,80', ['tcp', 'udp'])).toEqual({ tcp: [21, 22, 23, 80], udp: [53, 111] });
    expect(parsePortSpec('53', ['tcp', 'udp'])).toEqual({ tcp: [53], udp: [53] });
    // A qualifier for a protocol that is not scanned adds nothing.
    expect(parsePortSpec('U:53,T:80')).toEqual({ tcp: [80], udp: [] });
  });

  it('takes service names and globs from /etc/services and IANA', () => {
    expect(parsePortSpec('ssh,https').tcp).toEqual([22, 443]);
    expect(parsePortSpec('domain', ['udp']).udp).toEqual([53]);
    expect(parsePortSpec('http*').tcp).toEqual(expect.arrayContaining([80, 443]));
  });

  it.each([
    ['', /empty/],
    ['0', /1-65535/],
    ['70000', /1-65535/],
    ['90-80', /reversed range 90-80/],
    ['S:80', /`S:` is not a protocol/],
    ['nosuchservice', /unknown service name `nosuchservice`/],
    ['22,,80', /empty element/],
  ])('rejects %j naming the problem', (text, message) => {
    expect(() => parsePortSpec(text)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) as unknown }),
    );
  });

  it('excludes ports per protocol', () => {
    const all = parsePortSpec('20-25', ['tcp', 'udp']);
    expect(excludePorts(all, parsePortSpec('T:22,U:21-24', ['tcp', 'udp']))).toEqual({
      tcp: [20, 21, 23, 24, 25],
      udp: [20, 25],
    });
  });
});

describe('topPorts', () => {
  it('gives N ports per protocol from our ranking, most useful first, returned ascending', () => {
    const fast = topPorts(100, ['tcp', 'udp']);
    expect(fast.tcp).toHaveLength(100);
    expect(fast.udp).toHaveLength(100);
    expect(fast.tcp).toEqual([...fast.tcp].sort((a, b) => a - b));
    expect(fast.tcp).toEqual(expect.arrayContaining([22, 80, 443, 3306, 5432, 6379]));
    expect(fast.udp).toEqual(expect.arrayContaining([53, 123, 161]));
    expect(topPorts(1).tcp).toEqual([80]);
    expect(new Set(topPorts(1000).tcp).size).toBe(1000);
    expect(topPorts(70000).tcp).toHaveLength(65535);
  });
});
