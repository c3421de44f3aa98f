/** A port range Windows reserves (Hyper-V, WinNAT, WSL, Docker, or an administrator's `add excludedportrange`). */
export interface ExcludedRange {
  readonly start: number;
  readonly end: number;
  /** Marked `*` by netsh: added by an administrator (persistent), not by a service at boot. */
  readonly administered: boolean;
}

/**
 * Parses `netsh int ipv4|ipv6 show excludedportrange protocol=tcp|udp` by its numbers only: every line that
 * is exactly two port numbers (start, end), optionally followed by `*`. Titles, column headers, rules and the
 * footnote are in the system's language (`Puerto de inicio`, `시작 포트`, `开始端口`) and never read.
 */
export function parseExcludedPortRanges(text: string): ExcludedRange[] {
  const ranges: ExcludedRange[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\d{1,5})\s+(\d{1,5})\s*(\*)?\s*$/.exec(line);
    if (!match) continue;
    const start = Number(match[1]);
    const end = Number(match[2]);
    if (start < 1 || end > 65535 || end < start) continue;
    ranges.push({ start, end, administered: match[3] === '*' });
  }
  return ranges;
}
