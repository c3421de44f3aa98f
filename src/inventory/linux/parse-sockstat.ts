/** Counters of /proc/net/sockstat and sockstat6: `{ TCP: { inuse: 5, orphan: 0, tw: 2, ... }, ... }`. */
export type Sockstat = Record<string, Record<string, number>>;

/**
 * Parses sockstat text (`TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1`) into nested counters. Pure.
 * Keys are the kernel's (`sockets`, `TCP`, `UDP`, `UDPLITE`, `RAW`, `FRAG`, `TCP6`, ...).
 */
export function parseSockstat(text: string): Sockstat {
  const result: Sockstat = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const counters: Record<string, number> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) counters[fields[i] ?? ''] = Number(fields[i + 1]);
    result[line.slice(0, colon)] = counters;
  }
  return result;
}

/**
 * The sockets in the kernel's tables by `sockstat`: those in use (`sockets: used`) plus TCP's TIME_WAIT ones
 * (`TCP: tw`), which the tables hold but `used` does not count. What the one BPF pass sizes its record map by.
 */
export function socketsInTables(sockstat: Sockstat): number {
  return (sockstat['sockets']?.['used'] ?? 0) + (sockstat['TCP']?.['tw'] ?? 0);
}
