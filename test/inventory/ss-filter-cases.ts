/**
 * Filter expressions that ss 6.1 accepts, run against the socket farm of test/helpers/ss-farm.py by
 * ss-filter-differential.test.ts. A plain string must select the same sockets as ss; an entry with
 * `diverges` is a deliberate divergence listed in docs/filter.md (the test checks it still differs).
 * `requires` names a Socket field that only the sock_diag reader fills: the case runs once the listing has it.
 */
export interface FilterCase {
  readonly expr: string;
  readonly diverges?: string;
  readonly requires?: 'ifindex' | 'mark';
}

/** iproute2's testsuite/tests/ss/ssfilter.t, expression by expression. */
const SSFILTER_T = [
  'dport = 22',
  'dport 22',
  '( dport = 22 )',
  'src = 0.0.0.0',
  'src 0.0.0.0',
  'src 0.0.0.0 sport = 22',
  'src 0.0.0.0 and sport = 22',
  'src 10.0.0.1 and sport = 22 and dport = 50312',
  'src 10.0.0.1 and sport = 22 and ( dport = 50312 )',
  'src 10.0.0.1 and ( sport = 22 and dport = 50312 )',
  '( src 10.0.0.1 and sport = 22 ) and dport = 50312',
  '( src 0.0.0.0 or src 10.0.0.1 ) and dst 10.0.0.2',
];

const PORTS = [
  'sport = :22',
  'sport = 22',
  'sport 22',
  'sport == :22',
  'sport eq 22',
  'sport = :ssh',
  'sport = :https',
  'dport = :postgresql',
  'sport = :domain',
  'dport = :22',
  'dport = :5432',
  'sport != :22',
  'sport ne :22',
  'sport neq 22',
  'sport > :1024',
  'sport gt 1024',
  'sport < :1024',
  'sport lt :100',
  'sport >= :443',
  'sport ge 443',
  'sport geq 443',
  'sport <= :443',
  'sport le :443',
  'sport leq 443',
  'dport > :1024',
  'dport < :100',
  'dport >= :8080',
  'dport <= :80',
  'dport != :0',
  'sport = 0x50',
  'sport = :0x50',
  'sport = 026',
  'sport = :026',
  'sport = 032',
  'sport = +22',
  'sport = *',
  'sport = :*',
  'dport = *',
  'sport != *',
  'sport = inet:22',
  'sport = inet::22',
  'sport = inet6::443',
  'sport = inet6:443',
  'dport = inet6::8080',
  'sport = inet::443',
  'sport > :0',
  'sport = :0',
  'dport = :0',
  'dport > :0',
  'dport = :0 and src unix:*',
];

const HOSTS = [
  'src 10.0.0.1',
  'dst 10.0.0.1',
  'src 127.0.0.1',
  'dst 127.0.0.1',
  'src 10/8',
  'src 10.0/16',
  'src 10.0.0',
  'src 10.1.2.3',
  'src 10.1.2',
  'src 10.0.0.0/8',
  'src 10.0.0.1/8',
  'src 10.0.0.0/255.0.0.0',
  'src 0x0a.0.0.1',
  'src 012.0.0.1',
  'src 127.0.0.1:5432',
  'src 10.0.0.1:22',
  'dst 10.0.0.1:22',
  'dst 10.1.2.3:5000',
  'src *:22',
  'src *:*',
  'src *',
  'dst *',
  'src :22',
  'src *:ssh',
  'src inet:10.0.0.1',
  'src inet:*',
  'src inet6:*',
  'dst inet6:*',
  'src inet:0.0.0.0/0',
  'src ::/0',
  'src inet6:::/0',
  'src any',
  'src all',
  'dst any',
  'src default',
  'src [::1]',
  'src [::1]:8080',
  'dst [::1]:8080',
  'src [::]:443',
  'src [::]',
  'src [fd00::1]:80',
  'src [fd00::/16]',
  'src fd00::/16',
  'src ::1:8080',
  'src fd00::1:80',
  'dst ::1:8080',
  'dst [::ffff:127.0.0.1]',
  'src [::ffff:127.0.0.1]',
  'src [::ffff:127.0.0.1]:443',
  'dst inet6:[::ffff:127.0.0.1]',
  'src [::ffff:127.0.0.0/104]',
  'src [10.0.0.1]:22',
  // With `inet:` ss asks the resolver for IPv4 only, which /etc/hosts answers; an IPv6 question would go
  // to DNS, which cannot answer in this namespace.
  'src inet:localhost',
  'dst inet:localhost',
  'src inet:localhost:5432',
  'dst 0.0.0.0',
];

