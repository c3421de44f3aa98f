import type { Severity } from './types.js';

/**
 * A service that should not be reachable from the network as it usually runs: cleartext logins,
 * unauthenticated-by-default databases and control APIs. `source` is where the risk is documented.
 */
export interface RiskyService {
  readonly name: string;
  readonly protocol: 'tcp' | 'udp';
  /** Ports it listens on by default: single ports and inclusive `[from, to]` ranges. */
  readonly ports: readonly (number | readonly [number, number])[];
  /** Process names (`comm`) that run it, so it is found on another port too. */
  readonly processes?: readonly string[];
  readonly severity: Severity;
  /** Why it is risky, in one line. */
  readonly why: string;
  /** A public page that documents the risk or the advice to keep it off the network. */
  readonly source: string;
}

const RFC = 'https://www.rfc-editor.org/rfc/';

/** The well-known risky services that the `risky-service` finding looks for. */
export const RISKY_SERVICES: readonly RiskyService[] = [
  {
    name: 'telnet',
    protocol: 'tcp',
    ports: [23],
    processes: ['telnetd', 'in.telnetd'],
    severity: 'high',
    why: 'logins and passwords in cleartext',
    source: `${RFC}rfc854`,
  },
  {
    name: 'ftp',
    protocol: 'tcp',
    ports: [21],
    processes: ['vsftpd', 'proftpd', 'pure-ftpd', 'in.ftpd'],
    severity: 'medium',
    why: 'passwords in cleartext, bounce attacks',
    source: `${RFC}rfc2577`,
  },
  {
    name: 'tftp',
    protocol: 'udp',
    ports: [69],
    processes: ['in.tftpd', 'tftpd'],
    severity: 'high',
    why: 'no authentication at all',
    source: `${RFC}rfc1350`,
  },
  {
    name: 'rexec',
    protocol: 'tcp',
    ports: [512],
    processes: ['in.rexecd', 'rexecd'],
    severity: 'high',
    why: 'cleartext passwords, r-services trust',
    source: `${RFC}rfc1282`,
  },
  {
    name: 'rlogin',
    protocol: 'tcp',
    ports: [513],
    processes: ['in.rlogind', 'rlogind'],
    severity: 'high',
    why: 'host-based trust (.rhosts), cleartext',
    source: `${RFC}rfc1282`,
  },
  {
    name: 'rsh',
    protocol: 'tcp',
    ports: [514],
    processes: ['in.rshd', 'rshd'],
    severity: 'high',
    why: 'host-based trust (.rhosts), cleartext',
    source: `${RFC}rfc1282`,
  },
  {
    name: 'rpcbind',
    protocol: 'tcp',
    ports: [111],
    processes: ['rpcbind', 'portmap'],
    severity: 'medium',
    why: 'maps every RPC service; used for reconnaissance',
    source: `${RFC}rfc1833`,
  },
  {
    name: 'rpcbind',
    protocol: 'udp',
    ports: [111],
    processes: ['rpcbind', 'portmap'],
    severity: 'medium',
    why: 'reflection and amplification of UDP floods',
    source: `${RFC}rfc1833`,
  },
  {
    name: 'SMB',
    protocol: 'tcp',
    ports: [139, 445],
    processes: ['smbd'],
    severity: 'high',
    why: 'file sharing, a frequent target of worms',
    source: 'https://learn.microsoft.com/en-us/windows-server/storage/file-server/smb-secure-traffic',
  },
  {
    name: 'NetBIOS',
    protocol: 'udp',
    ports: [137, 138],
    processes: ['nmbd'],
    severity: 'medium',
    why: 'name service leaks host and user names',
    source: `${RFC}rfc1002`,
  },
  {
    name: 'NFS',
    protocol: 'tcp',
    ports: [2049],
    severity: 'high',
    why: 'AUTH_SYS trusts the uid the client claims',
    source: `${RFC}rfc7530`,
  },
  {
    name: 'NFS',
    protocol: 'udp',
    ports: [2049],
    severity: 'high',
    why: 'AUTH_SYS trusts the uid the client claims',
    source: `${RFC}rfc7530`,
  },
  {
    name: 'SNMP',
    protocol: 'udp',
    ports: [161],
    processes: ['snmpd'],
    severity: 'medium',
    why: 'v1/v2c community strings are cleartext passwords',
    source: `${RFC}rfc3410`,
  },
  {
    name: 'VNC',
    protocol: 'tcp',
    ports: [[5900, 5909]],
    processes: ['Xvnc', 'x11vnc', 'vncserver'],
    severity: 'high',
    why: 'remote desktop, weak or no password by default',
    source: `${RFC}rfc6143`,
  },
  {
    name: 'RDP',
    protocol: 'tcp',
    ports: [3389],
    processes: ['xrdp'],
    severity: 'high',
    why: 'remote desktop, brute-forced and exploited widely',
    source: 'https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xhtml?search=3389',
  },
  {
    name: 'X11',
    protocol: 'tcp',
    ports: [[6000, 6063]],
    processes: ['Xorg', 'X'],
    severity: 'high',
    why: 'a client can read keystrokes and the screen',
    source: 'https://www.x.org/releases/X11R7.7/doc/man/man1/Xserver.1.xhtml',
  },
  {
    name: 'Redis',
    protocol: 'tcp',
    ports: [6379],
    processes: ['redis-server'],
    severity: 'critical',
    why: 'no authentication by default; CONFIG lets a client write files',
    source: 'https://redis.io/docs/latest/operate/oss_and_stack/management/security/',
  },
  {
    name: 'Memcached',
    protocol: 'tcp',
    ports: [11211],
    processes: ['memcached'],
    severity: 'high',
    why: 'no authentication by default',
    source: 'https://github.com/memcached/memcached/wiki/ConfiguringServer',
  },
  {
    name: 'Memcached',
    protocol: 'udp',
    ports: [11211],
    processes: ['memcached'],
    severity: 'critical',
    why: 'UDP reflection with huge amplification',
    source: 'https://github.com/memcached/memcached/wiki/ConfiguringServer',
  },
  {
    name: 'MongoDB',
    protocol: 'tcp',
    ports: [[27017, 27019]],
    processes: ['mongod', 'mongos'],
    severity: 'high',
    why: 'access control is off until enabled',
    source: 'https://www.mongodb.com/docs/manual/administration/security-checklist/',
  },
  {
    name: 'Elasticsearch',
    protocol: 'tcp',
    ports: [9200, 9300],
    severity: 'high',
    why: 'older releases and some setups run without security',
    source: 'https://www.elastic.co/guide/en/elasticsearch/reference/current/security-minimal-setup.html',
  },
  {
    name: 'CouchDB',
    protocol: 'tcp',
    ports: [5984],
    processes: ['beam.smp'],
    severity: 'high',
    why: 'admin party (no admin) in releases before 3.0',
    source: 'https://docs.couchdb.org/en/stable/intro/security.html',
  },
  {
    name: 'etcd',
    protocol: 'tcp',
    ports: [2379, 2380],
    processes: ['etcd'],
    severity: 'critical',
    why: 'holds cluster secrets; no client authentication by default',
    source: 'https://etcd.io/docs/v3.5/op-guide/security/',
  },
  {
    name: 'Docker API',
    protocol: 'tcp',
    ports: [2375],
    severity: 'critical',
    why: 'unencrypted, unauthenticated: root on the host',
    source: 'https://docs.docker.com/engine/security/protect-access/',
  },
  {
    name: 'kubelet',
    protocol: 'tcp',
    ports: [10250, 10255],
    processes: ['kubelet'],
    severity: 'high',
    why: 'anonymous requests can run commands in pods when not locked down',
    source: 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/',
  },
];

/** The risky service a listener's protocol and port (or its owner's process name) is, if any. */
export function riskyServiceFor(
  protocol: 'tcp' | 'udp',
  port: number,
  commands: readonly string[],
): RiskyService | undefined {
  const onPort = (p: RiskyService['ports'][number]) =>
    typeof p === 'number' ? p === port : port >= p[0] && port <= p[1];
  return (
    RISKY_SERVICES.find((s) => s.protocol === protocol && s.ports.some(onPort)) ??
    RISKY_SERVICES.find((s) => s.protocol === protocol && commands.some((c) => s.processes?.includes(c) === true))
  );
}
