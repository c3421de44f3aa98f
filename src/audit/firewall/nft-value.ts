import { isObject, type NftJson, type NftSet } from '../../ports/firewall/parse-nft.js';
import { inPrefix, inRange } from './address.js';
import type { Packet, Tri } from './packet.js';

/** What a match's left side reads from the packet. */
export type Value =
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'str'; readonly value: string }
  /** Flags (ct state, ct status, tcp flags): the ones set. `exact`: compare as a whole (after `&`). */
  | { readonly kind: 'flags'; readonly value: readonly string[]; readonly exact?: boolean }
  /** An address; undefined stands for any other host's address. */
  | { readonly kind: 'addr'; readonly value: string | undefined }
  /** The expression belongs to another protocol (`tcp dport` on UDP): the whole match is false. */
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'unknown'; readonly reason: string };

const PROTO_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17 };
const unknown = (reason: string): Value => ({ kind: 'unknown', reason });

/** The packet field an nft `payload` expression reads. */
function payloadValue(protocol: string, field: string, p: Packet): Value {
  if (protocol === 'tcp' || protocol === 'udp' || protocol === 'th') {
    if (protocol !== 'th' && protocol !== p.protocol) return { kind: 'mismatch' };
    if (field === 'dport') return { kind: 'num', value: p.port };
    if (field === 'flags' && protocol === 'tcp') return { kind: 'flags', value: ['syn'] };
    return unknown(`${protocol} ${field} (the client's side)`);
  }
  if (protocol === 'ip' || protocol === 'ip6') {
    if ((protocol === 'ip') !== (p.family === 'inet')) return { kind: 'mismatch' };
    if (field === 'saddr') return { kind: 'addr', value: p.source };
    if (field === 'daddr') return { kind: 'addr', value: p.address };
    if (field === 'protocol' || field === 'nexthdr') return { kind: 'str', value: p.protocol };
    return unknown(`${protocol} ${field}`);
  }
  // icmp, icmpv6, sctp, arp...: headers a TCP or UDP packet does not have.
  return { kind: 'mismatch' };
}

/** The packet property an nft `meta` expression reads. */
function metaValue(key: string, p: Packet): Value {
  switch (key) {
    case 'iifname':
    case 'iif':
      return { kind: 'str', value: p.interface };
    case 'oifname':
    case 'oif':
      return p.outInterface === undefined
        ? unknown(`meta ${key} on the input path`)
        : { kind: 'str', value: p.outInterface };
    case 'l4proto':
      return { kind: 'str', value: p.protocol };
    case 'nfproto':
      return { kind: 'str', value: p.family === 'inet' ? 'ipv4' : 'ipv6' };
    case 'protocol':
      return { kind: 'str', value: p.family === 'inet' ? 'ip' : 'ip6' };
    case 'mark':
      return { kind: 'num', value: 0 };
    case 'pkttype':
      return { kind: 'str', value: 'host' };
    default:
      return unknown(`meta ${key}`);
  }
}

/** What the left side of an nft `match` reads from the packet. */
export function leftValue(left: NftJson, p: Packet): Value {
  if (!isObject(left)) return unknown('an unrecognised expression');
  if (isObject(left.payload)) return payloadValue(String(left.payload.protocol), String(left.payload.field), p);
  if (isObject(left.meta)) return metaValue(String(left.meta.key), p);
  if (isObject(left.ct)) {
    const key = String(left.ct.key);
    if (key === 'state') return { kind: 'flags', value: ['new'] };
    if (key === 'status') return { kind: 'flags', value: p.dnat === true ? ['dnat'] : [] };
    if (key === 'mark') return { kind: 'num', value: 0 };
    return unknown(`ct ${key}`);
  }
  const masked = left['&'];
  if (Array.isArray(masked)) {
    const inner = leftValue(masked[0], p);
    if (inner.kind !== 'flags') return inner.kind === 'num' ? unknown('a bitmask on a number') : inner;
    const mask = flagList(masked[1]);
    return { kind: 'flags', value: inner.value.filter((f) => mask.includes(f)), exact: true };
  }
  if ('fib' in left) return unknown('a fib (routing) lookup');
  return unknown(`${Object.keys(left)[0] ?? 'an'} expression`);
}

