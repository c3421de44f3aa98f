import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, clientConnected, endInput, exitWithin, inLab, readNew, send, sleep } from '../helpers/nc-suite.js';
import {
  useSuiteCert,
  ncatServer,
  P,
  PORT,
  PROXY_PORT,
  serverClient,
  skipListed,
  specArgs,
  type Spec,
} from '../helpers/ncat-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// nmap's ncat/test/ncat-test.pl: default addresses and port, unix datagram sockets, --exec through a
// proxy, the client's end at the server's EOF, --max-conns 1/10 variants and the proxy server's
// Digest and limit cases, one vitest case per peer case, named after it, against `portscope nc
// --compat ncat`. Cases listed in suite-skips.json are skipped against portscope (reason there).

const can = builtCli && canMakeNetnsFor('the ncat suite') && hasTool('openssl', 'the ncat suite');
const suite = useSuiteCert();

const cfg = { timeout: 60_000 };
const TCP_SSL: Spec[] = ['tcp', 'tcp ssl'];
const DEFAULT_PORT = 31337;
/** The most a --max-conns case's processes may live (its 13 clients take 30 s and more). */
const CASE_MS = 150_000;
const md5 = (v: string) => createHash('md5').update(v).digest('hex');

describe.skipIf(!can).concurrent('ncat-test.pl: default address and port, unix datagram', cfg, () => {
  // ncat-test.pl: the listeners given no port, 31337 (ncat_server_noport), and clients given no
  // port: "Server default listen address and port" (two cases: an IPv4 and an IPv6 client),
  // "Server -4/-6 default listen address and port", "Server default port", "Server default listen
  // address --udp IPV6", "... --udp IPV4 + IPV6" (two cases), "... -6 --udp not IPv4", "... -6
  // --udp", "... -4 --udp", "... -4 --udp not IPv6" (nothing may arrive), "Connect fallback with
  // IPv4 server", "... IPv6 server". `localhost` names ::1 too, as ncat-test.pl assumes.
  it.for([
    ['Server default listen address and port [IPv4 client]', [], ['127.0.0.1'], true],
    ['Server default listen address and port [IPv6 client]', [], ['-6', '::1'], true],
    ['Server -4 default listen address and port', ['-4'], ['127.0.0.1'], true],
    ['Server -6 default listen address and port', ['-6'], ['-6', '::1'], true],
    ['Server default port', ['127.0.0.1'], ['127.0.0.1'], true],
    ['Server default listen address --udp IPV6', ['--udp', '-6'], ['localhost', '--udp'], true],
    ['Server default listen address --udp IPV4 + IPV6 [localhost client]', ['--udp'], ['localhost', '--udp'], true],
    ['Server default listen address --udp IPV4 + IPV6 [::1 client]', ['--udp'], ['::1', '--udp'], true],
    ['Server default listen address -6 --udp not IPv4', ['-6', '--udp'], ['127.0.0.1', '--udp'], false],
    ['Server default listen address -6 --udp', ['-6', '--udp'], ['::1', '--udp'], true],
    ['Server default listen address -4 --udp', ['-4', '--udp'], ['127.0.0.1', '--udp'], true],
    ['Server default listen address -4 --udp not IPv6', ['-4', '--udp'], ['::1', '--udp'], false],
    ['Connect fallback with IPv4 server', ['-4'], ['localhost'], true],
    ['Connect fallback with IPv6 server', ['-6'], ['localhost'], true],
  ] as const)('%s', ([, serverArgs, clientArgs, arrives], ctx) => {
    skipListed('ncat', ctx);
    return inLab(
      async (lab) => {
        const s = lab.nc('ncat', ['-l', ...serverArgs]);
        await lab.bound(s, DEFAULT_PORT, (serverArgs as readonly string[]).includes('--udp') ? 'udp' : 'tcp');
        const c = lab.nc('ncat', [...clientArgs]);
        send(c, 'abc\n');
        endInput(c);
        expect(await readNew(s, arrives ? 10_000 : 2000)).toBe(arrives ? 'abc\n' : '');
      },
      { localhost6: true },
    );
  });

  // ncat-test.pl: "Server UNIX socket listen on $UNIXSOCK --udp (DGRAM)"
  it('Server UNIX socket listen on ncat.unixsock --udp (DGRAM)', (ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const path = join(suite.dir, `dgram-${lab.name}.sock`);
      const s = lab.nc('ncat', ['-l', '-U', '--udp', path]);
      await lab.bound(s, path);
      const c = lab.nc('ncat', ['-U', '--udp', path]);
      send(c, 'abc\n');
      endInput(c);
      expect(await readNew(s, 10_000)).toBe('abc\n');
    });
  });

  // ncat-test.pl: "Connect to UNIX datagram socket with -s": the datagram's source is the -s path.
  it('Connect to UNIX datagram socket with -s', (ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const path = join(suite.dir, `dgram-s-${lab.name}.sock`);
      const tmp = `${path}_tmp`;
      const peer = lab.run(PYTHON, [
        '-c',
        `import socket\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM);s.bind('${path}');s.settimeout(20)\nd,a=s.recvfrom(4);print(a,flush=True)`,
      ]);
      await lab.bound(peer, path);
      const c = lab.nc('ncat', ['-U', '--udp', '-s', tmp, path]);
      send(c, 'abc\n');
      endInput(c);
      expect((await readNew(peer, 10_000)).trim()).toBe(tmp);
    });
  });
});

