/** How a finding bears on the problem: `problem` explains a failure, `ok` rules a cause out, `info` is context. */
export type FindingStatus = 'ok' | 'problem' | 'info';

/**
 * What a finding is about (stable ids for programs):
 * `bind` (a new listener can bind), `address-in-use`, `dual-stack` (an `::` listener also takes IPv4),
 * `time-wait`, `privileged-port`, `connect` (a connect succeeded), `refused`, `other-address`
 * (listening, but not on the address connected to), `other-netns` (listening in another network
 * namespace or container), `timeout`, `firewall`, `backlog-full`, `not-checked`, `excluded-port` (in
 * one of Windows' excluded port ranges).
 */
export type FindingId =
  | 'bind'
  | 'address-in-use'
  | 'dual-stack'
  | 'time-wait'
  | 'privileged-port'
  | 'connect'
  | 'refused'
  | 'other-address'
  | 'other-netns'
  | 'timeout'
  | 'firewall'
  | 'backlog-full'
  | 'not-checked'
  | 'excluded-port';

/** One item of the checklist: a title, the evidence for it (facts as read), and fixes to try. */
export interface Finding {
  readonly id: FindingId;
  readonly status: FindingStatus;
  /** One line: `127.0.0.1:80 is in use by nginx (pid 812)`. */
  readonly title: string;
  readonly evidence: readonly string[];
  readonly fixes: readonly string[];
}

/** Builds a finding; evidence and fixes default to none. */
export function finding(
  id: FindingId,
  status: FindingStatus,
  title: string,
  evidence: readonly string[] = [],
  fixes: readonly string[] = [],
): Finding {
  return { id, status, title, evidence, fixes };
}
