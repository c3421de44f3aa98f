import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * The audit lab: three namespaces this test creates and deletes (names carry our pid).
 *
 *   client [pc N] 10.77.0.2+.3, fd77::2+3 --veth-- [ps N] 10.77.0.1, fd77::1  server
 *   server [pk N] 10.78.0.1, fd78::1      --veth-- [kc N] 10.78.0.2, fd78::2  "container"
 *
 * The server forwards, so DNAT rules in it can publish the container's listener to the client.
 * Only addresses inside these namespaces are ever probed.
 */
export interface AuditLab {
  readonly server: string;
  readonly client: string;
  readonly container: string;
  readonly serverIfaceToClient: string;
  readonly serverIfaceToContainer: string;
  exec(ns: string, file: string, args: readonly string[], input?: string): string;
  /** Starts a node script (`node`, default this one, with `args` after it) inside a namespace; resolves with the JSON line it prints first. */
  start(ns: string, script: string, node?: string, args?: readonly string[]): Promise<unknown>;
  /** Starts a node script inside a namespace; resolves once it printed its first line. */
  spawn(ns: string, script: string): Promise<{ child: ChildProcess; lines: ReturnType<typeof createInterface> }>;
  close(): void;
}

export function buildAuditLab(): AuditLab {
  const id = String(process.pid);
  const [server, client, container] = [`psaS${id}`, `psaC${id}`, `psaK${id}`];
  const [ps, pc, pk, kc] = [`ps${id}`, `pc${id}`, `pk${id}`, `kc${id}`];
  const children: ChildProcess[] = [];
  const run = (args: readonly string[], input?: string) =>
    execFileSync(args[0] ?? '', args.slice(1), {
      encoding: 'utf8',
      timeout: 10_000,
      ...(input === undefined ? {} : { input }),
    });
  const inNs = (ns: string, ...args: string[]) => run(['ip', 'netns', 'exec', ns, ...args]);
  const close = () => {
    for (const child of children) child.kill('SIGKILL');
    for (const ns of [server, client, container]) {
      try {
        run(['ip', 'netns', 'del', ns]);
      } catch {
        // never created
      }
    }
  };
  try {
    for (const ns of [server, client, container]) run(['ip', 'netns', 'add', ns]);
    run(['ip', 'link', 'add', ps, 'netns', server, 'type', 'veth', 'peer', 'name', pc, 'netns', client]);
    run(['ip', 'link', 'add', pk, 'netns', server, 'type', 'veth', 'peer', 'name', kc, 'netns', container]);
    const addr = (ns: string, dev: string, ...list: string[]) => {
      for (const a of list) inNs(ns, 'ip', 'addr', 'add', a, 'dev', dev, ...(a.includes(':') ? ['nodad'] : []));
      inNs(ns, 'ip', 'link', 'set', dev, 'up');
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    };
    addr(server, ps, '10.77.0.1/24', 'fd77::1/64');
    addr(server, pk, '10.78.0.1/24', 'fd78::1/64');
    addr(client, pc, '10.77.0.2/24', '10.77.0.3/24', 'fd77::2/64', 'fd77::3/64');
    addr(container, kc, '10.78.0.2/24', 'fd78::2/64');
    inNs(container, 'ip', 'route', 'add', 'default', 'via', '10.78.0.1');
    inNs(container, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd78::1');
    inNs(server, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');
    // Neighbour discovery before the first probe: a fresh IPv6 neighbour can take longer than a probe's
    // time-out. One connect per source address to a closed port (answered by a reset), 3 s at most each.
    const warm = (ns: string, target: string, sources: readonly string[]) =>
      run([
        'ip',
        'netns',
        'exec',
        ns,
        process.execPath,
        '-e',
        `const net=require('net');let n=${String(sources.length)};for(const s of ${JSON.stringify(sources)}){const c=net.connect({host:'${target}',port:9,localAddress:s});const t=setTimeout(()=>c.destroy(),3000);c.on('error',()=>{});c.on('close',()=>{clearTimeout(t);if(--n===0)process.exit(0)})}`,
      ]);
    warm(client, 'fd77::1', ['fd77::2', 'fd77::3']);
    warm(container, 'fd78::1', ['fd78::2']);
  } catch (error) {
    close();
    throw error;
  }
  const started = async (ns: string, script: string, node = process.execPath, args: readonly string[] = []) => {
    const child = spawn('ip', ['netns', 'exec', ns, node, '-e', script, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout });
    const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit')])) as [unknown];
    if (typeof first !== 'string') throw new Error(`fixture in ${ns} exited before it was ready`);
    return { child, lines, first };
  };
  return {
    server,
    client,
    container,
    serverIfaceToClient: ps,
    serverIfaceToContainer: pk,
    exec: (ns, file, args, input) => run(['ip', 'netns', 'exec', ns, file, ...args], input),
    async start(ns, script, node, args) {
      return JSON.parse((await started(ns, script, node, args)).first) as unknown;
    },
    async spawn(ns, script) {
      const { child, lines } = await started(ns, script);
      return { child, lines };
    },
    close,
  };
}

/** One connection attempt from a namespace: TCP connect, or a UDP datagram waiting for its echo. */
export interface Probe {
  readonly protocol: 'tcp' | 'udp';
  readonly from: string;
  readonly to: string;
  readonly port: number;
}

// Runs in a prober namespace: reads one JSON list of probes per line, runs them all at once (300 ms
// each at most) and answers with one line of booleans; exits when stdin closes or after 2 minutes.
const PROBER = `
const net = require('node:net'), dgram = require('node:dgram');
const one = (p) => new Promise((done) => {
  if (p.protocol === 'tcp') {
    const s = net.connect({ host: p.to, port: p.port, localAddress: p.from, timeout: 300 });
    const end = (ok) => { s.destroy(); done(ok); };
    s.on('connect', () => end(true)); s.on('timeout', () => end(false)); s.on('error', () => end(false));
    return;
  }
  const s = dgram.createSocket(p.to.includes(':') ? 'udp6' : 'udp4');
  const timer = setTimeout(() => { s.close(); done(false); }, 300);
  s.on('message', () => { clearTimeout(timer); s.close(); done(true); });
  s.on('error', () => { clearTimeout(timer); s.close(); done(false); });
  s.bind(0, p.from, () => s.send('ping', p.port, p.to));
});
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) =>
  Promise.all(JSON.parse(line).map(one)).then((r) => console.log(JSON.stringify(r))));
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), 120000);
console.log('[]');
`;

/** Starts a prober in a namespace; the function runs probes in parallel: true where the connection (or the echo) came through. */
export async function startProber(
  lab: AuditLab,
  ns: string,
): Promise<(probes: readonly Probe[]) => Promise<boolean[]>> {
  const { child, lines } = await lab.spawn(ns, PROBER);
  return async (probes) => {
    const answer = once(lines, 'line');
    child.stdin?.write(`${JSON.stringify(probes)}\n`);
    const [line] = (await answer) as [string];
    return JSON.parse(line) as boolean[];
  };
}
