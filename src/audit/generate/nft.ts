import type { AllowedPorts } from './allowed.js';
import { ICMP4_NEEDED, ICMP6_NEEDED } from './allowed.js';

/** The table the nft output creates; deleting it rolls the change back. */
export const NFT_TABLE = 'inet portscope';

/** An `nft -f` file: its own table with an input chain (policy drop) that lets in `allowed`. */
export function nftRuleset(allowed: readonly AllowedPorts[], header: readonly string[]): string {
  const nfproto = { inet: 'meta nfproto ipv4 ', inet6: 'meta nfproto ipv6 ' };
  const rules = allowed.map(
    (a) => `${a.family === undefined ? '' : nfproto[a.family]}${a.protocol} dport { ${a.ports.join(', ')} } accept`,
  );
  return [
    '#!/usr/sbin/nft -f',
    ...header.map((h) => `# ${h}`),
    `# Apply: nft -f FILE    Roll back: nft delete table ${NFT_TABLE}`,
    // Declaring then deleting the table makes the file idempotent: applying it twice leaves one copy.
    `table ${NFT_TABLE}`,
    `delete table ${NFT_TABLE}`,
    `table ${NFT_TABLE} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tiif "lo" accept',
    '\t\tct state established,related accept',
    `\t\ticmp type { ${ICMP4_NEEDED.join(', ')} } accept`,
    `\t\ticmpv6 type { ${ICMP6_NEEDED.join(', ')} } accept`,
    '\t\tct state invalid drop',
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}
