import { describe, expect, it } from 'vitest';
import { endInput, exitWithin, inLab, readNew, send, sleep, stdoutEnded } from '../helpers/nc-suite.js';
import type { Running } from '../helpers/nc.js';
import { useSuiteCert, ncatClient, ncatServer, P, realNcat, serverClient, type Spec } from '../helpers/ncat-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// nmap's ncat/test/ncat-test.pl: EOF, --send-only/--recv-only, -C and idle time-out cases, one
// per peer test and variant (tcp, udp, tcp ssl: the suite's SCTP and DTLS variants are not
// portscope's), against `portscope nc --compat ncat`.

const can = builtCli && canMakeNetnsFor('the ncat suite') && hasTool('openssl', 'the ncat suite');
const suite = useSuiteCert();

/**
 * eof_test: `writer` sends abc, `reader` gets it; `writer`'s stdin ends; `reader`'s stdout must
 * end, and a second later `proc` must have stopped.
 */
async function eofCase(writer: Running, reader: Running, proc: Running): Promise<void> {
  send(writer, 'abc\n');
  expect(await readNew(reader, 10_000)).toBe('abc\n');
  endInput(writer);
  expect(await stdoutEnded(reader, 10_000)).toBe(true);
  expect(await exitWithin(proc, 5000)).not.toBe('running');
}

/** delaywrite: separate writes 100 ms apart, so that the tool reads them apart. */
async function delayWrites(proc: Running, parts: readonly string[]): Promise<void> {
  for (const part of parts) {
    send(proc, part);
    await sleep(100);
  }
}

const CRLF_PARTS = ['\na\nb\n', '---', '\r\nc\r\nd\r\n', '---', 'e\n\nf\n', '---\r', '\n'];
const CRLF_EXPECTED = '\r\na\r\nb\r\n---\r\nc\r\nd\r\n---e\r\n\r\nf\r\n---\r\n';
const PLAIN_PARTS = ['\na\nb\n', '---', '\r\nc\r\nd\r\n'];

const TCP_SSL: Spec[] = ['tcp', 'tcp ssl'];
const ALL: Spec[] = ['tcp', 'udp', 'tcp ssl'];

