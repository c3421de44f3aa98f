import { isIP } from 'node:net';
import { currentPlatform } from '../../inventory/platform.js';
import type { Backend } from '../../inventory/index.js';
import type { NamespaceInfo, Socket } from '../../model/index.js';
import { readKernelPortSettings } from '../../registry/kernel-ports.js';
import { addressesOf, connectOnce, type AddressAttempt } from '../connect-probe.js';
import { readFirewallRules, type FirewallReport } from '../firewall/read-firewall.js';
import { bindConflicts, bindProbe } from '../find-free-port.js';
import { canonicalIp, checkPort } from '../target.js';
import { coversHost, whoOwns } from '../who-owns.js';
import { isLoopbackAddress as isLoopback } from '../../model/loopback.js';
import { describe, isLocalAddress } from './describe.js';
import { excludedPortFindings } from './excluded.js';
import { finding, type Finding } from './finding.js';
import { backlogFindings, firewallFindings } from './blocked-findings.js';

/** Options of {@link diagnosePort}. */
export interface DiagnosePortOptions {
  /** The host a client connects to (IP or name). @default this machine: 127.0.0.1 and ::1, and a bind on every address */
  readonly host?: string;
  /** How long one connect may take, in milliseconds. @default 1000 */
  readonly connectTimeoutMs?: number;
  /** Read the packet filter (nft, iptables-save) when a connect fails. @default true */
  readonly firewall?: boolean;
  /** Kernel reader (see listSockets). @default 'auto' */
  readonly backend?: Backend;
}

/** The facts gathered about one TCP port, and the checklist drawn from them. */
export interface Diagnosis {
  readonly port: number;
  readonly host?: string;
  /** True when the host is this machine (then the bind is tried too). */
  readonly local: boolean;
  /** The errno of a bind probe on the host (`EADDRINUSE`, `EACCES`), null when it bound, absent when not local. */
  readonly bindError?: string | null;
  /** One connect per address of the host. */
  readonly connect: readonly AddressAttempt[];
  /** Every TCP socket on the port, in every network namespace, with owners (see whoOwns). */
  readonly holders: readonly Socket[];
  readonly namespaces: readonly NamespaceInfo[];
  /** The packet-filter rules that stop the port, read when a connect failed. */
  readonly firewall?: FirewallReport;
  /** Problems first, then context, then what was ruled out. */
  readonly findings: readonly Finding[];
}

const ORDER = { problem: 0, info: 1, ok: 2 } as const;

/**
 * Explains why a bind on, or a connect to, TCP `port` fails: a checklist of findings with the
 * evidence for each. Looks at: a bind probe (EADDRINUSE with the holders, dual-stack `::`
 * listeners, TIME_WAIT; EACCES and ip_unprivileged_port_start), a connect to every address of the
 * host (refused: nothing listens, or only on another address, or only in another network
 * namespace or container; time-out: nft/iptables rules that drop or reject the port, or a full
 * accept queue, with /proc/net/netstat ListenOverflows). From listSockets (every namespace),
 * /proc/sys/net/ipv4, /proc/net/netstat, `nft -j list ruleset` and `iptables-save`.
 *
 * @throws PortscopeError `INVALID_ARGUMENT` (bad port), `UNSUPPORTED_PLATFORM`.
 */
