import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, parseProxyUrl } from '../../src/index.js';
import { parseAuthHeaders } from '../../src/netcat/http-auth.js';
import { answerChallenge } from '../../src/netcat/http-connect.js';
import { checkProxyAuth, DigestNonces, digestResponse, proxyChallenge } from '../../src/netcat/proxy-digest.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

// Proxy authentication of `portscope nc` (src/netcat/proxy-digest.ts, http-connect.ts): Digest and
// Basic, as client and as ncat-style proxy server, checked against ncat and curl where they can.

afterEach(() => {
  killAll();
  closeLoopbackServers();
});

const params = (header: string) =>
  parseAuthHeaders([header]).map((c) => [c.scheme, Object.fromEntries(c.params)] as const);

/** Sends `text` to 127.0.0.1:port, resolves with all it gets until the peer closes (or 5 s pass). */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 5000);
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      // A 200 opens a tunnel that stays open, and portscope's 407 keeps the connection for the
      // next request: the head is the whole answer.
      if (/^HTTP\/1\.0 (200|407) .*\r\n\r\n/s.test(got)) {
        clearTimeout(timer);
        done();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.write(text);
  });
}

async function proxyServer(args: readonly string[], tool: 'ncat' | 'portscope'): Promise<{ p: Running; port: number }> {
  const [port = 0] = await findFreePort({ host: '127.0.0.1' });
  const listen = ['-v', '-l', '127.0.0.1', String(port), '--proxy-type', 'http', ...args];
  const p =
    tool === 'ncat'
      ? startProcess('ncat', listen, 30_000, 'ignore')
      : startNc(['--compat', 'ncat', ...listen], 30_000, 'ignore');
  await p.waitForStderr(/Listening on/);
  return { p, port };
}

describe('proxy auth headers', () => {
  it('parses challenge lists: schemes without params, token68, quoted commas and escapes', () => {
    expect(params('Basic realm="realm", NTLM, Digest realm="r", nonce="a,b", qop="auth"')).toEqual([
      ['Basic', { realm: 'realm' }],
      ['NTLM', {}],
      ['Digest', { realm: 'r', nonce: 'a,b', qop: 'auth' }],
    ]);
    expect(params('Negotiate abc==, Basic realm="x \\"y\\""')).toEqual([
      ['Negotiate', {}],
      ['Basic', { realm: 'x "y"' }],
    ]);
    expect(params('Digest  realm=Ncat ,nonce = "n"')).toEqual([['Digest', { realm: 'Ncat', nonce: 'n' }]]);
  });

  it('a proxy URL keeps its user info as written: empty, without a colon, with an empty part', () => {
    const auth = (url: string) => {
      const { user, password } = parseProxyUrl(url);
      return [user, password];
    };
    expect(auth('http://127.0.0.1:1')).toEqual([undefined, undefined]);
    expect(auth('http://@127.0.0.1:1')).toEqual(['', undefined]);
    expect(auth('http://a@127.0.0.1:1')).toEqual(['a', undefined]);
    expect(auth('http://a:@127.0.0.1:1')).toEqual(['a', '']);
    expect(auth('http://:a@127.0.0.1:1')).toEqual(['', 'a']);
    expect(auth('http://u%3A:p:q%40@[::1]:1')).toEqual(['u:', 'p:q@']);
  });

  it('the client prefers a usable Digest challenge, else Basic, and gives up on others', () => {
    const both = parseAuthHeaders(['Basic realm="r"', 'Digest realm="r", nonce="n", qop="auth-int, auth"']);
    const digest = answerChallenge(both, { user: 'user', password: 'pass' }, 'h:1', 'c0ffee');
    const ha1 = digestResponse({
      user: 'user',
      realm: 'r',
      password: 'pass',
      method: 'CONNECT',
      uri: 'h:1',
      nonce: 'n',
      auth: { nc: '00000001', cnonce: 'c0ffee' },
    });
    expect(digest).toBe(
      `Digest username="user", realm="r", nonce="n", uri="h:1", qop=auth, nc=00000001, cnonce="c0ffee", response="${ha1}"`,
    );
    // SHA-256 Digest is not built: Basic is the answer then; with neither, none.
    const sha = parseAuthHeaders(['Digest realm="r", nonce="n", algorithm=SHA-256, Basic realm="r"']);
    expect(answerChallenge(sha, { user: 'a' }, 'h:1')).toBe(`Basic ${Buffer.from('a').toString('base64')}`);
    expect(answerChallenge(parseAuthHeaders(['NTLM']), { user: 'a' }, 'h:1')).toBeUndefined();
  });
});