describe.skipIf(!can).concurrent('ncat-test.pl: --exec through a proxy, EOF from the server', cfg, () => {
  // ncat-test.pl: "--exec through proxy", "--exec through proxy, environment variables" (proxy_test:
  // the client runs the program and reaches the server through ncat's HTTP proxy server)
  it.for([
    ['--exec through proxy', ['/bin/echo', 'abc'], /^abc\n$/],
    [
      '--exec through proxy, environment variables',
      [
        '/bin/sh',
        '-c',
        'for v in ADDR PORT; do eval echo NCAT_REMOTE_$v=\\$NCAT_REMOTE_$v; done; for v in ADDR PORT; do eval echo NCAT_LOCAL_$v=\\$NCAT_LOCAL_$v; done; echo NCAT_PROTO=$NCAT_PROTO',
      ],
      /NCAT_REMOTE_ADDR=.+\nNCAT_REMOTE_PORT=.+\nNCAT_LOCAL_ADDR=.+\nNCAT_LOCAL_PORT=.+\nNCAT_PROTO=.+/,
    ],
  ] as const)('%s', ([, command, expected], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const p = lab.nc('ncat', ['127.0.0.1', String(PROXY_PORT), '-l', '--proxy-type', 'http']);
      const s = lab.nc('ncat', ['127.0.0.1', P, '-l']);
      await lab.bound(p, PROXY_PORT);
      await lab.bound(s, PORT);
      // ncat's --exec splits on white space (no shell): the script goes in as --sh-exec would not.
      const exec = command[0] === '/bin/sh' ? ['--sh-exec', command[2]] : ['--exec', command.join(' ')];
      lab.nc('ncat', ['127.0.0.1', P, '--proxy', `127.0.0.1:${String(PROXY_PORT)}`, ...exec]);
      expect(await readNew(s, 10_000)).toMatch(expected);
    });
  });

  // ncat-test.pl: "Client closes stdout and stops running after socket EOF" (eof_test "Client", 1,
  // "socket"): the server's stdin ends; the client's stdout ends and it exits.
  it.for(TCP_SSL)('Client closes stdout and stops running after socket EOF (%s)', (spec, ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const { s, c } = await serverClient(lab, spec, suite.cert, [], []);
      send(s, 'abc\n');
      expect(await readNew(c, 10_000)).toBe('abc\n');
      endInput(s);
      expect(await readNew(c, 3000)).toBe('');
      expect(await exitWithin(c, 5000)).not.toBe('running');
    });
  });
});

describe.skipIf(!can).concurrent('ncat-test.pl: --max-conns 1 and 10 variants', { timeout: 180_000 }, () => {
  // ncat-test.pl: max_conns_test "--max-conns 10 --keep-open", "--max-conns N --broker", "--max-conns
  // 10 --keep-open with exec": N clients are served, two more are not, one leaves, one more is served.
  // A client whose abc the server does not print (--broker, --exec) costs the suite's 2 s wait, so
  // a case of 10 runs 30 s and more: its processes get 150 s, not lab.nc's 30 s (which killed the
  // listener of the --exec and --broker cases, ncat's as well as portscope's, before the last client).
  it.for(
    TCP_SSL.flatMap(
      (spec) =>
        [
          ['--max-conns 10 --keep-open', spec, 10, ['--keep-open']],
          ['--max-conns 1 --broker', spec, 1, ['--broker']],
          ['--max-conns 10 --broker', spec, 10, ['--broker']],
          ['--max-conns 10 --keep-open with exec', spec, 10, ['--keep-open', '--exec', '/bin/cat']],
        ] as const,
    ),
  )('%s (%s)', ([, spec, count, args], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const extra = specArgs(spec, suite.cert);
      const s = lab.nc('ncat', [P, '-l', ...args, ...extra.server, '--max-conns', String(count)], 'pipe', CASE_MS);
      await lab.bound(s, PORT);
      const clients: ReturnType<typeof lab.nc>[] = [];
      // Only a --keep-open server without --exec prints what clients send: a long wait costs nothing.
      const printsClients = !args.some((a) => a === '--broker' || a === '--exec');
      /**
       * max_conns_test's exchange: the client's abc reaches the server, or the server's abc reaches
       * it. Its waits start once the client is connected (ncat_client's 0.5 s), not while a loaded
       * machine still starts it, and are longer where a client is expected to be served.
       */
      const served = async (expectServed: boolean) => {
        const c = lab.nc('ncat', ['127.0.0.1', P, ...extra.client], 'pipe', CASE_MS);
        clients.push(c);
        await clientConnected(c, PORT);
        send(c, 'abc\n');
        let resp = await readNew(s, expectServed && printsClients ? 10_000 : 2000);
        // The server's abc reaches a client once it is served (a TLS one: once its handshake is
        // done, which a loaded machine may not finish in the 2 s): a served client gets 5 tries.
        for (let tries = expectServed ? 5 : 1; resp === '' && tries > 0; tries--) {
          send(s, 'abc\n');
          resp = await readNew(c, 2000);
        }
        return /^(abc\n)+$/.test(resp);
      };
      for (let i = 0; i < count; i++) expect(await served(true)).toBe(true);
      for (let i = 0; i < 2; i++) expect(await served(false)).toBe(false);
      clients[0]?.child.kill('SIGTERM');
      await clients[0]?.exited();
      await sleep(2000);
      expect(await served(true)).toBe(true);
    });
  });
});

