import { describe, expect, it } from 'vitest';
import { endInput, inLab, readNew, send, type Lab } from '../helpers/nc-suite.js';
import type { Running } from '../helpers/nc.js';
import {
  hostFor,
  useSuiteCert,
  P,
  PORT,
  PROXY_PORT,
  skipListed,
  serverClient,
  type Spec,
} from '../helpers/ncat-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// nmap's ncat/test/ncat-test.pl: its HTTP proxy server cases (ncat -l --proxy-type http) not in
// suite-ncat-pending.test.ts, one vitest case per peer case, named after it, against
// `portscope nc --compat ncat` in a namespace of the case's own. Cases skipped here are known
// gaps of portscope (named in each describe), run only against ncat (PORTSCOPE_SUITE_REAL=1).

const can = builtCli && canMakeNetnsFor('the ncat suite') && hasTool('openssl', 'the ncat suite');
const suite = useSuiteCert();

const cfg = { timeout: 60_000 };
const PX = String(PROXY_PORT);
const TCP_SSL: Spec[] = ['tcp', 'tcp ssl'];
const AUTH = ['--proxy-type', 'http', '--proxy-auth', 'user:pass'];
/** Perl's encode_base64("user:pass"): the base64 and a newline, which ends the header line. */
const USER_PASS_B64 = `${Buffer.from('user:pass').toString('base64')}\n`;

/**
 * proxy_test_raw: an HTTP proxy server on PROXY_PORT, a server on PORT, and a client connected to
 * the proxy itself, each with its arguments (host ::1 when they hold -6, as host_for_args).
 */
async function proxyRaw(
  lab: Lab,
  proxyArgs: string[],
  serverArgs: string[],
  clientArgs: string[],
): Promise<{ s: Running; c: Running }> {
  const p = lab.nc('ncat', [hostFor(proxyArgs), PX, '-l', '--proxy-type', 'http', ...proxyArgs]);
  const s = lab.nc('ncat', [hostFor(serverArgs), P, '-l', ...serverArgs]);
  await lab.bound(p, PROXY_PORT);
  await lab.bound(s, PORT);
  return { s, c: lab.nc('ncat', [hostFor(clientArgs), PX, ...clientArgs]) };
}

/** The status code of an HTTP response (0 when there is none). */
const status = (text: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);

/** A request as HTTP::Request->parse reads it: method, lower-cased headers, body. */
function parseRequest(text: string): { method: string; headers: Map<string, string>; body: string } {
  const [head = '', ...rest] = text.split(/\r?\n\r?\n/);
  const [line = '', ...fields] = head.split(/\r?\n/);
  const headers = new Map<string, string>();
  for (const f of fields) {
    const at = f.indexOf(':');
    if (at > 0) headers.set(f.slice(0, at).trim().toLowerCase(), f.slice(at + 1).trim());
  }
  return { method: line.split(' ')[0] ?? '', headers, body: rest.join('\r\n\r\n') };
}

/** proxy_test_raw with one request from the client (stdin then closed): what the server got. */
async function relayed(request: string, proxyArgs: string[] = []): Promise<string> {
  return inLab(async (lab) => {
    const { s, c } = await proxyRaw(lab, proxyArgs, [], []);
    send(c, request);
    endInput(c);
    return readNew(s, 10_000);
  });
}

/** server_client_test with a proxy server as the server: the status of the answer to `request`. */
async function answer(spec: Spec, serverArgs: string[], request: string, clientArgs: string[] = []): Promise<number> {
  return inLab(async (lab) => {
    const { c } = await serverClient(lab, spec, suite.cert, serverArgs, clientArgs);
    send(c, request);
    return status(await readNew(c, 10_000));
  });
}

const url = `http://127.0.0.1:${P}`;

