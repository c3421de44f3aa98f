import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, endInput, inLab, readNew, send, sleep } from '../helpers/nc-suite.js';
import { useSuiteCert, ncatClient, ncatServer, P, PORT, serverClient, type Spec } from '../helpers/ncat-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// nmap's ncat/test/ncat-test.pl cases that need what portscope nc does not have yet, each named
// after its peer test. They FAIL until then; the feature each needs is in its describe's name.
// Run them by name: npx vitest run test/netcat/suite-ncat-pending.test.ts

const can = builtCli && canMakeNetnsFor('the ncat suite') && hasTool('openssl', 'the ncat suite');
const suite = useSuiteCert();

const ALL: Spec[] = ['tcp', 'udp', 'tcp ssl'];
const cfg = { timeout: 90_000 };

/** A CONNECT-style request through the proxy server on PORT: the status code of its answer. */
async function proxyStatus(
  serverArgs: string[],
  request: string,
  clientArgs: string[] = [],
  spec: Spec = 'tcp',
): Promise<number> {
  return inLab(async (lab) => {
    const { c } = await serverClient(lab, spec, suite.cert, serverArgs, clientArgs);
    send(c, request);
    endInput(c);
    const answer = await readNew(c, 10_000);
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
  });
}

const H = (method: string, uri: string) => `${method} ${uri} HTTP/1.0\r\n\r\n`;
const B64 = (s: string) => Buffer.from(s).toString('base64');

describe.skipIf(!can).concurrent('pending: ncat -o/--output (the other helper)', cfg, () => {
  // ncat-test.pl: "Messages are logged to output file"
  it.each(ALL)('Messages are logged to output file (%s)', (spec) =>
    inLab(async (lab) => {
      const serverLog = join(suite.dir, `server-${lab.name}.log`);
      const clientLog = join(suite.dir, `client-${lab.name}.log`);
      const { s, c } = await serverClient(lab, spec, suite.cert, ['--output', serverLog], ['--output', clientLog]);
      send(c, 'abc\n');
      await sleep(1000);
      send(s, 'def\n');
      await sleep(1000);
      endInput(c);
      await sleep(500);
      expect(readFileSync(serverLog, 'latin1')).toBe('abc\ndef\n');
      expect(readFileSync(clientLog, 'latin1')).toBe('abc\ndef\n');
    }),
  );
});

describe
  .skipIf(!can)
  .concurrent('pending: host names in --allow/--deny, --allowfile/--denyfile (the other helper)', cfg, () => {
    // ncat-test.pl: "Allow localhost (host name)", "Deny localhost (host name)"
    it.each(
      ALL.flatMap((spec) => [
        ['Allow localhost (host name)', spec, '--allow', true] as const,
        ['Deny localhost (host name)', spec, '--deny', false] as const,
      ]),
    )('%s (%s)', (_name, spec, flag, ok) =>
      inLab(async (lab) => {
        const { s, c } = await serverClient(lab, spec, suite.cert, [flag, 'localhost'], []);
        send(c, 'abc\n');
        expect(await readNew(s, ok ? 10_000 : 2000)).toBe(ok ? 'abc\n' : '');
      }),
    );

    // ncat-test.pl: "--allowfile", "--denyfile", each with the two files of the suite (a blank
    // line between entries; two entries on one line).
    it.each(
      ALL.flatMap((spec) =>
        [
          ['blank line', '1.2.3.4\n\nlocalhost'],
          ['one line', '1.2.3.4 localhost'],
        ].flatMap(([what = '', contents = '']) => [
          ['--allowfile', spec, what, contents, true] as const,
          ['--denyfile', spec, what, contents, false] as const,
        ]),
      ),
    )('%s (%s) [%s]', (flag, spec, what, contents, ok) =>
      inLab(async (lab) => {
        const file = join(suite.dir, `${flag.slice(2)}-${what.replace(' ', '-')}-${lab.name}.txt`);
        writeFileSync(file, contents);
        const { s, c } = await serverClient(lab, spec, suite.cert, [flag, file], []);
        send(c, 'abc\n');
        expect(await readNew(s, ok ? 10_000 : 2000)).toBe(ok ? 'abc\n' : '');
      }),
    );
  });