describe('the proxy server checks Digest', () => {
  const uri = '127.0.0.1:9';
  const issue = (issuer: DigestNonces) => /nonce="([^"]*)"/.exec(proxyChallenge(false, issuer))?.[1] ?? '';
  /** A Digest Authorization value for `nonce` (qop auth, cnonce abc). */
  const sign = (nonce: string, { password = 'pass', nc = '00000001', at = uri } = {}) => {
    const auth = { nc, cnonce: 'abc' };
    const response = digestResponse({ user: 'user', realm: 'Ncat', password, method: 'CONNECT', uri: at, nonce, auth });
    return `Digest username="user", realm="Ncat", nonce="${nonce}", uri="${at}", qop=auth, nc=${nc}, cnonce="abc", response="${response}"`;
  };
  const check = (issuer: DigestNonces, value: string) => checkProxyAuth('user:pass', 'CONNECT', uri, [value], issuer);

  it('a nonce expires after its lifetime, a forged one is refused, a used one is not taken again', () => {
    let now = 1_000_000;
    const issuer = new DigestNonces(30_000, () => now);
    const nonce = issue(issuer);
    expect(issuer.state(nonce)).toBe('valid');
    expect(issuer.state(`${nonce.slice(0, -2)}xx`)).toBe('foreign');
    expect(check(issuer, sign(`${nonce.slice(0, -2)}xx`))).toBe('denied');
    expect(check(issuer, sign(nonce))).toBe('ok');
    // The same header again is a replay; the next nonce count on the same nonce is a new request.
    expect(check(issuer, sign(nonce))).toBe('stale');
    expect(check(issuer, sign(nonce, { nc: '00000002' }))).toBe('ok');
    const late = issue(issuer);
    now += 30_001;
    expect(issuer.state(late)).toBe('expired');
    expect(check(issuer, sign(late))).toBe('stale');
    const fresh = issue(issuer);
    expect(check(issuer, sign(fresh, { password: 'wrong' }))).toBe('denied');
    expect(check(issuer, sign(fresh, { nc: '1' }))).toBe('denied');
    expect(check(issuer, sign(fresh, { at: '127.0.0.1:10' }))).toBe('denied');
    expect(check(issuer, sign(fresh).replace('realm="Ncat"', 'realm="Other"'))).toBe('denied');
    expect(check(issuer, `Basic ${btoa('user:pass')}`)).toBe('ok');
    expect(check(issuer, `Basic ${btoa('user:pas')}`)).toBe('denied');
    expect(check(issuer, sign(fresh))).toBe('ok');
  });

  it.skipIf(!hasTool('ncat', 'the proxy Digest challenge'))(
    'challenges as ncat does (Basic, then Digest with qop auth) and refuses a replayed Digest with stale=true',
    async () => {
      const target = await serveLoopback();
      const ours = await proxyServer(['--proxy-auth', 'user:pass'], 'portscope');
      const ncat = await proxyServer(['--proxy-auth', 'user:pass'], 'ncat');
      const to = `127.0.0.1:${String(target.port)}`;
      // portscope's 407 says Content-Length: 0, as it keeps the connection open for the next request.
      const shape = (text: string) =>
        text
          .replace(/nonce="[^"]*"/g, 'nonce="N"')
          .replace(/\r\n\r\n.*$/s, '\r\n\r\n')
          .replace('Content-Length: 0\r\n', '');
      const challenges = await Promise.all(
        [ours.port, ncat.port].map((port) => exchange(port, `CONNECT ${to} HTTP/1.0\r\n\r\n`)),
      );
      expect(shape(challenges[0] ?? '')).toBe(shape(challenges[1] ?? ''));
      const nonce = /Digest .*nonce="([^"]*)"/.exec(challenges[0] ?? '')?.[1] ?? '';
      const response = digestResponse({
        user: 'user',
        realm: 'Ncat',
        password: 'pass',
        method: 'CONNECT',
        uri: to,
        nonce,
      });
      const request = `CONNECT ${to} HTTP/1.0\r\nProxy-Authorization: Digest username="user", realm="Ncat", nonce="${nonce}", uri="${to}", response="${response}"\r\n\r\n`;
      expect(await exchange(ours.port, request)).toMatch(/^HTTP\/1\.0 200 /);
      const replay = await exchange(ours.port, request);
      expect(replay).toMatch(/^HTTP\/1\.0 407 /);
      expect(replay).toMatch(/^Proxy-Authenticate: Digest realm="Ncat", nonce="[^"]+", qop="auth", stale=true\r$/m);
    },
  );
  it.skipIf(!['ncat', 'curl'].every((t) => hasTool(t, 'curl through the proxy servers')))(
    "curl's --proxy-digest and --proxy-basic get what they get from ncat's proxy server",
    async () => {
      const target = await serveLoopback((s) => {
        s.on('error', () => undefined);
        s.end('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
      });
      const results: Record<string, string[]> = {};
      for (const tool of ['ncat', 'portscope'] as const) {
        const { port } = await proxyServer(['--proxy-auth', 'user:pass', '-k'], tool);
        const status = async (scheme: string, auth: string, tunnel: boolean) => {
          const args = ['-s', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', scheme, '-U', auth];
          const run = startProcess(
            'curl',
            [
              ...args,
              ...(tunnel ? ['-p'] : []),
              '-x',
              `http://127.0.0.1:${String(port)}`,
              `http://127.0.0.1:${String(target.port)}/`,
            ],
            15_000,
            'ignore',
          );
          await run.exited();
          return run.stdout().toString();
        };
        // Not curl's Digest with -p: it resends on the 407's connection, which ncat's proxy closes
        // ("Proxy CONNECT aborted"); portscope's keeps it (test/netcat/proxy-keepalive.test.ts).
        results[tool] = [
          await status('--proxy-digest', 'user:pass', false),
          await status('--proxy-digest', 'user:nope', false),
          await status('--proxy-basic', 'user:pass', true),
          await status('--proxy-basic', 'nope:pass', false),
        ];
      }
      expect(results.ncat).toEqual(['200', '407', '200', '407']);
      expect(results.portscope).toEqual(results.ncat);
    },
  );
});

