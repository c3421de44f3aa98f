/**
 * Generated filter expressions for the differential (a fixed cross product, no randomness): every port
 * operator with a spread of port spellings, every host spelling with and without a port, and pairs of
 * predicates under `and`, `or` and `not`. Ordering against `*` is left out (a listed divergence).
 */

const PORT_OPS = ['=', '!=', '<', '<=', '>', '>='];
const PORTS = [
  '0',
  ':22',
  '80',
  ':443',
  '1024',
  '0x1f90',
  '026',
  '5000',
  '40000',
  '65535',
  ':ssh',
  'inet::22',
  'inet6::443',
];
const HOSTS = [
  '10.0.0.1',
  '10/8',
  '10.1.2.3',
  '127.0.0.1',
  '127/8',
  '0.0.0.0',
  '[::1]',
  '[::]',
  'fd00::/16',
  '[fd00::1]',
  '[::ffff:127.0.0.1]',
  '*',
  'any',
  'inet:*',
  'inet6:*',
  'inet:127.0.0.1',
];
const HOST_PORTS = ['', ':22', ':*', ':0x1bb'];
const UNIX = ['unix:*', 'unix:*.sock', 'unix:@*', 'unix:*/?1.sock', 'unix:*[AB]*', 'unix:'];
const ATOMS = [
  'sport = :22',
  'dport = :22',
  'sport > :1024',
  'dport <= :443',
  'src 10.0.0.1',
  'dst 127.0.0.1',
  'src inet6:*',
  'src unix:*sock',
  'dst *',
  'autobound and src unix:*',
];

/** The generated expressions, each once. */
export function generatedCases(): string[] {
  const out = new Set<string>();
  for (const side of ['sport', 'dport'])
    for (const op of PORT_OPS) for (const port of PORTS) out.add(`${side} ${op} ${port}`);
  for (const side of ['src', 'dst']) {
    for (const host of HOSTS) for (const port of HOST_PORTS) out.add(`${side} ${host}${port}`);
    for (const glob of UNIX) out.add(`${side} ${glob}`);
  }
  ATOMS.forEach((a, i) => {
    out.add(`not ${a}`);
    for (const b of ATOMS.slice(i + 1)) {
      out.add(`${a} and ${b}`);
      out.add(`( ${a} ) or ( ${b} )`);
      out.add(`not ( ${a} or ${b} )`);
    }
  });
  return [...out];
}