export async function diagnosePort(port: number, options: DiagnosePortOptions = {}): Promise<Diagnosis> {
  checkPort(port);
  const host =
    options.host === undefined ? undefined : isIP(options.host) === 0 ? options.host : canonicalIp(options.host);
  const timeoutMs = options.connectTimeoutMs ?? 1000;
  const addresses = await addressesOf(host);
  const local = host === undefined || addresses.some(isLocalAddress);
  const who = await whoOwns(
    { port, protocols: ['tcp'] },
    { netns: 'all', ...(options.backend === undefined ? {} : { backend: options.backend }) },
  );
  const { namespaces } = who;
  const hostNs = namespaces.find((n) => n.isHost)?.netns;
  const here = who.sockets.filter((s) => s.netns === hostNs);
  const elsewhere = who.sockets.filter((s) => s.netns !== hostNs && s.state === 'LISTEN');
  const listeners = here.filter((s) => s.state === 'LISTEN');
  const findings: Finding[] = [];
  const label =
    host === undefined ? `port ${String(port)}` : `${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  const kernel = readKernelPortSettings();
  const root = process.getuid?.() === 0;

  let bindError: string | null | undefined;
  if (local) {
    const bindHost = host === undefined ? undefined : isIP(host) !== 0 ? host : addresses.find(isLocalAddress);
    bindError = (await bindProbe(port, bindHost, 'tcp')) ?? null;
    const conflicts = here.filter((s) => s.state !== 'TIME_WAIT' && bindConflicts(bindHost, s));
    if (bindError === null) findings.push(finding('bind', 'ok', `A new listener can bind ${label} now`));
    else if (bindError === 'EADDRINUSE') {
      const by = [...new Set(conflicts.flatMap((s) => s.owners.map((o) => `${o.command} (pid ${String(o.pid)})`)))];
      findings.push(
        finding(
          'address-in-use',
          'problem',
          `${label} is in use${by.length > 0 ? ` by ${by.join(', ')}` : ''}: a bind fails with EADDRINUSE`,
          conflicts.map((s) => describe(s, namespaces)),
          [`stop it: portscope kill ${String(port)}`, 'or pick a free port: portscope free', 'or bind another address'],
        ),
      );
      const dual = conflicts.filter((s) => s.local.address === '::' && s.v6only !== true);
      if (dual.length > 0 && (bindHost === undefined || isIP(bindHost) === 4)) {
        findings.push(
          finding(
            'dual-stack',
            'info',
            `The [::]:${String(port)} listener is dual-stack: it holds the IPv4 port too`,
            dual.map((s) => describe(s, namespaces)),
            ['give it IPV6_V6ONLY (Node: listen({ ipv6Only: true })) to let an IPv4 listener share the port'],
          ),
        );
      }
    } else if (bindError === 'EACCES') {
      findings.push(
        finding(
          'privileged-port',
          'problem',
          `Port ${String(port)} is privileged: binding it needs root or CAP_NET_BIND_SERVICE`,
          [
            `net.ipv4.ip_unprivileged_port_start = ${String(kernel.unprivilegedStart)}`,
            `this process runs as uid ${String(process.getuid?.() ?? -1)}`,
          ],
          [
            `use a port >= ${String(kernel.unprivilegedStart)} (8080 instead of 80)`,
            'grant the binary the capability: sudo setcap cap_net_bind_service=+ep /path/to/binary',
            `lower the limit: sudo sysctl net.ipv4.ip_unprivileged_port_start=${String(port)}`,
          ],
        ),
      );
    } else findings.push(finding('bind', 'problem', `A bind on ${label} fails with ${bindError}`));
    findings.push(...(await excludedPortFindings(port, bindHost)));
    if (bindError !== 'EACCES' && port < kernel.unprivilegedStart) {
      findings.push(
        finding(
          'privileged-port',
          'info',
          `Port ${String(port)} is below ip_unprivileged_port_start (${String(kernel.unprivilegedStart)}): only root or CAP_NET_BIND_SERVICE may bind it${root ? ' (this process is root)' : ''}`,
        ),
      );
    }
    const timeWait = here.filter((s) => s.state === 'TIME_WAIT');
    if (timeWait.length > 0) {
      findings.push(
        finding(
          'time-wait',
          'info',
          `${String(timeWait.length)} closed connection(s) on port ${String(port)} wait in TIME_WAIT (up to 60 s)`,
          [],
          [
            'a listener without SO_REUSEADDR cannot bind until they expire; set SO_REUSEADDR (Node, nginx and most servers do)',
          ],
        ),
      );
    }
  }

  const connect = await Promise.all(addresses.map((address) => connectOnce({ address, port }, timeoutMs)));
  const opened = connect.filter((a) => a.outcome === 'open');
  const refused = connect.filter((a) => a.outcome === 'refused');
  const silent = connect.filter((a) => a.outcome === 'timeout');
  const names = (list: readonly AddressAttempt[]) => list.map((a) => a.address).join(', ');
  let firewall: FirewallReport | undefined;
  if (addresses.length === 0) findings.push(finding('connect', 'problem', `${host ?? ''} does not resolve`));
  if (opened.length > 0) {
    findings.push(
      finding(
        'connect',
        'ok',
        `${names(opened)} accepted a connection on port ${String(port)}`,
        // Only the listeners that take those addresses' traffic: another address's listener is no evidence.
        listeners.filter((s) => opened.some((a) => coversHost(s, a.address))).map((s) => describe(s, namespaces)),
      ),
    );
  } else if (connect.length > 0) {
    // nft and iptables are Linux's; pf (macOS, FreeBSD) and Windows Firewall are not read.
    if (options.firewall !== false && currentPlatform() === 'linux') firewall = await readFirewallRules(port, 'tcp');
    if (refused.length > 0) {
      const target = refused.map((a) => a.address);
      const wrong = listeners.filter((s) => !target.some((a) => coversHost(s, a)));
      findings.push(
        finding(
          'refused',
          'problem',
          `Connection refused by ${names(refused)}: nothing listens there on port ${String(port)}`,
          [],
          wrong.length + elsewhere.length > 0 ? [] : ['start the server, and check its log for a bind error'],
        ),
      );
      if (wrong.length > 0) {
        const loopbackOnly = wrong.every((s) => isLoopback(s.local.address)) && !target.some(isLoopback);
        findings.push(
          finding(
            'other-address',
            'problem',
            loopbackOnly
              ? `It listens on loopback only, not on ${names(refused)}`
              : `It listens on port ${String(port)}, but on other addresses than ${names(refused)}`,
            wrong.map((s) => describe(s, namespaces)),
            [
              'make the server bind every address (0.0.0.0 or ::) or the address clients use',
              `or connect to ${wrong.map((s) => s.local.address).join(' or ')}`,
            ],
          ),
        );
      }
      if (elsewhere.length > 0) {
        const inContainer = elsewhere.some((s) => s.owners.some((o) => o.container !== undefined));
        findings.push(
          finding(
            'other-netns',
            'problem',
            `It listens on port ${String(port)} in another network namespace${inContainer ? ' (a container)' : ''}, not in this one`,
            elsewhere.map((s) => describe(s, namespaces)),
            [
              inContainer
                ? `publish the port: docker run -p ${String(port)}:${String(port)} ... (or the compose "ports:" key)`
                : 'connect from inside that namespace (ip netns exec NAME ...)',
              'or forward the port into it (a veth pair and a route, or socat)',
            ],
          ),
        );
      }
    }
    if (silent.length > 0) {
      findings.push(
        finding(
          'timeout',
          'problem',
          `No answer from ${names(silent)} within ${String(timeoutMs)} ms: packets are dropped, or the accept queue is full`,
        ),
      );
    }
  }
  if (firewall !== undefined) findings.push(...firewallFindings(firewall, port));
  if (opened.length === 0) findings.push(...backlogFindings(listeners, connect, namespaces));
  findings.sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  return {
    port,
    ...(host === undefined ? {} : { host }),
    local,
    ...(bindError === undefined ? {} : { bindError }),
    connect,
    holders: who.sockets,
    namespaces,
    ...(firewall === undefined ? {} : { firewall }),
    findings,
  };
}
