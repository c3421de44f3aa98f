import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, closeLabs, endInput, inLab, readNew, send } from '../helpers/nc-suite.js';
import { ncatClient, ncatServer, P, PORT, PROXY_PORT, skipListed } from '../helpers/ncat-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// nmap's ncat/test/ncat-test.pl: its proxy client cases (ncat --proxy ... --proxy-type http|socks5
// against a scripted proxy) and "HTTP CONNECT proxy relays", one vitest case per peer case, named
// after it, against `portscope nc --compat ncat` in a namespace of the case's own. The scripted
// HTTP proxy is a -k listener whose stdin answers the client, as in the suite; cases listed in
// suite-skips.json are skipped against portscope (each with its reason there).

const can = builtCli && canMakeNetnsFor('the ncat suite') && hasTool('python3', 'the ncat suite');
afterAll(() => {
  closeLabs();
});

const cfg = { timeout: 60_000 };
const PROXY = ['--proxy', `127.0.0.1:${P}`, '--proxy-type', 'http'];
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** parse_proxy_header: the scheme and the auth-params of one Proxy-Authorization value. */
function parseAuth(value: string): { scheme: string; attrs: Map<string, string> } {
  const attrs = new Map<string, string>();
  for (const m of value.matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|(\w+))/g)) attrs.set(m[1] ?? '', m[2] ?? m[3] ?? '');
  return { scheme: /^\s*(\w+)/.exec(value)?.[1] ?? '', attrs };
}

/** The Proxy-Authorization values of a request. */
const authorizations = (req: string) =>
  [...req.matchAll(/^Proxy-Authorization:\s*(.*?)\r?$/gim)].map((m) => m[1] ?? '');

/**
 * The suite's scripted-proxy exchange: a -k listener on PORT reads the client's first request,
 * answers `challenge`, and returns the client's follow-up request.
 */
async function afterChallenge(clientArgs: string[], challenge: string): Promise<string> {
  return inLab(async (lab) => {
    const s = await ncatServer(lab, ['-k']);
    await ncatClient(lab, clientArgs, s);
    expect(await readNew(s, 10_000)).toMatch(/^CONNECT /);
    send(s, challenge);
    return readNew(s, 10_000);
  });
}

