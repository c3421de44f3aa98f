/*
 * Payloads for UDP probes, written from each protocol's RFC so that a service that only answers
 * well-formed requests answers ours. A port without one gets an empty datagram, as nmap sends.
 */

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number) => [...u16(n >>> 16), ...u16(n & 0xffff)];
const ascii = (text: string) => [...Buffer.from(text, 'latin1')];
/** A BER TLV with a short-form length (every payload here is under 128 bytes). */
const tlv = (tag: number, body: number[]) => [tag, body.length, ...body];
/** DNS labels: `_services._dns-sd._udp.local` -> length-prefixed labels and the root. */
const qname = (name: string) => [...name.split('.').flatMap((label) => [label.length, ...ascii(label)]), 0];

/** RFC 1035: a recursive query for the root's NS records. */
const DNS = [...u16(0x7073), ...u16(0x0100), ...u16(1), ...u16(0), ...u16(0), ...u16(0), 0, ...u16(2), ...u16(1)];

/** RFC 5905: an NTPv4 client request (LI 0, VN 4, mode 3), 48 bytes. */
const NTP = [0x23, ...new Array<number>(47).fill(0)];

/** RFC 3416: SNMPv2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0), community `public`. */
const SNMP = tlv(0x30, [
  ...tlv(0x02, [1]),
  ...tlv(0x04, ascii('public')),
  ...tlv(0xa0, [
    ...tlv(0x02, u32(0x70730001)),
    ...tlv(0x02, [0]),
    ...tlv(0x02, [0]),
    ...tlv(0x30, [...tlv(0x30, [...tlv(0x06, [0x2b, 6, 1, 2, 1, 1, 1, 0]), 0x05, 0x00])]),
  ]),
]);

/** UPnP Device Architecture 1.1 (SSDP): a search for everything. */
const SSDP = ascii(
  'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n',
);

/** RFC 6762/6763: a unicast question for the service list (PTR _services._dns-sd._udp.local). */
const MDNS = [
  ...u16(0),
  ...u16(0),
  ...u16(1),
  ...u16(0),
  ...u16(0),
  ...u16(0),
  ...qname('_services._dns-sd._udp.local'),
  ...u16(12),
  ...u16(0x8001),
];

/** RFC 1002: a NetBIOS node status request for the wildcard name `*`. */
const NETBIOS = [
  ...u16(0x7073),
  ...u16(0),
  ...u16(1),
  ...u16(0),
  ...u16(0),
  ...u16(0),
  32,
  ...ascii('CK'),
  ...ascii('A'.repeat(30)),
  0,
  ...u16(0x21),
  ...u16(1),
];

/** RFC 5531/1833: an ONC RPC call to the portmapper (100000 v2), procedure NULL. */
const PORTMAP = [
  ...u32(0x70730001),
  ...u32(0),
  ...u32(2),
  ...u32(100000),
  ...u32(2),
  ...u32(0),
  ...u32(0),
  ...u32(0),
  ...u32(0),
  ...u32(0),
];

/** memcached's UDP protocol: an 8-byte frame header, then `version`. */
const MEMCACHED = [...u16(1), ...u16(0), ...u16(1), ...u16(0), ...ascii('version\r\n')];

/** RFC 8489: a STUN Binding request (magic cookie, fixed transaction id). */
const STUN = [...u16(0x0001), ...u16(0), ...u32(0x2112a442), ...ascii('portscope-id')];

/** RFC 3261: a SIP OPTIONS request. */
const SIP = ascii(
  'OPTIONS sip:portscope@invalid SIP/2.0\r\nVia: SIP/2.0/UDP invalid;branch=z9hG4bK7073\r\nMax-Forwards: 70\r\n' +
    'To: <sip:portscope@invalid>\r\nFrom: <sip:portscope@invalid>;tag=7073\r\nCall-ID: 7073@invalid\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
);

const BY_PORT = new Map<number, Buffer>([
  [53, Buffer.from(DNS)],
  [123, Buffer.from(NTP)],
  [161, Buffer.from(SNMP)],
  [1900, Buffer.from(SSDP)],
  [5353, Buffer.from(MDNS)],
  [137, Buffer.from(NETBIOS)],
  [111, Buffer.from(PORTMAP)],
  [11211, Buffer.from(MEMCACHED)],
  [3478, Buffer.from(STUN)],
  [5060, Buffer.from(SIP)],
]);

const EMPTY = Buffer.alloc(0);

/** The datagram a UDP probe sends to `port`: a protocol request where we have one, else empty. */
export function udpPayload(port: number): Buffer {
  return BY_PORT.get(port) ?? EMPTY;
}

/** Ports that get a protocol request rather than an empty datagram. */
export const UDP_PAYLOAD_PORTS: readonly number[] = [...BY_PORT.keys()].sort((a, b) => a - b);