const UNIX = [
  'src unix:*',
  'src unix:/tmp/*',
  'src unix:*Alpha*',
  'src unix:*alpha*',
  'src unix:*ALPHA.SOCK',
  'src unix:*/b?.sock',
  'src unix:*/[ab]*',
  'src unix:*/[!b]*',
  'src unix:*/[[:upper:]]*',
  'src unix:*/[a-b]???.sock',
  'src unix:@*',
  'src unix:@portscope-farm',
  'src unix:@PORTSCOPE*',
  'dst unix:*',
  'dst unix:/tmp/*',
  'src unix:',
  'dst unix:',
  'src inet:10.0.0.1 or src unix:*sock',
  'src unix:* or sport = :22',
  'not src unix:*Alpha*',
  'sport = :22 or src unix:*beta*',
];

const STATES = [
  'state listening',
  'state established',
  'state time-wait',
  'state syn-rcv',
  'state syn-recv',
  'state closed',
  'state connected',
  'state synchronized',
  'state bucket',
  'state big',
  'state all',
  'state ESTABLISHED',
  'exclude listening',
  'excl listening',
  'state listening state established',
  'exclude listening exclude established',
  'exclude listening state listening',
  'state listening sport = :22',
  'state established ( dport = :22 or sport = :22 )',
  'state connected src inet6:*',
  'state listening src unix:*',
  'exclude closed dport = :0',
];

const OPERATORS = [
  'not sport = :22',
  '! sport = :22',
  'sport = :22 or sport = :80',
  'sport = :22 | sport = :80',
  'sport = :22 || dport = :22',
  'sport = :22 and dst 10.0.0.1',
  'sport = :22 & src 10.0.0.1',
  'sport = :22 && src 10.0.0.1',
  '( sport = :22 )',
  '( ( sport = :22 ) )',
  'not ( sport = :22 or sport = :80 )',
  '! ( src 127.0.0.1 )',
  'not not sport = :22',
  'sport = :22 and sport = :22 or sport = :80',
  '( sport = :22 or sport = :80 ) and src 10.0.0.1',
  'not src 127.0.0.1 and not src 10.0.0.1',
  'autobound and src unix:*',
];

/** Deliberate divergences: each is in docs/filter.md's list with its reason. */
const DIVERGENT: FilterCase[] = [
  {
    expr: 'sport = :22 or sport = :80 and src 10.0.0.1',
    diverges: '`and` binds tighter than `or` (ss man page); ss reads them left to right',
  },
  {
    expr: 'autobound',
    diverges:
      'a port bound by hand inside the ephemeral range counts as autobound (no SOCK_BINDPORT_LOCK in user space)',
  },
  {
    expr: 'not autobound',
    diverges:
      'an accepted connection matches neither `autobound` nor `not autobound` in ss (kernel and user-space rules differ)',
  },
  {
    expr: 'state listening exclude listening',
    diverges: 'an empty state set matches nothing; ss falls back to its default states',
  },
  { expr: 'sport > *', diverges: 'ordering against `*` matches nothing; ss matches every unix socket' },
];

/** Predicates on fields only the sock_diag reader fills (skipped while the listing does not have them). */
const KERNEL_FIELDS: FilterCase[] = [
  { expr: 'dev = lo', requires: 'ifindex' },
  { expr: 'dev lo', requires: 'ifindex' },
  { expr: 'dev = 1', requires: 'ifindex' },
  { expr: 'dev = lo and sport = :7001', requires: 'ifindex' },
  { expr: 'dev != lo', requires: 'ifindex' },
  { expr: 'fwmark = 0x13', requires: 'mark' },
  { expr: 'fwmark = 0x10/0xf0', requires: 'mark' },
  { expr: 'fwmark != 0x13', requires: 'mark' },
  { expr: 'fwmark = 19 and src inet:*', requires: 'mark' },
  {
    expr: 'fwmark = 0',
    requires: 'mark',
    diverges: 'ss counts a unix socket as mark 0; a socket without the field does not match',
  },
];

/** Every case of the differential. */
export const FILTER_CASES: readonly FilterCase[] = [
  ...[...SSFILTER_T, ...PORTS, ...HOSTS, ...UNIX, ...STATES, ...OPERATORS].map((expr) => ({ expr })),
  ...DIVERGENT,
  ...KERNEL_FIELDS,
];