describe.skipIf(!can).concurrent('ncat-test.pl: EOF, send/recv-only, -C, idle time-out', { timeout: 90_000 }, () => {
  // ncat-test.pl: "Client closes socket write and stops running after stdin EOF"
  it.each(TCP_SSL)('Client closes socket write and stops running after stdin EOF (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], []);
      await eofCase(c, s, c);
    }),
  );

  // ncat-test.pl: "--send-only client closes socket write and stops running after stdin EOF"
  it.each(TCP_SSL)('--send-only client closes socket write and stops running after stdin EOF (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], ['--send-only']);
      await eofCase(c, s, c);
    }),
  );

  // ("Client closes stdout and stops running after socket EOF" is in
  // suite-ncat-pending-reported.test.ts.)

  // ncat-test.pl: "--recv-only client closes stdout and stops running after socket EOF"
  it.each(TCP_SSL)('--recv-only client closes stdout and stops running after socket EOF (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], ['--recv-only']);
      await eofCase(s, c, c);
    }),
  );

  // ncat-test.pl: "--recv-only server closes stdout and stops running after socket EOF"
  it.each(TCP_SSL)('--recv-only server closes stdout and stops running after socket EOF (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, ['--recv-only'], []);
      await eofCase(c, s, s);
    }),
  );

  // ncat-test.pl: "Server closes socket write and keeps running after stdin EOF", "--send-only
  // server closes socket write and stops running after stdin EOF" and "Client -k closes stdout
  // and keeps running after socket EOF" all give the client -k. Deliberately different: ncat
  // takes -k when connecting and it does nothing there; portscope refuses it (exit 2, one line
  // naming it) rather than ignore a flag (docs/netcat.md).
  it.each([
    ['Server closes socket write and keeps running after stdin EOF', 'tcp', []],
    ['Server closes socket write and keeps running after stdin EOF', 'tcp ssl', []],
    ['--send-only server closes socket write and stops running after stdin EOF', 'tcp', ['--send-only']],
    ['--send-only server closes socket write and stops running after stdin EOF', 'tcp ssl', ['--send-only']],
    ['Client -k closes stdout and keeps running after socket EOF', 'tcp', []],
    ['Client -k closes stdout and keeps running after socket EOF', 'tcp ssl', []],
  ] as const)('%s (%s)', (_name, spec, serverArgs) =>
    inLab(async (lab) => {
      if (realNcat) return;
      const server = await ncatServer(lab, [...serverArgs, ...(spec === 'tcp' ? [] : ['--ssl'])]);
      const c = lab.nc('ncat', ['127.0.0.1', P, '-k'], 'ignore');
      expect(await c.exited()).toBe(2);
      expect(c.stderr()).toMatch(/--keep-open/);
      expect(server.child.exitCode).toBeNull();
    }),
  );

  // ncat-test.pl: "--send-only client"
  it.each(ALL)('--send-only client (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], ['--send-only']);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
      send(s, 'abc\n');
      expect(await readNew(c, 1500)).toBe('');
    }),
  );

  // ncat-test.pl: "--send-only server"
  it.each(ALL)('--send-only server (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, ['--send-only'], []);
      send(c, 'abc\n');
      expect(await readNew(s, 1500)).toBe('');
      send(s, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
    }),
  );

  // ncat-test.pl: "--recv-only client" (no UDP in the suite: such a client never sends, so the
  // server never learns of it)
  it.each(TCP_SSL)('--recv-only client (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], ['--recv-only']);
      send(c, 'abc\n');
      expect(await readNew(s, 1500)).toBe('');
      send(s, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
    }),
  );

  // ncat-test.pl: "--recv-only server"
  it.each(ALL)('--recv-only server (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, ['--recv-only'], []);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
      send(s, 'abc\n');
      expect(await readNew(c, 1500)).toBe('');
    }),
  );

  // ncat-test.pl: "--send-only broker": the server's stdin reaches both clients; what a client sends
  // is not relayed.
  it('--send-only broker', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, ['--broker', '--send-only']);
      const c1 = await ncatClient(lab, [], s);
      const c2 = await ncatClient(lab, [], s, 1);
      send(s, 'abc\n');
      expect(await readNew(c1, 10_000)).toBe('abc\n');
      expect(await readNew(c2, 10_000)).toBe('abc\n');
      send(c1, 'abc\n');
      expect(await readNew(c2, 1500)).toBe('');
    }));

  // ncat-test.pl: "--recv-only broker": nothing reaches any client, neither stdin nor a client's data.
  it('--recv-only broker', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, ['--broker', '--recv-only']);
      const c1 = await ncatClient(lab, [], s);
      const c2 = await ncatClient(lab, [], s, 1);
      send(s, 'abc\n');
      expect(await readNew(c1, 1500)).toBe('');
      expect(await readNew(c2, 1500)).toBe('');
      send(c1, 'abc\n');
      expect(await readNew(c2, 1500)).toBe('');
    }));

  // ncat-test.pl: "-C translation on input"
  it.each(ALL)('-C translation on input (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, ['-C'], ['-C']);
      await delayWrites(c, CRLF_PARTS);
      expect(await readNew(s, 10_000)).toBe(CRLF_EXPECTED);
      await delayWrites(s, CRLF_PARTS);
      expect(await readNew(c, 10_000)).toBe(CRLF_EXPECTED);
    }),
  );

  // ncat-test.pl: "-C server no translation on output"
  it.each(ALL)('-C server no translation on output (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, ['-C'], []);
      await delayWrites(c, PLAIN_PARTS);
      expect(await readNew(s, 10_000)).toBe('\na\nb\n---\r\nc\r\nd\r\n');
    }),
  );

  // ncat-test.pl: "-C client no translation on output"
  it.each(TCP_SSL)('-C client no translation on output (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], ['-C']);
      await delayWrites(s, PLAIN_PARTS);
      expect(await readNew(c, 10_000)).toBe('\na\nb\n---\r\nc\r\nd\r\n');
    }),
  );

  // ncat-test.pl: "idle timeout (connect mode)": reads and writes both restart the count.
  it.each(ALL)('idle timeout (connect mode) (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], ['-i', '3000ms']);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
      await sleep(2000);
      send(s, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
      await sleep(2000);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
      await sleep(4000);
      send(s, 'abc\n');
      expect(await readNew(c, 1000)).toBe('');
    }),
  );

  // ncat-test.pl: "idle timeout (listen mode)" (tcp), (tcp ssl), and (udp), where the client
  // writes first so that the server knows it.
  it.each(ALL)('idle timeout (listen mode) (%s)', (spec) =>
    inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, ['-i', '3000ms'], []);
      if (spec === 'udp') {
        send(c, 'abc\n');
        expect(await readNew(s, 10_000)).toBe('abc\n');
      }
      send(s, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
      await sleep(2000);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
      await sleep(2000);
      send(s, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
      await sleep(4000);
      send(c, 'ABC\n');
      expect(await readNew(s, 1000)).toBe('');
    }),
  );
});