/** Flag names of a right operand: `syn`, `{"|": ["fin", "syn"]}`, `["established", "related"]`. */
function flagList(right: NftJson): string[] {
  if (typeof right === 'string') return [right];
  if (Array.isArray(right)) return right.flatMap(flagList);
  if (isObject(right) && Array.isArray(right['|'])) return (right['|'] as NftJson[]).flatMap(flagList);
  if (isObject(right) && Array.isArray(right.set)) return (right.set as NftJson[]).flatMap(flagList);
  return [];
}

/** Named sets and maps of the rule's table, by name. */
export type SetLookup = (name: string) => NftSet | undefined;

/** True when `value` is `elem` or inside it (prefix, range, set, named set). */
function matchesElement(value: Value, elem: NftJson, sets: SetLookup): Tri {
  if (isObject(elem) && isObject(elem.elem)) return matchesElement(value, elem.elem.val, sets);
  if (typeof elem === 'string' && elem.startsWith('@')) {
    const set = sets(elem.slice(1));
    if (set === undefined) return 'unknown';
    return anyOf(
      set.elem.map((e): NftJson => (set.map && Array.isArray(e) ? (e as NftJson[])[0] : e)),
      value,
      sets,
    );
  }
  if (Array.isArray(elem)) return anyOf(elem, value, sets);
  if (isObject(elem) && Array.isArray(elem.set)) return anyOf(elem.set as NftJson[], value, sets);
  if (isObject(elem) && 'concat' in elem) return 'unknown';
  switch (value.kind) {
    case 'num':
      if (typeof elem === 'number') return value.value === elem;
      if (isObject(elem) && Array.isArray(elem.range))
        return value.value >= Number(elem.range[0]) && value.value <= Number(elem.range[1]);
      return 'unknown';
    case 'str':
      if (typeof elem === 'number') return PROTO_NUMBERS[value.value] === elem;
      if (typeof elem !== 'string') return 'unknown';
      return elem.endsWith('*') ? value.value.startsWith(elem.slice(0, -1)) : value.value === elem;
    case 'flags':
      return flagList(elem).some((f) => value.value.includes(f));
    case 'addr': {
      if (isObject(elem) && isObject(elem.prefix)) {
        const { addr, len } = elem.prefix;
        if (Number(len) === 0) return true;
        return value.value !== undefined && inPrefix(value.value, `${String(addr)}/${String(len)}`);
      }
      if (isObject(elem) && Array.isArray(elem.range))
        return value.value !== undefined && inRange(value.value, String(elem.range[0]), String(elem.range[1]));
      return typeof elem === 'string' && value.value !== undefined && inPrefix(value.value, elem);
    }
    default:
      return 'unknown';
  }
}

function anyOf(elems: readonly NftJson[], value: Value, sets: SetLookup): Tri {
  let result: Tri = false;
  for (const e of elems) {
    const m = matchesElement(value, e, sets);
    if (m === true) return true;
    if (m === 'unknown') result = 'unknown';
  }
  return result;
}

/** Evaluates `left OP right` for a value read from the packet. */
export function compare(value: Value, op: string, right: NftJson, sets: SetLookup): Tri {
  if (value.kind === 'mismatch') return false;
  if (value.kind === 'unknown') return 'unknown';
  if (value.kind === 'flags' && value.exact === true) {
    const want = flagList(right);
    const same = want.length === value.value.length && want.every((f) => value.value.includes(f));
    return op === '!=' ? !same : same;
  }
  if (value.kind === 'num' && typeof right === 'number') {
    if (op === '<') return value.value < right;
    if (op === '>') return value.value > right;
    if (op === '<=') return value.value <= right;
    if (op === '>=') return value.value >= right;
  }
  const m = matchesElement(value, right, sets);
  if (op === '==' || op === 'in') return m;
  if (op === '!=') return m === 'unknown' ? m : !m;
  return 'unknown';
}