describe.skipIf(!can).concurrent('ncat-test.pl: HTTP proxy server relaying (proxy_test_raw)', cfg, () => {
  // ncat-test.pl: "HTTP CONNECT IPv4-only proxy", "HTTP CONNECT IPv6-only proxy", "HTTP CONNECT
  // IPv4 client, IPv6 server", "HTTP CONNECT IPv6 client, IPv4 server"
  it.for([
    ['HTTP CONNECT IPv4-only proxy', ['-4'], ['-6'], ['-4'], `[::1]:${P}`, 504],
    ['HTTP CONNECT IPv6-only proxy', ['-6'], ['-4'], ['-6'], `127.0.0.1:${P}`, 504],
    ['HTTP CONNECT IPv4 client, IPv6 server', [], ['-6'], ['-4'], `[::1]:${P}`, 200],
    ['HTTP CONNECT IPv6 client, IPv4 server', [], ['-4'], ['-6'], `127.0.0.1:${P}`, 200],
  ] as const)('%s', ([, proxyArgs, serverArgs, clientArgs, target, code], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const { c } = await proxyRaw(lab, [...proxyArgs], [...serverArgs], [...clientArgs]);
      send(c, `CONNECT ${target} HTTP/1.0\r\n\r\n`);
      expect(status(await readNew(c, 10_000))).toBe(code);
    });
  });

  // ncat-test.pl: "HTTP CONNECT server doesn't consume anything after request"
  it("HTTP CONNECT server doesn't consume anything after request", (ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const { s, c } = await proxyRaw(lab, [], [], []);
      send(c, `CONNECT 127.0.0.1:${P} HTTP/1.0\r\nUser-Agent: ncat-test\r\n\r\nabc\n`);
      expect(status(await readNew(c, 10_000))).toBe(200);
      expect(await readNew(s, 10_000)).toBe('abc\n');
    });
  });

  // ncat-test.pl: "HTTP GET absolute URI", "HTTP GET absolute URI, no path", "HTTP GET percent escape"
  it.for([
    ['HTTP GET absolute URI', `${url}/`, /^GET \/ HTTP\/1\./],
    ['HTTP GET absolute URI, no path', url, /^GET \/ HTTP\/1\./],
    ['HTTP GET percent escape', `${url}/%41`, /^GET \/(A|%41) HTTP\/1\./],
  ] as const)('%s', async ([, uri, line], ctx) => {
    skipListed('ncat', ctx);
    expect(await relayed(`GET ${uri} HTTP/1.0\r\n\r\n`)).toMatch(line);
  });

  // ncat-test.pl: "HTTP GET remove Connection header fields", "HTTP GET combine multiple headers
  // with the same name"
  it.for([
    [
      'HTTP GET remove Connection header fields',
      'Keep-Alive: 300\r\nOne: 1\r\nConnection: keep-alive, two, close\r\nTwo: 2\r\nThree: 3\r\n',
    ],
    [
      'HTTP GET combine multiple headers with the same name',
      'Connection: keep-alive\r\nKeep-Alive: 300\r\nConnection: two\r\nOne: 1\r\nConnection: close\r\nTwo: 2\r\nThree: 3\r\n',
    ],
  ] as const)('%s', async ([, fields], ctx) => {
    skipListed('ncat', ctx);
    const req = parseRequest(await relayed(`GET ${url}/ HTTP/1.0\r\n${fields}\r\n`));
    expect(req.headers.has('keep-alive')).toBe(false);
    expect(req.headers.has('two')).toBe(false);
    expect(req.headers.get('one')).toBe('1');
    expect(req.headers.get('three')).toBe('3');
  });

  // ncat-test.pl: "HTTP HEAD absolute URI"
  it('HTTP HEAD absolute URI', async (ctx) => {
    skipListed('ncat', ctx);
    expect(parseRequest(await relayed(`HEAD ${url}/ HTTP/1.0\r\n\r\n`)).method).toBe('HEAD');
  });

  // ncat-test.pl: "HTTP POST", "HTTP POST Content-Length: 0", "HTTP POST short Content-Length",
  // "HTTP POST long Content-Length"
  it.for([
    ['HTTP POST', 'Content-Length: 4\r\n\r\nabc\n', 'abc\n'],
    ['HTTP POST Content-Length: 0', 'Content-Length: 0\r\n\r\n', ''],
    ['HTTP POST short Content-Length', 'Content-Length: 2\r\n\r\nabc\n', 'ab'],
    ['HTTP POST long Content-Length', 'Content-Length: 10\r\n\r\nabc\n', 'abc\n'],
  ] as const)('%s', async ([, rest, body], ctx) => {
    skipListed('ncat', ctx);
    const req = parseRequest(await relayed(`POST ${url}/ HTTP/1.0\r\n${rest}`));
    expect(req.method).toBe('POST');
    expect(req.body).toBe(body);
  });

  // ncat-test.pl: "HTTP POST chunked transfer encoding", "HTTP POST chunked transfer encoding,
  // no data": the proxy relays the body, or answers 400 or 411.
  it.for([
    ['HTTP POST chunked transfer encoding', '4\r\nabc\n0\r\n', 'abc\n'],
    ['HTTP POST chunked transfer encoding, no data', '0\r\n', ''],
  ] as const)('%s', ([, chunks, body], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const { s, c } = await proxyRaw(lab, [], [], []);
      send(c, `POST ${url}/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`);
      endInput(c);
      const got = await readNew(s, 3000);
      if (got !== '') {
        expect(parseRequest(got).method).toBe('POST');
        expect(parseRequest(got).body).toBe(body);
      } else expect([400, 411]).toContain(status(await readNew(c, 10_000)));
    });
  });
});

