import { currentPlatform } from '../../inventory/platform.js';
import type { NamespaceInfo, Socket } from '../../model/index.js';
import type { AddressAttempt } from '../connect-probe.js';
import type { FirewallReport } from '../firewall/read-firewall.js';
import { coversHost } from '../who-owns.js';
import { describe } from './describe.js';
import { finding, type Finding } from './finding.js';
import { readNetstat } from './netstat.js';

/**
 * diagnosePort's findings from the packet filter read after every connect to TCP `port` failed: the rules
 * that drop or reject it (`problem`), the chains whose policy drops what no rule accepts (`info`), and a
 * note when neither nft nor iptables could be read.
 */
export function firewallFindings(firewall: FirewallReport, port: number): Finding[] {
  const findings: Finding[] = [];
  const rules = firewall.rules.filter((r) => !r.policy);
  const policies = firewall.rules.filter((r) => r.policy);
  if (rules.length > 0) {
    findings.push(
      finding(
        'firewall',
        'problem',
        `${String(rules.length)} packet-filter rule(s) drop or reject TCP port ${String(port)}`,
        rules.map((r) => `${r.source}: ${r.text}`),
        ['remove or narrow the rule (nft delete rule FAMILY TABLE CHAIN handle N; iptables -D ...)'],
      ),
    );
  }
  if (policies.length > 0) {
    findings.push(
      finding(
        'firewall',
        'info',
        'Some chains drop what no rule accepts',
        policies.map((r) => `${r.source}: ${r.text}`),
      ),
    );
  }
  if (firewall.unavailable.length > 0 && firewall.checked.length === 0) {
    findings.push(finding('not-checked', 'info', 'The packet filter could not be read', [...firewall.unavailable]));
  }
  return findings;
}

/**
 * diagnosePort's finding when no connect succeeded and a listener that takes the tried addresses has a full
 * accept queue (Recv-Q above its backlog, Send-Q, on a LISTEN socket), with /proc/net/netstat's
 * TcpExt ListenOverflows on Linux as evidence. Empty when no queue is full.
 */
export function backlogFindings(
  listeners: readonly Socket[],
  connect: readonly AddressAttempt[],
  namespaces: readonly NamespaceInfo[],
): Finding[] {
  const full = listeners.filter(
    (s) =>
      s.sendQ !== undefined &&
      s.recvQ !== undefined &&
      s.sendQ > 0 &&
      s.recvQ > s.sendQ &&
      connect.some((a) => coversHost(s, a.address)),
  );
  if (full.length === 0) return [];
  const overflows = currentPlatform() === 'linux' ? readNetstat().get('TcpExt:ListenOverflows') : undefined;
  return [
    finding(
      'backlog-full',
      'problem',
      `The accept queue is full: the server does not accept() connections as fast as they come`,
      [
        ...full.map(
          (s) =>
            `${describe(s, namespaces)}: ${String(s.recvQ)} connections wait to be accepted, backlog ${String(s.sendQ)}`,
        ),
        ...(overflows === undefined ? [] : [`TcpExt ListenOverflows = ${String(overflows)} (since boot, every port)`]),
      ],
      [
        'find why the server stopped accepting (a blocked event loop, too few workers)',
        'raise its listen() backlog and net.core.somaxconn',
      ],
    ),
  ];
}
