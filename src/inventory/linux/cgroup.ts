import type { ContainerRef } from '../../model/index.js';

/** What /proc/PID/cgroup says about a process's systemd unit and container. */
export interface CgroupFacts {
  systemdUnit?: string;
  container?: ContainerRef;
}

const ID = '([0-9a-f]{64})';
const CONTAINER_PATTERNS: readonly [RegExp, string][] = [
  [new RegExp(`kubepods.*?(?:cri-containerd-|crio-|docker-|/)${ID}`), 'kubernetes'],
  [new RegExp(`(?:/docker/|docker-)${ID}`), 'docker'],
  [new RegExp(`(?:/libpod-|libpod-)${ID}`), 'podman'],
  [new RegExp(`cri-containerd-${ID}|/containerd/${ID}`), 'containerd'],
  [new RegExp(`crio-${ID}`), 'crio'],
];
const LXC = /\/lxc(?:\.payload)?[./]([^/]+)/;
const UNIT = /^[^/]+\.(?:service|scope|socket|mount|swap)$/;

/**
 * Parses the text of /proc/PID/cgroup (cgroup v2 `0::/path` and v1 `N:controllers:/path` lines).
 * Pure. The unit is the first path component that is a systemd unit (`nginx.service`,
 * `session-3.scope`), as `systemctl status PID` names it; the container is recognised from the
 * path conventions of docker, podman, containerd, CRI-O, kubernetes (kubepods) and LXC.
 */
export function parseCgroup(text: string): CgroupFacts {
  const facts: CgroupFacts = {};
  for (const line of text.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    if (path === '' || path === '/') continue;
    if (facts.container === undefined) {
      const container = containerOf(path);
      if (container !== undefined) facts.container = container;
    }
    if (facts.systemdUnit === undefined) {
      const unit = path.split('/').find((part) => UNIT.test(part));
      if (unit !== undefined) facts.systemdUnit = unit;
    }
  }
  return facts;
}

function containerOf(path: string): ContainerRef | undefined {
  for (const [pattern, runtime] of CONTAINER_PATTERNS) {
    const match = pattern.exec(path);
    const id = match?.slice(1).filter(Boolean)[0];
    if (id !== undefined) return { runtime, id };
  }
  const lxc = LXC.exec(path);
  if (lxc?.[1] !== undefined) return { runtime: 'lxc', id: lxc[1], name: lxc[1] };
  return undefined;
}