describe.skipIf(!can).concurrent('ncat-test.pl: HTTP proxy server Basic auth', cfg, () => {
  // ncat-test.pl: "HTTP proxy server auth challenge" (tcp ssl); (tcp) is in suite-ncat-pending.
  it('HTTP proxy server auth challenge (tcp ssl)', (ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const { c } = await serverClient(lab, 'tcp ssl', suite.cert, AUTH, []);
      send(c, `CONNECT 127.0.0.1:${P} HTTP/1.0\r\n\r\n`);
      const resp = await readNew(c, 10_000);
      expect(status(resp)).toBe(407);
      expect(resp).toMatch(/\r\nProxy-Authenticate: /i);
    });
  });

  // ncat-test.pl: "HTTP proxy server correct auth", "HTTP proxy Basic wrong user", "HTTP proxy Basic
  // wrong pass", "HTTP proxy Basic correct auth, different case" (tcp ssl; tcp: suite-ncat-pending)
  it.for([
    ['HTTP proxy server correct auth', `Proxy-Authorization: Basic ${USER_PASS_B64}`, 200],
    [
      'HTTP proxy Basic wrong user',
      `Proxy-Authorization: Basic ${Buffer.from('nobody:pass').toString('base64')}\n`,
      407,
    ],
    ['HTTP proxy Basic wrong pass', `Proxy-Authorization: Basic ${Buffer.from('user:word').toString('base64')}\n`, 407],
    ['HTTP proxy Basic correct auth, different case', `pROXY-aUTHORIZATION: BASIC ${USER_PASS_B64}`, 200],
  ] as const)('%s (tcp ssl)', async ([, field, code], ctx) => {
    skipListed('ncat', ctx);
    expect(await answer('tcp ssl', AUTH, `CONNECT 127.0.0.1:${P} HTTP/1.0\r\n${field}\r\n`)).toBe(code);
  });

  // ncat-test.pl: "HTTP proxy server LWS" (two cases of that name: folded header lines),
  // "HTTP proxy server no auth", "HTTP proxy server broken auth", "HTTP proxy server extra auth"
  it.for(
    TCP_SSL.flatMap(
      (spec) =>
        [
          [
            'HTTP proxy server LWS',
            spec,
            ' [tab and folds]',
            'Proxy-Authorization:\t  Basic  \r\n\t  \n dXNlcjpwYXNz\r\n',
            200,
          ],
          ['HTTP proxy server LWS', spec, ' [one fold]', 'Proxy-Authorization: Basic\r\n dXNlcjpwYXNz\r\n', 200],
          ['HTTP proxy server no auth', spec, '', 'Proxy-Authorization: \r\n', 407],
          ['HTTP proxy server broken auth', spec, '', 'Proxy-Authorization: French fries\r\n', 407],
          [
            'HTTP proxy server extra auth',
            spec,
            '',
            `Proxy-Authorization: Basic ${USER_PASS_B64.trim()} extra\r\n`,
            407,
          ],
        ] as const,
    ),
  )('%s (%s)%s', async ([, spec, , field, code], ctx) => {
    skipListed('ncat', ctx);
    const got = await answer(spec, AUTH, `CONNECT 127.0.0.1:${P} HTTP/1.0\r\n${field}\r\n`);
    // The peer's "no/broken/extra auth" cases accept any answer but 200.
    if (code === 200) expect(got).toBe(200);
    else expect(got === 200 || got === 0).toBe(false);
  });
});