describe.skipIf(!can).concurrent('ncat-test.pl: HTTP proxy client', cfg, () => {
  // ncat-test.pl: "HTTP CONNECT proxy relays" (proxy_test: ncat's proxy server between them)
  it('HTTP CONNECT proxy relays', (ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const p = lab.nc('ncat', ['127.0.0.1', String(PROXY_PORT), '-l', '--proxy-type', 'http']);
      const s = lab.nc('ncat', ['127.0.0.1', P, '-l']);
      await lab.bound(p, PROXY_PORT);
      await lab.bound(s, PORT);
      const c = lab.nc('ncat', ['127.0.0.1', P, '--proxy', `127.0.0.1:${String(PROXY_PORT)}`]);
      send(c, 'abc\n');
      expect(await readNew(s, 10_000)).toBe('abc\n');
      send(s, 'def\n');
      expect(await readNew(c, 10_000)).toBe('def\n');
    });
  });

  // ncat-test.pl: "HTTP CONNECT client hides proxy server response" (a proxy server as server)
  it('HTTP CONNECT client hides proxy server response', (ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const s = await ncatServer(lab, ['--proxy-type', 'http']);
      const c = await ncatClient(lab, PROXY, s);
      expect(await readNew(c, 2000)).toBe('');
    });
  });

  // ncat-test.pl: "HTTP CONNECT client, different Status-Line", "HTTP CONNECT client, server sends header"
  it.for([
    ['HTTP CONNECT client, different Status-Line', 'HTTP/1.1 200 Go ahead\r\n\r\nabc\n'],
    ['HTTP CONNECT client, server sends header', 'HTTP/1.0 200 OK\r\nServer: ncat-test 1.2.3\r\n\r\nabc\n'],
  ] as const)('%s', ([, reply], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      const s = await ncatServer(lab, []);
      const c = await ncatClient(lab, PROXY, s);
      send(s, reply);
      expect(await readNew(c, 10_000)).toBe('abc\n');
    });
  });

  // ncat-test.pl: "HTTP proxy client prefers Digest auth" (and ", comma-separated"): after a
  // challenge offering Basic and Digest, no Basic credentials.
  it.for([
    ['HTTP proxy client prefers Digest auth', 'Basic realm="realm"\r\nProxy-Authenticate: Digest'],
    ['HTTP proxy client prefers Digest auth, comma-separated', 'Basic realm="realm", Digest'],
  ] as const)('%s', async ([, offer], ctx) => {
    skipListed('ncat', ctx);
    const req = await afterChallenge(
      [...PROXY, '--proxy-auth', 'user:pass'],
      `HTTP/1.0 407 Authentication Required\r\nProxy-Authenticate: ${offer} realm="realm", nonce="0123456789abcdef", qop="auth"\r\n\r\n`,
    );
    expect(req).not.toBe('');
    expect(authorizations(req).map((v) => parseAuth(v).scheme)).not.toContain('Basic');
  });

  // ncat-test.pl: "HTTP proxy Digest client auth" (qop auth, opaque), "HTTP proxy Digest client auth, no qop"
  it.for([
    ['HTTP proxy Digest client auth', ', qop="auth", opaque="abcd"'],
    ['HTTP proxy Digest client auth, no qop', ', opaque="abcd"'],
  ] as const)('%s', async ([, params], ctx) => {
    skipListed('ncat', ctx);
    const nonce = '0123456789abcdef';
    const req = await afterChallenge(
      [...PROXY, '--proxy-auth', 'user:pass'],
      `HTTP/1.0 407 Authentication Required\r\nProxy-Authenticate: Digest realm="realm", nonce="${nonce}"${params}\r\n\r\n`,
    );
    const digest = authorizations(req)
      .map(parseAuth)
      .find((a) => a.scheme === 'Digest');
    expect(digest).toBeDefined();
    const a = digest?.attrs ?? new Map<string, string>();
    expect(a.get('nonce')).toBe(nonce);
    expect(a.get('opaque')).toBe('abcd');
    const ha1 = md5('user:realm:pass');
    const ha2 = md5(`CONNECT:${a.get('uri') ?? ''}`);
    const qop = a.get('qop');
    const expected = qop
      ? md5(`${ha1}:${nonce}:${a.get('nc') ?? ''}:${a.get('cnonce') ?? ''}:${qop}:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    expect(a.get('response')).toBe(expected);
  });

  // ncat-test.pl: "HTTP proxy client handles scheme without auth-params" (and ", comma-separated")
  it.for([
    [
      'HTTP proxy client handles scheme without auth-params',
      'Basic realm="realm"\r\nProxy-Authenticate: NTLM\r\nProxy-Authenticate: Digest',
    ],
    ['HTTP proxy client handles scheme without auth-params, comma-separated', 'Basic realm="realm", NTLM, Digest'],
  ] as const)('%s', async ([, offer], ctx) => {
    skipListed('ncat', ctx);
    const req = await afterChallenge(
      [...PROXY, '--proxy-auth', 'user:pass'],
      `HTTP/1.0 407 Authentication Required\r\nProxy-Authenticate: ${offer} realm="realm", nonce="0123456789abcdef", qop="auth"\r\n\r\n`,
    );
    expect(authorizations(req).length).toBeGreaterThan(0);
  });

  // ncat-test.pl: "HTTP proxy auth base64 encoding: \"$auth\"", for each of its ten credentials
  it.for(['', 'a', 'a:', ':a', 'user:sss', 'user:ssss', 'user:sssss', 'user:~~~', 'user:~~~~', 'user:~~~~~'])(
    'HTTP proxy auth base64 encoding: "%s"',
    async (auth, ctx) => {
      skipListed('ncat', ctx);
      const req = await afterChallenge(
        [...PROXY, '--proxy-auth', auth],
        'HTTP/1.0 407 Auth\r\nProxy-Authenticate: Basic realm="Ncat"\r\n\r\n',
      );
      // ncat sends `Basic ` and nothing for "", so the header must be there (not only decode to "").
      const basic = /^Basic ?(.*)$/.exec(authorizations(req)[0] ?? '');
      expect(basic).not.toBeNull();
      expect(Buffer.from(basic?.[1] ?? '', 'base64').toString('latin1')).toBe(auth);
    },
  );
});

/**
 * socks5_auth's scripted SOCKS5 server on PROXY_PORT (IPv4: every address; IPv6: ::1): checks the
 * greeting (method 2 offered when `user` is set), the credentials vasek:admin, and the CONNECT
 * request for `dest` and PORT; answers success and prints "ok" when the client's data arrives.
 */
const SOCKS5 = (family: 4 | 6, user: boolean, dest: string) => `import socket,struct,ipaddress
s=socket.socket(socket.AF_INET${family === 6 ? '6' : ''});s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(('${family === 6 ? '::1' : '0.0.0.0'}',${String(PROXY_PORT)}));s.listen(1);s.settimeout(20)
c,_=s.accept();c.settimeout(20);g=c.recv(10)
assert g[0]==5 and len(g)>=3,'greeting'
if ${user ? 'True' : 'False'}:
  assert 2 in g[2:],'no method 2';c.sendall(b'\\x05\\x02');a=c.recv(600);n=a[1]
  assert a[0]==1 and a[2:2+n]==b'vasek' and a[3+n:]==b'admin','credentials';c.sendall(b'\\x01\\x00')
else: c.sendall(b'\\x05\\x00')
r=c.recv(600);assert r[0]==5 and r[1]==1,'request'
if r[3]==1: d=socket.inet_ntoa(r[4:8])
elif r[3]==4: d=str(ipaddress.IPv6Address(r[4:20]))
else: d=r[5:5+r[4]].decode()
assert d=='${dest}' and struct.unpack('!H',r[-2:])[0]==${P},'target %s'%d
c.sendall(b'\\x05\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00');assert c.recv(10),'no data';print('ok',flush=True)`;

describe.skipIf(!can).concurrent('ncat-test.pl: SOCKS5 client', cfg, () => {
  // ncat-test.pl: the four "SOCKS5 client, ..." cases it expects to pass (the others are xfail there)
  it.for([
    ['SOCKS5 client, server require auth username/password (access allowed), IPv4', 4, true, '127.0.0.1'],
    ['SOCKS5 client, server require auth username/password (access allowed), IPv6', 6, true, '::1'],
    ['SOCKS5 client, server require auth username/password (access allowed), domain', 4, true, 'www.seznam.cz'],
    ['SOCKS5 client, server allows connection - no auth', 4, false, '127.0.0.1'],
  ] as const)('%s', ([, family, user, dest], ctx) => {
    skipListed('ncat', ctx);
    return inLab(async (lab) => {
      // The suite runs ncat with `--proxy localhost:...` and -6, so it takes a system where
      // localhost is also ::1 (Debian's /etc/hosts); `ip netns exec` gives the lab such a file.
      const etc = `/etc/netns/${lab.name}`;
      mkdirSync(etc, { recursive: true });
      writeFileSync(`${etc}/hosts`, '127.0.0.1 localhost\n::1 localhost\n');
      ctx.onTestFinished(() => {
        rmSync(etc, { recursive: true, force: true });
      });
      const proxy = lab.run(PYTHON, ['-c', SOCKS5(family, user, dest)]);
      await lab.bound(proxy, PROXY_PORT);
      const auth = user ? ['--proxy-auth', 'vasek:admin'] : [];
      const c = lab.nc('ncat', [
        '--proxy-type',
        'socks5',
        '--proxy',
        `localhost:${String(PROXY_PORT)}`,
        ...auth,
        `-${String(family)}`,
        dest,
        P,
      ]);
      // The suite writes once its server has answered the request; a pipe holds it until then.
      send(c, 'abc\n');
      expect((await readNew(proxy, 15_000)).trim()).toBe('ok');
      endInput(c);
    });
  });
});
