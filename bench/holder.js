// One farm holder: opens `pairs` loopback TCP connections to its own listener (2 sockets each),
// `udp` UDP sockets and `unix` unix stream pairs; prints "ready N" once every connection is accepted,
// and holds them until stdin closes or `lifetimeMs` passes (a crashed benchmark leaves nothing behind).
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';

const [pairsText = '1000', udpText = '0', unixText = '0', address = '127.0.0.1', lifetimeText = '600000'] =
  process.argv.slice(2);
const [pairs, udp, unix, lifetimeMs] = [pairsText, udpText, unixText, lifetimeText].map(Number);
const quit = () => process.exit(0);
process.stdin.on('end', quit).on('close', quit).resume();
setTimeout(quit, lifetimeMs).unref();

const held = [];
let accepted = 0;
const server = net.createServer((s) => {
  accepted++;
  held.push(s);
});
server.listen({ host: address, port: 0, backlog: 4096 });
await once(server, 'listening');
const { port } = server.address();

const BATCH = 250;
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
  for (let i = 0; i < unix; i++) held.push(net.connect(path));
}
for (let i = 0; i < 500 && accepted < pairs; i++) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(`ready ${accepted === pairs ? 'ok' : 'short'} ${String(accepted)}\n`);
