/**
 * nmap's multi-letter short flags, which commander cannot parse, rewritten to our long options so
 * that `portscope scan -sT -Pn -p- -oX out.xml -iL hosts.txt` works as people type it for nmap.
 */
const REWRITES: Readonly<Record<string, string>> = {
  '-sT': '--tcp',
  '-sU': '--udp',
  '-sV': '--service-version',
  '-Pn': '--no-ping',
  '-oX': '--output-xml',
  '-oG': '--output-grepable',
  '-oJ': '--output-json',
  '-iL': '--input-file',
  '--excludefile': '--exclude-file',
};

/** Rewrites nmap spellings in the arguments of `scan` (after the verb); other arguments pass through. */
export function rewriteNmapFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    const rewritten = REWRITES[arg];
    if (rewritten !== undefined) out.push(rewritten);
    else if (arg === '-p-') out.push('--ports', '-');
    else if (/^-p\S/.test(arg) && !arg.startsWith('--')) out.push('--ports', arg.slice(2));
    else out.push(arg);
  }
  return out;
}
