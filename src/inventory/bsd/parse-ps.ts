/** One process as `ps -o pid= -o uid= -o user= -o lstart= -o command=` prints it. */
export interface PsProcess {
  readonly pid: number;
  readonly uid: number;
  readonly user: string;
  /** ISO 8601 start time (lstart, read as UTC: the collector runs ps with TZ=UTC); 1 s precision. */
  readonly startedAt: string;
  /** The command line as ps prints it: argv joined by spaces (it cannot be split back). */
  readonly commandLine: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const LSTART = /(?:[A-Z][a-z]{2})\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d\d):(\d\d):(\d\d)\s+(\d{4})/;

/**
 * ps's `lstart` (`Mon Jun 16 14:23:09 2025`, C locale, the strftime `%c` form BSD and procps share) as an
 * ISO time, reading it as UTC. Undefined when the text is not one.
 */
export function parseLstart(text: string): string | undefined {
  const m = LSTART.exec(text);
  if (m === null) return undefined;
  const month = MONTHS.indexOf(m[1] ?? '');
  if (month < 0) return undefined;
  const ms = Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const ROW = new RegExp(`^\\s*(\\d+)\\s+(\\d+)\\s+(\\S+)\\s+(${LSTART.source})\\s?(.*)$`);

/**
 * Parses the headerless output of `ps -o pid= -o uid= -o user= -o lstart= -o command= -p PIDS` (macOS,
 * FreeBSD; the order of the columns is the collector's). Lines that do not fit are skipped. Pure.
 */
export function parsePs(text: string): PsProcess[] {
  const out: PsProcess[] = [];
  for (const line of text.split('\n')) {
    const m = ROW.exec(line);
    if (m === null) continue;
    const startedAt = parseLstart(m[4] ?? '');
    if (startedAt === undefined) continue;
    out.push({
      pid: Number(m[1]),
      uid: Number(m[2]),
      user: m[3] ?? '',
      startedAt,
      commandLine: (m[m.length - 1] ?? '').trimEnd(),
    });
  }
  return out;
}
