// Test fixture for policy checks: a TCP listener on ADDRESS (argv[2], default 0.0.0.0) and a free port,
// reported as one JSON line ({"pid", "port"}), held until stdin closes (at most 30 s). Node, not Python:
// it starts in a fraction of the time, which keeps the policy tests short.
import { createServer } from 'node:net';

const server = createServer();
const limit = setTimeout(() => process.exit(0), 30_000);
server.listen(0, process.argv[2] ?? '0.0.0.0', () => {
  console.log(JSON.stringify({ pid: process.pid, port: server.address().port }));
});
process.stdin.on('end', () => {
  clearTimeout(limit);
  process.exit(0);
});
process.stdin.resume();
