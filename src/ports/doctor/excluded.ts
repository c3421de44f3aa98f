import { rangeHolding, unbindableRanges } from '../excluded-ranges.js';
import { finding, type Finding } from './finding.js';

/**
 * The `excluded-port` problem when `port` lies in one of Windows' excluded TCP port ranges for `bindHost`
 * (undefined: every address), read through netsh (see unbindableRanges), as a list of one; empty when
 * it does not, or on another platform.
 */
export async function excludedPortFindings(port: number, bindHost: string | undefined): Promise<Finding[]> {
  const range = rangeHolding(await unbindableRanges('tcp', bindHost), port);
  if (range === undefined) return [];
  return [
    finding(
      'excluded-port',
      'problem',
      `Port ${String(port)} is in an excluded port range of Windows (${String(range.start)}-${String(range.end)}): a bind fails with EACCES (WSAEACCES) although nothing listens`,
      [`netsh int ${range.family === 'inet' ? 'ipv4' : 'ipv6'} show excludedportrange protocol=tcp`],
      [
        'pick a port outside the ranges: portscope free',
        'the ranges belong to Hyper-V, WSL or Docker (WinNAT): `net stop winnat` then `net start winnat` often moves them',
        `or reserve the port before they take it (admin): netsh int ipv4 add excludedportrange protocol=tcp startport=${String(port)} numberofports=1`,
      ],
    ),
  ];
}