describe('the proxy client authenticates', () => {
  it('answers a keep-alive 407 on the same connection, its body skipped', async () => {
    let connections = 0;
    const heads: string[] = [];
    const proxy = await serveLoopback((s) => {
      connections++;
      s.on('error', () => undefined);
      let buffered = '';
      let tunnel = false;
      s.on('data', (c: Buffer) => {
        if (tunnel) {
          s.write(c);
          return;
        }
        buffered += c.toString('latin1');
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        heads.push(buffered.slice(0, end));
        buffered = '';
        if (heads.length === 1)
          s.write(
            'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\nContent-Length: 5\r\n\r\nnope!',
          );
        else {
          tunnel = true;
          s.write('HTTP/1.1 200 Connection established\r\n\r\n');
        }
      });
      s.on('end', () => s.end());
    });
    const nc = startNc(['--proxy', `http://u:p@127.0.0.1:${String(proxy.port)}`, '127.0.0.1', '9'], 10_000);
    nc.child.stdin?.end('through\n');
    expect(await nc.exited()).toBe(0);
    expect(nc.stdout().toString()).toBe('through\n');
    expect(connections).toBe(1);
    expect(heads[0]).not.toMatch(/Proxy-Authorization/i);
    expect(heads[1]).toMatch(new RegExp(`^Proxy-Authorization: Basic ${btoa('u:p')}$`, 'm'));
  });

  it.skipIf(!hasTool('ncat', 'the proxy client against ncat'))(
    "passes ncat's proxy server with Digest, and says so when the password is wrong",
    async () => {
      const target = await serveLoopback((s) => {
        s.on('error', () => undefined);
        s.pipe(s);
      });
      const ncat = await proxyServer(['--proxy-auth', 'user:pass', '-k'], 'ncat');
      const via = (auth: string) =>
        startNc(
          [
            '--compat',
            'ncat',
            '--proxy',
            `127.0.0.1:${String(ncat.port)}`,
            '--proxy-type',
            'http',
            '--proxy-auth',
            auth,
            '127.0.0.1',
            String(target.port),
          ],
          10_000,
        );
      const right = via('user:pass');
      right.child.stdin?.write('digest\n');
      await right.waitForStdout('digest\n');
      right.child.stdin?.end();
      expect(await right.exited()).toBe(0);
      const wrong = via('user:nope');
      wrong.child.stdin?.end();
      expect(await wrong.exited()).not.toBe(0);
      expect(wrong.stderr()).toMatch(/refused: 407 .*the credentials were not accepted/);
    },
  );
});
