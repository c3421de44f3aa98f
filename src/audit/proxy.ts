import type { NetnsContext } from './context.js';
import { takes } from './published.js';
import { combine } from './reachability.js';
import type { ListenerExposure, PublishedPort } from './types.js';

/**
 * True for docker-proxy: by its command name, or by the name it was run by (argv[0]), since a process
 * may rename its main thread (comm), as Node 24 does (`MainThread`).
 */
function isDockerProxy(command: string, cmdline: readonly string[]): boolean {
  return command === 'docker-proxy' || (cmdline[0] ?? '').split('/').pop() === 'docker-proxy';
}

/** docker-proxy's `-container-ip X -container-port N` (its Go flags take one or two dashes). */
function proxyTarget(l: ListenerExposure): { address: string; port: number } | undefined {
  for (const owner of l.owners) {
    if (owner.cmdline === undefined || !isDockerProxy(owner.command, owner.cmdline)) continue;
    const args = owner.cmdline;
    const value = (name: string) => {
      const i = args.findIndex((a) => a === `-${name}` || a === `--${name}`);
      return i < 0 ? undefined : args[i + 1];
    };
    const address = value('container-ip');
    const port = Number(value('container-port'));
    if (address !== undefined && Number.isInteger(port)) return { address, port };
  }
  return undefined;
}

/**
 * Adds to each listener the host endpoints a userland proxy (docker-proxy) publishes it on: the
 * proxy's own listening socket, whose reachability was judged like any other listener's.
 */
export function withProxies(listeners: ListenerExposure[], contexts: readonly NetnsContext[]): ListenerExposure[] {
  const proxies = listeners.flatMap((p) => {
    const target = proxyTarget(p);
    return target === undefined ? [] : [{ proxy: p, target }];
  });
  if (proxies.length === 0) return listeners;
  return listeners.map((l) => {
    const ctx = contexts.find((c) => c.netns === l.netns);
    const extra: PublishedPort[] = proxies
      .filter(
        ({ proxy, target }) =>
          proxy !== l &&
          proxy.protocol === l.protocol &&
          target.port === l.local.port &&
          ctx !== undefined &&
          takes(l, ctx, target.address),
      )
      .map(({ proxy }) => ({ protocol: l.protocol, host: proxy.local, via: 'proxy', reachable: proxy.reachable }));
    if (extra.length === 0) return l;
    const published = [...(l.published ?? []), ...extra];
    const hosts = extra
      .map((p) => `${p.host.address}:${String(p.host.port)} via docker-proxy: ${p.reachable}`)
      .join(', ');
    const reason = l.published === undefined ? `published on ${hosts}` : `${l.reason}, ${hosts}`;
    return { ...l, published, reachable: combine(published.map((p) => p.reachable)), reason };
  });
}