describe.skipIf(!can).concurrent('ncat-test.pl: HTTP proxy server Digest auth and limits', cfg, () => {
  const target = `127.0.0.1:${P}`;
  /** The Digest response for CONNECT target (qop auth with nc 00000001, cnonce abcdefg; or none). */
  const response = (user: string, pass: string, realm: string, nonce: string, qop: boolean) => {
    const ha1 = md5(`${user}:${realm}:${pass}`);
    const ha2 = md5(`CONNECT:${target}`);
    return qop ? md5(`${ha1}:${nonce}:00000001:abcdefg:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  };
  // ncat-test.pl: "HTTP proxy Digest wrong user", "... wrong pass", "... correct auth", "... correct
  // auth, no qop", "... missing fields": a challenge, then a second client with Digest credentials.
  it.for([
    ['HTTP proxy Digest wrong user', 'xxx', 'pass', 'full', 407],
    ['HTTP proxy Digest wrong pass', 'user', 'xxx', 'full', 407],
    ['HTTP proxy Digest correct auth', 'user', 'pass', 'qop', 200],
    ['HTTP proxy Digest correct auth, no qop', 'user', 'pass', 'full', 200],
    ['HTTP proxy Digest missing fields', 'user', 'pass', 'missing', 407],
  ] as const)('%s', ([, user, pass, form, code], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      await ncatServer(lab, ['--proxy-type', 'http', '--proxy-auth', 'user:pass']);
      const c1 = lab.nc('ncat', ['127.0.0.1', P]);
      send(c1, `CONNECT ${target} HTTP/1.0\r\n\r\n`);
      const challenge = /^Proxy-Authenticate:\s*Digest (.*)$/im.exec(await readNew(c1, 10_000))?.[1] ?? '';
      const realm = /realm="([^"]*)"/.exec(challenge)?.[1] ?? '';
      const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1] ?? '';
      expect(nonce).not.toBe('');
      const r = response(user, pass, realm, nonce, form === 'qop');
      const fields =
        form === 'missing'
          ? `username="${user}", nonce="${nonce}", response="${r}"`
          : `username="${user}", realm="${realm}", nonce="${nonce}", uri="${target}", ${form === 'qop' ? 'qop="auth", nc="00000001", cnonce="abcdefg", ' : ''}response="${r}"`;
      const c2 = lab.nc('ncat', ['127.0.0.1', P]);
      send(c2, `CONNECT ${target} HTTP/1.0\r\nProxy-Authorization: Digest ${fields}\r\n\r\n`);
      expect(Number(/^HTTP\/1\.[01] (\d{3})/.exec(await readNew(c2, 10_000))?.[1] ?? 0)).toBe(code);
    });
  });

  // ncat-test.pl: "HTTP CONNECT overlong header" (10000 header lines: 413), "HTTP GET IPv6 request
  // loop" (a GET to the proxy's own address: 403)
  it.for([
    [
      'HTTP CONNECT overlong header',
      [],
      [],
      `CONNECT ${target} HTTP/1.0\r\n${'Header: Value\r\n'.repeat(10_000)}\r\n`,
      413,
    ],
    ['HTTP GET IPv6 request loop', ['-6'], ['-6'], `GET http://[::1]:${P}/ HTTP/1.0\r\n\r\n`, 403],
  ] as const)('%s', ([, serverArgs, clientArgs, request, code], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const { c } = await serverClient(
        lab,
        'tcp',
        suite.cert,
        [...serverArgs, '--proxy-type', 'http'],
        [...clientArgs],
      );
      send(c, request);
      endInput(c);
      expect(Number(/^HTTP\/1\.[01] (\d{3})/.exec(await readNew(c, 10_000))?.[1] ?? 0)).toBe(code);
    });
  });
});
