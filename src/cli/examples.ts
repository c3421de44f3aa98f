/**
 * Examples shown at the end of each `--help` (and by `portscope help VERB`), by verb; '' is
 * `portscope` alone. One source, so that the help and the docs show the same commands.
 */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  '': ['portscope', 'portscope --json', 'portscope -n --fields port,process', 'portscope help who'],
  ls: [
    'portscope ls -tlnp',
    "portscope ls state established '( dport = :ssh or sport = :ssh )'",
    'portscope ls -xp --json',
  ],
  stats: ['portscope stats', 'portscope stats --json'],
  who: ['portscope who 3000', 'portscope who :5432', 'portscope who 53/udp', 'portscope who 127.0.0.1:http'],
  info: ['portscope info 5432', 'portscope info postgresql', 'portscope info :3000 --json'],
  free: [
    'portscope free',
    'portscope free --after 2999',
    'portscope free --range 8000-8999 --count 3 --order ascending',
  ],
  kill: ['portscope kill 3000', 'portscope kill 3000 --dry-run', 'portscope kill 8080 -s INT -t 10s --force --yes'],
  wait: [
    'portscope wait localhost:5432',
    'portscope wait http://localhost:3000/health -t 60s -- npm test',
    'portscope wait :8080 --until free',
  ],
  audit: [
    'portscope audit',
    'portscope audit --init > portscope-policy.yml',
    'portscope audit --policy portscope-policy.yml --fail-on high',
    'portscope audit --policy portscope-policy.yml --firewall nft > portscope.nft',
  ],
  diff: ['portscope ls -p --json > before.json; portscope diff before.json -', 'portscope diff a.json b.json --json'],
  doctor: ['portscope doctor 3000', 'portscope doctor 8080 --host 192.168.1.10'],
  scan: [
    'portscope scan 192.168.1.0/24 -p 22,80,443',
    'portscope scan example.org -sV --top-ports 100',
    'portscope scan 10.0.0.5 -Pn -p- -oX out.xml',
  ],
  exporter: [
    'portscope exporter',
    'portscope exporter --listen :9096 --web.config.file /etc/portscope/web.yml',
    'portscope exporter --textfile /var/lib/node_exporter/textfile_collector',
  ],
  completion: ['eval "$(portscope completion bash)"', 'portscope completion fish | source'],
  nc: [
    'portscope nc example.org 80',
    'portscope nc -l 8080',
    'portscope nc --tls example.org 443',
    'portscope nc -z 127.0.0.1 20-25',
  ],
  watch: [
    'portscope watch --events',
    'portscope watch --format osquery >> /var/log/portscope/results.log',
    'portscope watch --exec logger -t portscope',
  ],
};

/** The `Examples:` block for `verb`, or '' when it has none. */
export function examplesText(verb: string): string {
  const list = EXAMPLES[verb] ?? [];
  return list.length === 0 ? '' : `\nExamples:\n${list.map((e) => `  $ ${e}`).join('\n')}\n`;
}
