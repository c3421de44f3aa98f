import { readSockstat } from './sockstat.js';
import type { Sockstat } from './parse-sockstat.js';
import { readSmallText } from './read-proc.js';

/** Sockets of one transport in the IPv4 and IPv6 tables: a row of `ss -s`. */
export interface TransportCount {
  readonly total: number;
  readonly ip: number;
  readonly ipv6: number;
}

/**
 * The numbers `ss -s` prints, with ss's meaning (iproute2's print_summary), for the caller's network
 * namespace. Read from /proc/net/sockstat, sockstat6 and snmp.
 */
export interface SocketSummary {
  /** `Total`: sockets in use, of every kind (`sockets: used`). */
  readonly total: number;
  readonly tcp: {
    /** TCP sockets allocated plus TIME-WAIT ones (`TCP: alloc` + `tw`). */
    readonly total: number;
    /** Connections in ESTABLISHED or CLOSE-WAIT (/proc/net/snmp `Tcp: CurrEstab`). */
    readonly estab: number;
    /** ss's `closed`: alloc - (inuse - tw), TCP sockets allocated and in no hash table (not bound, listening or connected). */
    readonly closed: number;
    /** Sockets no process holds any more, still sending or closing (`TCP: orphan`). */
    readonly orphaned: number;
    readonly timewait: number;
  };
  /** The `Transport Total IP IPv6` table: `inuse` of RAW, UDP, TCP (sockets in the hash tables), their sum INET, and FRAG (reassembly queues). */
  readonly transports: {
    readonly RAW: TransportCount;
    readonly UDP: TransportCount;
    readonly TCP: TransportCount;
    readonly INET: TransportCount;
    readonly FRAG: TransportCount;
  };
}

/** The value of counter `name` of `group` (`Tcp`, `CurrEstab`) in /proc/net/snmp text (header line, value line). */
export function snmpCounter(text: string, group: string, name: string): number | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith(`${group}:`));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const at = names.indexOf(name);
  return at < 1 || values[at] === undefined ? undefined : Number(values[at]);
}

/** ss's summary from parsed sockstat/sockstat6 counters and snmp's CurrEstab (missing counters are 0). Pure. */
export function summarize(k: Sockstat, currEstab: number): SocketSummary {
  const n = (table: string, key: string) => k[table]?.[key] ?? 0;
  const row = (ip: number, ipv6: number): TransportCount => ({ total: ip + ipv6, ip, ipv6 });
  const raw = row(n('RAW', 'inuse'), n('RAW6', 'inuse'));
  const udp = row(n('UDP', 'inuse'), n('UDP6', 'inuse'));
  const tcp = row(n('TCP', 'inuse'), n('TCP6', 'inuse'));
  const tw = n('TCP', 'tw');
  return {
    total: n('sockets', 'used'),
    tcp: {
      total: n('TCP', 'alloc') + tw,
      estab: currEstab,
      closed: n('TCP', 'alloc') - (tcp.total - tw),
      orphaned: n('TCP', 'orphan'),
      timewait: tw,
    },
    transports: {
      RAW: raw,
      UDP: udp,
      TCP: tcp,
      INET: row(raw.ip + udp.ip + tcp.ip, raw.ipv6 + udp.ipv6 + tcp.ipv6),
      FRAG: row(n('FRAG', 'inuse'), n('FRAG6', 'inuse')),
    },
  };
}

/** {@link SocketSummary} of this process's network namespace, as `ss -s` prints it; `sockstat` when already read (from /proc/net/sockstat{,6}). Never throws (unreadable: 0). */
export function readSocketSummary(sockstat: Sockstat = readSockstat()): SocketSummary {
  const estab = snmpCounter(readSmallText('/proc/net/snmp') ?? '', 'Tcp', 'CurrEstab') ?? 0;
  return summarize(sockstat, estab);
}
