import type { AllowedPorts } from './allowed.js';

/** The zone the firewalld commands create and make the default. */
export const FIREWALLD_ZONE = 'portscope';

const ANY = { inet: '0.0.0.0/0', inet6: '::/0' };

/**
 * `ufw` commands: reset, deny incoming by default, allow `allowed`, enable. ufw's own before.rules
 * already let in loopback, established/related and the ICMP/ICMPv6 (ND) a host needs.
 */
export function ufwCommands(allowed: readonly AllowedPorts[], header: readonly string[]): string {
  const allows = allowed.flatMap((a) =>
    a.ports.map((p) =>
      a.family === undefined
        ? `ufw allow ${String(p)}/${a.protocol}`
        : `ufw allow proto ${a.protocol} to ${ANY[a.family]} port ${String(p)}`,
    ),
  );
  return [
    ...header.map((h) => `# ${h}`),
    '# Roll back: ufw --force reset keeps the previous rules as /etc/ufw/*.rules.<date>: copy them back, then ufw reload.',
    'ufw --force reset',
    'ufw default deny incoming',
    'ufw default allow outgoing',
    ...allows,
    'ufw --force enable',
    '',
  ].join('\n');
}

/**
 * `firewall-cmd` commands: a zone of our own with target DROP, `allowed` as ports (rich rules for one family),
 * the ICMP types PMTU and ND need, made the default zone. firewalld always lets in loopback and established.
 */
export function firewalldCommands(
  allowed: readonly AllowedPorts[],
  icmp: readonly string[],
  header: readonly string[],
): string {
  const z = `firewall-cmd --permanent --zone=${FIREWALLD_ZONE}`;
  const family = { inet: 'ipv4', inet6: 'ipv6' };
  const ports = allowed.flatMap((a) =>
    a.ports.map((p) =>
      a.family === undefined
        ? `${z} --add-port=${String(p)}/${a.protocol}`
        : `${z} --add-rich-rule='rule family="${family[a.family]}" port port="${String(p)}" protocol="${a.protocol}" accept'`,
    ),
  );
  return [
    ...header.map((h) => `# ${h}`),
    '# Interfaces or sources bound to another zone stay there: move them with --change-interface.',
    `# Roll back: firewall-cmd --set-default-zone=public && firewall-cmd --permanent --delete-zone=${FIREWALLD_ZONE} && firewall-cmd --reload`,
    `firewall-cmd --permanent --delete-zone=${FIREWALLD_ZONE} 2>/dev/null || true`,
    `firewall-cmd --permanent --new-zone=${FIREWALLD_ZONE}`,
    `${z} --set-target=DROP`,
    ...icmp.map((t) => `${z} --add-rich-rule='rule icmp-type name="${t}" accept'`),
    ...ports,
    'firewall-cmd --reload',
    `firewall-cmd --set-default-zone=${FIREWALLD_ZONE}`,
    '',
  ].join('\n');
}
