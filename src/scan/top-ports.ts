import { serviceNameOf } from '../registry/services.js';
import type { PortSet, ScanProtocol } from './port-spec.js';

/*
 * Our own ranking of ports by how often they are worth asking about: remote access, the web, mail,
 * name and directory services, file sharing, databases, message brokers, container and cluster
 * APIs, then common alternates. Written for portscope from the IANA assignments and common
 * deployments; it does not use nmap's nmap-services frequencies (those are under the NPSL).
 */
const TCP_RANKED = [
  80, 443, 22, 21, 25, 3389, 23, 53, 110, 143, 445, 139, 135, 8080, 3306, 993, 995, 587, 465, 5900, 8443, 111, 5432,
  6379, 1723, 27017, 8000, 8888, 9200, 11211, 5000, 3000, 2049, 389, 636, 88, 1433, 1521, 179, 5060, 5061, 8081, 9090,
  9000, 9443, 10000, 2375, 2376, 6443, 10250, 2379, 5672, 15672, 9092, 2181, 7001, 8009, 1080, 3128, 873, 548, 515, 631,
  9100, 5985, 5986, 1194, 1883, 8883, 5222, 6667, 25565, 8086, 9418, 4443, 2222, 8008, 81, 113, 119, 79, 990, 3268,
  3269, 464, 593, 1025, 49152, 49153, 49154, 3690, 5901, 6000, 8001, 8888, 7000, 7070, 9999, 5800, 2082, 2083, 2086,
  2087, 2095, 2096, 1110, 1720, 1755, 2000, 2001, 5190, 5357, 5631, 5666, 6001, 8100, 9001, 9091, 9300, 9876, 11111,
  27018, 28017, 50000, 50070, 61616, 4369, 6081, 8161, 8500, 8600, 4040, 4848, 7474, 7687, 8983, 9042, 9160, 5601, 3001,
  4200, 5173, 8085, 8180, 8280, 8090, 8123, 8200, 8300, 8765, 9080, 9081, 10443, 20000, 32400,
];

const UDP_RANKED = [
  53, 123, 161, 137, 138, 67, 68, 69, 500, 514, 520, 1900, 5353, 4500, 162, 111, 631, 1434, 5060, 1812, 1813, 443, 3478,
  49152, 2049, 427, 389, 88, 464, 177, 1194, 51820, 4789, 5355, 3702, 11211, 5351, 1645, 1646, 7, 9, 13, 17, 19, 37,
  135, 139, 445, 626, 1701, 1718, 1719, 2000, 2048, 2222, 3283, 3456, 4444, 5000, 5632, 6481, 8472, 9200, 10000, 17185,
  20031, 27015, 30718, 31337, 32768, 32769, 33434,
];

let cache: Record<ScanProtocol, number[]> | undefined;

/** Ranked list, then the remaining ports with an IANA or /etc/services name, then the rest, ascending. */
function ranking(protocol: ScanProtocol): number[] {
  const ranked = protocol === 'tcp' ? TCP_RANKED : UDP_RANKED;
  const seen = new Set<number>();
  const order: number[] = [];
  const add = (p: number) => {
    if (!seen.has(p)) {
      seen.add(p);
      order.push(p);
    }
  };
  ranked.forEach(add);
  for (let p = 1; p <= 65535; p++) if (serviceNameOf(p, protocol) !== undefined) add(p);
  for (let p = 1; p <= 65535; p++) add(p);
  return order;
}

/**
 * The `count` most useful ports per protocol in portscope's own ranking (a curated list first, then
 * every named port ascending, then the rest): what `--top-ports N` and `-F` (N = 100) scan.
 * Result: ascending per protocol; protocols not in `protocols` stay empty. `count` is clamped to 1-65535.
 */
export function topPorts(count: number, protocols: readonly ScanProtocol[] = ['tcp']): PortSet {
  cache ??= { tcp: ranking('tcp'), udp: ranking('udp') };
  const n = Math.max(1, Math.min(65535, Math.floor(count)));
  const pick = (protocol: ScanProtocol) =>
    protocols.includes(protocol) && cache !== undefined ? cache[protocol].slice(0, n).sort((a, b) => a - b) : [];
  return { tcp: pick('tcp'), udp: pick('udp') };
}
