// One farm holder: opens `pairs` loopback TCP connections to its own listener (2 sockets each),
// plus `udp` UDP sockets and `unix` unix stream pairs, prints "ready N" and holds them until
// stdin closes or `lifetimeMs` passes (so a crashed benchmark never leaves sockets behind).
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';

const [pairs = 1000, udp = 0, unix = 0, address = '127.0.0.1', lifetimeMs = 600_000] = process.argv
  .slice(2)
  .map((v, i) => (i === 3 ? v : Number(v)));

const held = [];
const server = net.createServer((s) => held.push(s));
server.maxConnections = Infinity;
server.listen({ host: address, port: 0, backlog: 4096 });
await once(server, 'listening');
const { port } = server.address();

const BATCH = 500;
for (let done = 0; done < pairs; done += BATCH) {
  const n = Math.min(BATCH, pairs - done);
  await Promise.all(
    Array.from({ length: n }, () => {
      const c = net.connect({ host: address, port });
      held.push(c);
      return once(c, 'connect');
    }),
  );
}
for (let i = 0; i < udp; i++) {
  const s = dgram.createSocket('udp4');
  s.bind(0, address);
  held.push(s);
}
if (unix > 0) {
  const path = `\0portscope-bench-${process.pid}`;
  const us = net.createServer((s) => held.push(s));
  us.listen(path);
  await once(us, 'listening');
  held.push(us);
  for (let i = 0; i < unix; i++) held.push(net.connect(path));
}
// Let the last accepts land before reporting.
while (held.length < pairs * 2 + udp) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(`ready ${held.length}\n`);
const quit = () => process.exit(0);
process.stdin.on('end', quit).on('close', quit).resume();
setTimeout(quit, lifetimeMs).unref();
