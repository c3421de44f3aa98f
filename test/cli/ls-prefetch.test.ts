import { describe, expect, it } from 'vitest';
import { hasNativeAddon } from '../../src/index.js';
import { canMakeNetnsFor, hasTool } from '../helpers/system.js';
import { bundledCli, tracedCli } from '../helpers/traced-cli.js';

// A plain TCP `ls`, or a plain `who PORT`, starts its sock_diag dump on a threadpool thread before the CLI's
// code loads (src/cli/prefetch.ts), and the listing takes that dump instead of making its own. Seen from the
// system calls (strace): the requests go out from a thread other than the main one, and the output is the
// output without the prefetch. Each run is alone in new network, mount and PID namespaces (no /run/netns
// entry, no other process), so that the listing reads exactly one namespace, this one, as on a plain host.

// Inside the namespaces: loopback up, an empty /run/netns, then sockets of both families (a listener and a
// connection to it on 127.0.0.1 and on ::1, on fixed ports: the namespace is new, so that runs compare), held until the listing is done (20 s at most).
const SOCKETS = `
import socket, time
held = []
for family, host, port in ((socket.AF_INET, '127.0.0.1', 7001), (socket.AF_INET6, '::1', 7002)):
    server = socket.socket(family)
    server.bind((host, port))
    server.listen(8)
    client = socket.create_connection((host, port), source_address=(host, port + 100))
    held += [server, client, server.accept()[0]]
print('ready', flush=True)
time.sleep(20)
`;

const run = tracedCli('portscope-ls-prefetch-', SOCKETS, 'execve,sendto');

/** `portscope VERB ARGS` under strace, alone in its namespaces: its output and which threads sent requests. */
async function traced(args: readonly string[], prefetch: '0' | '1', verb = 'ls') {
  // `who` exits 1 when nothing holds the port (the UDP form below): its output still counts.
  const { stdout, lines, main } = await run(verb, args, { PORTSCOPE_PREFETCH: prefetch }, verb === 'who' ? [1] : []);
  const senders = lines
    .filter((l) => /sendto\(\d+, \[\{nlmsg_len=/.test(l))
    .map((l) => (l.split(' ')[0] === main ? 'main thread' : 'another thread'));
  return { stdout, senders };
}

/** The rows `ls ARGS` lists of the sockets above: listeners (-l), connected ones (default) or all (-a). */
function expectedRows(args: readonly string[]): number {
  const flags = args.join('');
  const families = /[46]/.test(flags) ? 1 : 2;
  if (flags.includes('a')) return 3 * families;
  return (flags.includes('l') ? 1 : 2) * families;
}

describe.skipIf(
  !bundledCli || !hasNativeAddon() || !canMakeNetnsFor('the ls prefetch') || !hasTool('strace', 'the ls prefetch'),
)('a plain TCP ls takes the dump it started before loading', () => {
  const forms = [['-tan'], ['-tn'], ['-tln'], ['-tanp'], ['-t4an'], ['-t6ln'], ['-t', '-a', '-n'], ['-tanH']];
  it.each(forms)('ls %s: one request, sent from a threadpool thread; the same output as without', async (...args) => {
    const prefetched = await traced(args, '1');
    const plain = await traced(args, '0');
    expect({ args, senders: prefetched.senders }).toEqual({ args, senders: ['another thread'] });
    expect({ args, senders: plain.senders }).toEqual({ args, senders: ['main thread'] });
    // The kernel's hash order differs from one new namespace to the next: compare the lines as sets.
    const sorted = (stdout: string) => stdout.split('\n').sort();
    expect(sorted(prefetched.stdout)).toEqual(sorted(plain.stdout));
    expect(prefetched.stdout.split('\n').filter((l) => l.startsWith('tcp')).length).toBe(expectedRows(args));
  });

  it('ls with a filter, or UDP, dumps for itself', async () => {
    for (const args of [['-tan', 'sport', '>', ':0'], ['-tuan'], ['-tan', '--json']]) {
      const { senders } = await traced(args, '1');
      expect({ args, senders: [...new Set(senders)] }).toEqual({ args, senders: ['main thread'] });
    }
  });
});

describe.skipIf(
  !bundledCli || !hasNativeAddon() || !canMakeNetnsFor('the who prefetch') || !hasTool('strace', 'the who prefetch'),
)('a plain who PORT takes the dump it started before loading', () => {
  // TCP alone: one request for both families; without a protocol also UDP and UDP-Lite, one per family.
  const forms: [string[], number][] = [
    [['7001/tcp'], 1],
    [['7002'], 5],
    [['-n', ':7001/TCP', '-H'], 1],
    [['7002/udp'], 4],
  ];
  it.each(forms)(
    'who %s: its requests sent from a threadpool thread; the same output as without',
    async (args, count) => {
      const prefetched = await traced(args, '1', 'who');
      const plain = await traced(args, '0', 'who');
      const threads = (name: string) => Array.from({ length: count }, () => name);
      expect({ args, senders: prefetched.senders }).toEqual({ args, senders: threads('another thread') });
      expect({ args, senders: plain.senders }).toEqual({ args, senders: threads('main thread') });
      expect(prefetched.stdout).toBe(plain.stdout);
      // The listener and the connection it accepted (TCP), or nothing (UDP: who then exits 1).
      expect(prefetched.stdout.split('\n').filter((l) => l.startsWith('tcp')).length).toBe(
        args.join().includes('udp') ? 0 : 2,
      );
    },
  );

  it('who as JSON, or in a namespace named on the command line, dumps for itself', async () => {
    for (const args of [
      ['7001', '--json'],
      ['7001/tcp', '--netns', 'host'],
    ]) {
      const { senders } = await traced(args, '1', 'who');
      expect({ args, senders: [...new Set(senders)] }).toEqual({ args, senders: ['main thread'] });
    }
  });
});
