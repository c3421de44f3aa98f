import { listSockets } from '../../src/index.js';

/** Ports that really listen on 127.0.0.1 (or a wildcard covering it), from the inventory of this netns. */
export async function listeningOnLoopback(): Promise<Set<number>> {
  const { sockets } = await listSockets({
    protocols: ['tcp'],
    filter: 'state listening',
    owners: false,
    netns: 'host',
  });
  return new Set(
    sockets
      .filter((s) => ['0.0.0.0', '::'].includes(s.local.address) || s.local.address.startsWith('127.'))
      .map((s) => s.local.port),
  );
}
