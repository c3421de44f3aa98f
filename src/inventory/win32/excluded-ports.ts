import { parseExcludedPortRanges } from './parse-excluded-ports.js';
import { runTool } from './run-tool.js';

/** A port range Windows will not let a program bind (Hyper-V/WinNAT/WSL/Docker reservations, administered ones). */
export interface ExcludedPortRange {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  /** First and last port of the range, inclusive. */
  readonly start: number;
  readonly end: number;
}

const TIMEOUT_MS = 15_000;

/**
 * Every excluded port range of this machine, from `netsh int ipv4|ipv6 show excludedportrange
 * protocol=tcp|udp` (four runs, in parallel), read by their numbers only (the text around them is in the
 * system's language). A bind inside one fails with EACCES (WSAEACCES) although nothing listens, which
 * `netstat` and Get-NetTCPConnection do not show. A netsh run that fails adds no ranges: the result is
 * what could be read, never an error.
 */
export async function excludedPortRangesWin32(): Promise<ExcludedPortRange[]> {
  const queries = (['inet', 'inet6'] as const).flatMap((family) =>
    (['tcp', 'udp'] as const).map((protocol) => ({ family, protocol })),
  );
  const results = await Promise.all(
    queries.map(async (query) => ({
      query,
      result: await runTool(
        'netsh',
        ['int', query.family === 'inet' ? 'ipv4' : 'ipv6', 'show', 'excludedportrange', `protocol=${query.protocol}`],
        TIMEOUT_MS,
        'latin1',
      ),
    })),
  );
  return results.flatMap(({ query, result }) =>
    'stdout' in result
      ? parseExcludedPortRanges(result.stdout).map(({ start, end }) => ({ ...query, start, end }))
      : [],
  );
}