describe.skipIf(!can).concurrent('pending: -C on --exec output, -ku', cfg, () => {
  // ncat-test.pl: "--sh-exec with -C"
  it.each(ALL)('--sh-exec with -C (%s)', (spec) =>
    inLab(async (lab) => {
      const { c } = await serverClient(
        lab,
        spec,
        suite.cert,
        ['--sh-exec', "/usr/bin/perl -ne 'BEGIN{$|=1}print(uc)'", '-C'],
        [],
      );
      send(c, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('ABC\r\n');
    }),
  );

  // ncat-test.pl: "--keep-open --exec (udp)": each UDP client gets a program of its own.
  it('--keep-open --exec (udp)', () =>
    inLab(async (lab) => {
      const s = await ncatServer(lab, ['--keep-open', '--udp', '--exec', '/bin/cat']);
      for (let i = 0; i < 2; i++) {
        const c = await ncatClient(lab, ['--udp'], s);
        send(c, 'abc\n');
        expect(await readNew(c, 10_000)).toBe('abc\n');
      }
    }));
});

describe.skipIf(!can).concurrent('pending: SOCKS4 client (the other helper)', cfg, () => {
  // ncat-test.pl: "Connect through SOCKS4 proxy with -p"
  it.skipIf(!hasTool('python3', 'SOCKS4 case'))('Connect through SOCKS4 proxy with -p', () =>
    inLab(async (lab) => {
      const peer = lab.run(PYTHON, [
        '-c',
        `import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',${String(PORT + 1)}));s.listen(1);s.settimeout(20)\nc,a=s.accept();print(a[1],flush=True);c.close()`,
      ]);
      await lab.bound(peer, PORT + 1);
      lab.nc('ncat', [
        '--proxy-type',
        'socks4',
        '--proxy',
        `127.0.0.1:${String(PORT + 1)}`,
        '-p',
        '1234',
        '127.0.0.1',
        P,
      ]);
      expect((await readNew(peer, 10_000)).trim()).toBe('1234');
    }),
  );
});

describe
  .skipIf(!can)
  .concurrent("pending: ncat's HTTP proxy server, -l --proxy-type http (the other helper)", cfg, () => {
    const proxy = ['--proxy-type', 'http'];
    const auth = [...proxy, '--proxy-auth', 'user:pass'];
    // ncat-test.pl: the HTTP proxy server cases that check the status code of one request.
    it.for([
      ['HTTP proxy bad request', proxy, 'bad\r\n\r\n', [], 400],
      ['HTTP CONNECT no port number [127.0.0.1]', proxy, H('CONNECT', '127.0.0.1'), [], 400],
      ['HTTP CONNECT no port number [127.0.0.1:]', proxy, H('CONNECT', '127.0.0.1:'), [], 400],
      ['HTTP CONNECT good request', proxy, H('CONNECT', `127.0.0.1:${P}`), [], 200],
      ['HTTP CONNECT IPv6 address, no port number [[::1]]', [...proxy, '-6'], H('CONNECT', '[::1]'), ['-6'], 400],
      ['HTTP CONNECT IPv6 address, no port number [[::1]:]', [...proxy, '-6'], H('CONNECT', '[::1]:'), ['-6'], 400],
      ['HTTP CONNECT IPv6 address, good request', [...proxy, '-6'], H('CONNECT', `[::1]:${P}`), ['-6'], 200],
      ['HTTP CONNECT overlong Request-Line', proxy, H('CONNECT', `${'A'.repeat(24000)}:${P}`), [], 413],
      ['HTTP GET hostname only', proxy, H('GET', '127.0.0.1'), [], 400],
      ['HTTP GET path only', proxy, H('GET', '/'), [], 400],
      ['HTTP GET request loop', proxy, H('GET', `http://127.0.0.1:${P}/`), [], 403],
      ['HTTP proxy unknown method', proxy, H('NOTHING', `http://127.0.0.1:${P}/`), [], 405],
      ['HTTP proxy server auth challenge (tcp)', auth, H('CONNECT', `127.0.0.1:${P}`), [], 407],
      [
        'HTTP proxy server correct auth (tcp)',
        auth,
        `CONNECT 127.0.0.1:${P} HTTP/1.0\r\nProxy-Authorization: Basic ${B64('user:pass')}\r\n\r\n`,
        [],
        200,
      ],
      [
        'HTTP proxy Basic wrong user (tcp)',
        auth,
        `CONNECT 127.0.0.1:${P} HTTP/1.0\r\nProxy-Authorization: Basic ${B64('nobody:pass')}\r\n\r\n`,
        [],
        407,
      ],
      [
        'HTTP proxy Basic wrong pass (tcp)',
        auth,
        `CONNECT 127.0.0.1:${P} HTTP/1.0\r\nProxy-Authorization: Basic ${B64('user:word')}\r\n\r\n`,
        [],
        407,
      ],
      [
        'HTTP proxy Basic correct auth, different case (tcp)',
        auth,
        `CONNECT 127.0.0.1:${P} HTTP/1.0\r\npROXY-aUTHORIZATION: BASIC ${B64('user:pass')}\r\n\r\n`,
        [],
        200,
      ],
    ] as const)('%s', async ([, serverArgs, request, clientArgs, code]) => {
      expect(await proxyStatus([...serverArgs], request, [...clientArgs])).toBe(code);
    });
  });
