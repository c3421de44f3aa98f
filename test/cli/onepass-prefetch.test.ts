import { describe, expect, it, type TestContext } from 'vitest';
import { hasNativeAddon, nativeAddon } from '../../src/index.js';
import { onePassUnavailable } from '../../src/inventory/linux/bpf-sockets.js';
import { canMakeNetnsFor, hasTool } from '../helpers/system.js';
import { bundledCli, tracedCli } from '../helpers/traced-cli.js';

// When /run/netns pins a namespace other than its own, a plain `ls` or `who PORT` lists every namespace, as
// root in one BPF pass; the CLI's prefetch (src/cli/prefetch.ts) starts that pass before its code loads. Seen
// from the system calls (strace): the main thread reads the program's object before the listing reads
// /run/netns (after it without the prefetch), the object is read once either way (the listing took the pass),
// and the output is the output without the prefetch. Each run is alone in new network, mount and PID
// namespaces, with a tmpfs on /run/netns that pins one empty namespace of its own.

// A listener and a connection to it on 127.0.0.1 (fixed ports: each namespace is new), held until the
// listing is done (20 s at most).
const SOCKETS = `
import socket, time
server = socket.socket()
server.bind(('127.0.0.1', 7001))
server.listen(8)
client = socket.create_connection(('127.0.0.1', 7001), source_address=('127.0.0.1', 7101))
held = [server, client, server.accept()[0]]
print('ready', flush=True)
time.sleep(20)
`;

const run = tracedCli('portscope-onepass-prefetch-', SOCKETS, 'execve,openat', true);

/** `portscope VERB ARGS` under strace, alone in its namespaces: its output and the main thread's opens. */
async function traced(verb: string, args: readonly string[], prefetch: '0' | '1') {
  const { stdout, lines, main } = await run(verb, args, { PORTSCOPE_PREFETCH: prefetch });
  const opened = (l: string) => /openat\([^,]+, "([^"]+)"/.exec(l)?.[1] ?? '';
  const mainOpens = lines.filter((l) => l.split(' ')[0] === main).map(opened);
  const objectReads = lines.map(opened).filter((path) => path.endsWith('/native/bpf/sockets.bpf.o')).length;
  // The listing's scope reads /run/netns (readNetnsNames), then starts the pass or takes the prefetched one;
  // the prefetch read /run/netns and the object before that.
  const object = mainOpens.findIndex((path) => path.endsWith('/native/bpf/sockets.bpf.o'));
  const objectBeforeScope = object >= 0 && object < mainOpens.lastIndexOf('/run/netns');
  return { stdout, objectReads, objectBeforeScope };
}

function skipWithoutOnePass(context: TestContext): void {
  const query = {
    protocols: new Set(['tcp'] as const),
    families: new Set(['inet', 'inet6'] as const),
    tcpListenersOnly: false,
    tcpStateMask: 0,
  };
  const why = onePassUnavailable(nativeAddon() ?? null, { namespaces: 2, query, details: false });
  if (why !== undefined) context.skip(`the one pass cannot run here: ${why}`);
}

describe.skipIf(
  !bundledCli ||
    !hasNativeAddon() ||
    !canMakeNetnsFor('the one-pass prefetch') ||
    !hasTool('strace', 'the one-pass prefetch') ||
    !hasTool('python3', 'the one-pass prefetch'),
)('a plain ls or who over several namespaces takes the one pass it started before loading', () => {
  const cases: [string, string[]][] = [
    ['who', ['7001/tcp']],
    ['ls', ['-tan']],
    ['ls', ['-tlnp']],
  ];
  it.for(cases)('%s %j: the object read first, once; the same output as without', async ([verb, args], context) => {
    skipWithoutOnePass(context);
    const prefetched = await traced(verb, args, '1');
    const plain = await traced(verb, args, '0');
    expect({ verb, args, first: prefetched.objectBeforeScope, reads: prefetched.objectReads }).toEqual({
      verb,
      args,
      first: true,
      reads: 1,
    });
    expect({ verb, args, first: plain.objectBeforeScope, reads: plain.objectReads }).toEqual({
      verb,
      args,
      first: false,
      reads: 1,
    });
    // The fixture's lines, as sets: the kernel's hash order differs from one new namespace to the next, and
    // namespaces that other tests pin on the host at the time can be listed too (the new mount namespace
    // still holds their nsfs mounts under the tmpfs: readPinnedNetns finds them in mountinfo).
    const fixture = (stdout: string) =>
      stdout
        .split('\n')
        .filter((l) => /:7[01]01\b/.test(l))
        .sort();
    expect(fixture(prefetched.stdout)).toEqual(fixture(plain.stdout));
    // ls -tan: the listener and both ends of the connection; ls -tlnp: the listener; who 7001: the listener and
    // the connection it accepted.
    const expected = verb === 'who' ? 2 : args.join('').includes('l') ? 1 : 3;
    expect(fixture(prefetched.stdout).length).toBe(expected);
  });
});
