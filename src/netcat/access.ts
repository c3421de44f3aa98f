import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PortscopeError, errnoCode } from '../errors.js';
import { isHostName } from '../inventory/filter/host-syntax.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Matcher = (address: Address) => boolean;

/** One IPv4 octet of an nmap-style range: `7`, `1-254`, `*`, `1,3,10-12`. */
function octetMatcher(text: string): ((octet: number) => boolean) | null {
  if (text === '*') return () => true;
  const parts = text.split(',').map((part) => /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(part));
  if (parts.some((p) => p === null)) return null;
  const ranges = parts.map((p) => [Number(p?.[1]), Number(p?.[2] ?? p?.[1])] as const);
  if (ranges.some(([low, high]) => low > 255 || high > 255 || low > high)) return null;
  return (octet) => ranges.some(([low, high]) => octet >= low && octet <= high);
}

/** Parses an address, a CIDR, or an nmap-style IPv4 range (`192.168.0-3.*`); null for anything else. */
function parseSpec(text: string): Matcher | null {
  try {
    if (text.includes('/')) {
      const [base, bits] = ipaddr.parseCIDR(text);
      return (address) => address.kind() === base.kind() && address.match([base, bits] as never);
    }
    if (isIP(text) !== 0) {
      const literal = ipaddr.parse(text).toNormalizedString();
      return (address) => address.toNormalizedString() === literal;
    }
  } catch {
    return null;
  }
  const octets = text.split('.');
  if (octets.length !== 4 || !/[-*,]/.test(text)) return null;
  const matchers = octets.map(octetMatcher);
  if (matchers.some((m) => m === null)) return null;
  return (address) =>
    address.kind() === 'ipv4' && (address as ipaddr.IPv4).octets.every((o, i) => matchers[i]?.(o) === true);
}

/**
 * Builds the check of `--allow` and `--deny`: a peer is accepted when it matches no deny entry and,
 * when `allow` is given, one of its entries (an empty `allow` accepts nobody, as ncat's empty
 * `--allowfile`). An entry is an address, a CIDR or an nmap-style IPv4 range (`10.0.0.*`,
 * `192.168.1.1-50`); names are resolved first by {@link resolveAccessNames}. IPv4-mapped IPv6 peers
 * (`::ffff:10.1.2.3`, seen on a dual-stack listener) are matched as IPv4. Returns null when every
 * peer is accepted.
 * @throws PortscopeError `INVALID_ARGUMENT` for an entry that is none of those.
 */
export function accessCheck(
  allow?: readonly string[],
  deny: readonly string[] = [],
): ((address: string) => 'accepted' | 'denied' | 'not-allowed') | null {
  if (allow === undefined && deny.length === 0) return null;
  const parse = (option: string) => (text: string) => {
    const matcher = parseSpec(text);
    if (matcher !== null) return matcher;
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected ${option} to be an IP address, CIDR, range or host name (10.0.0.0/8, ::1, 192.168.1.1-50, host.lan), got \`${text}\``,
    );
  };
  const allowed = allow?.map(parse('--allow'));
  const denied = deny.map(parse('--deny'));
  return (text) => {
    let address: Address;
    try {
      address = ipaddr.process(text);
    } catch {
      return allowed === undefined ? 'accepted' : 'not-allowed';
    }
    if (denied.some((m) => m(address))) return 'denied';
    if (allowed !== undefined && !allowed.some((m) => m(address))) return 'not-allowed';
    return 'accepted';
  };
}

/**
 * Replaces each host name in `entries` (as /etc/hosts may hold one: letters, digits, `-`, `_`, dots,
 * at least one letter; never an address, CIDR or range, which have no letter or have `:`, `/`, `*`
 * or `,`) by all its addresses (IPv4 and IPv6), looked up once: a name whose addresses change later
 * is not looked up again. Other entries are kept as they are.
 * @throws PortscopeError `NOT_FOUND` naming a name that does not resolve.
 */
export async function resolveAccessNames(entries: readonly string[], option: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of entries) {
    if (!isHostName(entry)) {
      out.push(entry);
      continue;
    }
    try {
      out.push(...(await lookup(entry, { all: true })).map((a) => a.address));
    } catch (error) {
      throw new PortscopeError(
        'NOT_FOUND',
        `Cannot resolve the host name \`${entry}\` in ${option} (${errnoCode(error) ?? 'error'})`,
        { cause: error },
      );
    }
  }
  return out;
}

/**
 * Reads an ncat `--allowfile`/`--denyfile`: entries separated by white space (one a line, as a
 * rule), `#` to the end of a line is a comment.
 * @throws PortscopeError `NOT_FOUND` when the file cannot be read.
 */
export function readAccessFile(path: string, option: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PortscopeError('NOT_FOUND', `Cannot read ${option} \`${path}\` (${errnoCode(error) ?? 'error'})`, {
      cause: error,
    });
  }
  return text
    .split('\n')
    .flatMap((line) => line.replace(/#.*/, '').trim().split(/\s+/))
    .filter((entry) => entry !== '');
}

/**
 * {@link accessCheck} of `allow` and `deny` after {@link resolveAccessNames}: host names are looked
 * up once, here.
 * @throws PortscopeError `INVALID_ARGUMENT` (a bad entry), `NOT_FOUND` (a name that does not resolve).
 */
export async function accessRules(
  allow: readonly string[] | undefined,
  deny: readonly string[] | undefined,
): Promise<ReturnType<typeof accessCheck>> {
  return accessCheck(
    allow === undefined ? undefined : await resolveAccessNames(allow, '--allow'),
    deny === undefined ? undefined : await resolveAccessNames(deny, '--deny'),
  );
}
