import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, type Snapshot } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';

let port: number;

beforeAll(async () => {
  ({ port } = await serveLoopback());
});
afterAll(closeLoopbackServers);

describe('ports written :PORT or as a service name, in every verb that takes a port', () => {
  it('who :PORT and who 127.0.0.1:PORT/tcp find the same listener', async () => {
    const colon = await cli(['who', `:${String(port)}`, '--json']);
    expect(colon.code).toBe(0);
    const sockets = (JSON.parse(colon.stdout) as Snapshot).sockets;
    expect(sockets.some((s) => s.local.port === port && s.owners.some((o) => o.pid === process.pid))).toBe(true);
  });

  it('who takes a service name and says which port it is', async () => {
    const { stdout } = await cli(['who', 'ssh/tcp', '--json']);
    expect((JSON.parse(stdout) as { target: unknown }).target).toEqual({ port: 22, protocols: ['tcp'] });
  });

  it('kill --dry-run :PORT plans to signal this process', async () => {
    const { code, stdout } = await cli(['kill', `:${String(port)}`, '--dry-run', '--json']);
    expect(code).toBe(0);
    expect(stdout).toContain(`"pid": ${String(process.pid)}`);
  });

  it('doctor :PORT and doctor NAME diagnose that port', async () => {
    const colon = await cli(['doctor', `:${String(port)}`, '--json', '--no-firewall']);
    expect((JSON.parse(colon.stdout) as { port: number }).port).toBe(port);
    const named = await cli(['doctor', 'http-alt', '--json', '--no-firewall']);
    expect((JSON.parse(named.stdout) as { port: number }).port).toBe(8080);
  });

  it('info :5432 is the port, not a service name', async () => {
    const { code, stdout } = await cli(['info', ':5432', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { port: number }).port).toBe(5432);
  });

  it('free --port :N and --exclude NAME', async () => {
    const [free] = await findFreePort({ count: 1 });
    const { code, stdout } = await cli(['free', '--port', `:${String(free)}`, '--exclude', 'http-alt']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${String(free)}\n`);
  });

  it('an unknown name is one line naming it, with close names', async () => {
    const { code, stderr } = await cli(['who', 'htp']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^portscope: Expected a port 1-65535 or a service name, got `htp`: no service has that name; did you mean /,
    );
    expect(stderr.split('\n')).toHaveLength(2);
  });
});
