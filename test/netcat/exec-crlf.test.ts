import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/index.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

// ncat's -C with --sh-exec sends the program's bare LF as CRLF; portscope --compat ncat beside it.
const hasNcat = hasTool('ncat', 'nc -C --exec tests');

afterEach(() => {
  killAll();
});

/** What a client receives from `start(listener args)`; the client only receives. */
async function received(start: (args: readonly string[]) => Running): Promise<string> {
  const [port] = await findFreePort({ host: '127.0.0.1' });
  const listener = start(['-v', '-C', '-l', '127.0.0.1', String(port), '--sh-exec', "printf 'a\\nb\\r\\nc\\n\\n'"]);
  await listener.waitForStderr(/Listening on/);
  const client = startProcess('ncat', ['--recv-only', '127.0.0.1', String(port)], 10_000, 'ignore');
  expect(await client.exited()).toBe(0);
  return client.stdout().toString();
}

describe.runIf(hasNcat)('nc -C --exec', () => {
  it("converts the program's bare LF to CRLF, as ncat does", async () => {
    const [theirs, mine] = await Promise.all([
      received((args) => startProcess('ncat', args, 10_000, 'ignore')),
      received((args) => startNc(['--compat', 'ncat', ...args], 10_000, 'ignore')),
    ]);
    expect(theirs).toBe('a\r\nb\r\nc\r\n\r\n');
    expect(mine).toBe(theirs);
  });
});
