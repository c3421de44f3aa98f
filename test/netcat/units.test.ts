import { describe, expect, it } from 'vitest';
import { rewriteCompatFlags } from '../../src/cli/nc-compat.js';
import { crlfConverter } from '../../src/netcat/crlf.js';
import { accessCheck } from '../../src/netcat/access.js';
import { hexDumper, parsePin, parseProxyUrl } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

describe('nc --compat', () => {
  it.each([
    [
      ['--compat', 'openbsd', '-lvnp', '8080'],
      ['--compat=openbsd', '--end-on-peer-fin', '--listen', '--verbose', '--source-port', '8080'],
    ],
    [
      ['--compat=openbsd', '-Nw', '3', 'host', '80'],
      ['--compat=openbsd', '--connect-timeout', '3', '--idle-timeout', '3', 'host', '80'],
    ],
    [
      ['--compat', 'openbsd', '-x', 'proxy:1080', 'h', '1'],
      ['--compat=openbsd', 'h', '1', '--proxy', 'socks5://proxy:1080'],
    ],
    [
      ['--compat', 'openbsd', '-X', 'connect', '-x', 'p:3128', '-P', 'me', 'h', '1'],
      ['--compat=openbsd', 'h', '1', '--proxy', 'http://me@p:3128'],
    ],
    [
      ['--compat', 'ncat', '-lk', '-c', 'echo hi', '9'],
      ['--compat=ncat', '--end-on-peer-fin', '--listen', '--keep-open', '--shell', 'echo hi', '9'],
    ],
    [
      ['--compat', 'ncat', '--ssl', '--ssl-trustfile', 'ca.pem', 'h', '443'],
      ['--compat=ncat', '--tls', '--tls', '--ca', 'ca.pem', 'h', '443'],
    ],
    // In ncat 7.93, --ssl-verify, --ssl-trustfile, --ssl-cert and --ssl-key imply --ssl.
    [
      ['--compat', 'ncat', '--ssl-verify', 'h', '443'],
      ['--compat=ncat', '--tls', 'h', '443'],
    ],
    [
      ['--compat', 'ncat', '--ssl-trustfile=ca.pem', 'h', '443'],
      ['--compat=ncat', '--tls', '--ca', 'ca.pem', 'h', '443'],
    ],
    [
      ['--compat', 'ncat', '--ssl-cert', 'c.pem', '--ssl-key', 'k.pem', '-l', '9'],
      ['--compat=ncat', '--end-on-peer-fin', '--tls', '--cert', 'c.pem', '--tls', '--key', 'k.pem', '--listen', '9'],
    ],
    [
      ['--compat', 'ncat', '--proxy', 'p:1080', '--proxy-type', 'socks5', '--proxy-auth', 'u:p w', 'h', '1'],
      ['--compat=ncat', 'h', '1', '--proxy', 'socks5://u:p%20w@p:1080'],
    ],
    [
      ['--compat', 'ncat', '-o', 'f', '-x', 'h.hex', 'h', '1'],
      ['--compat=ncat', '--output', 'f', '--hex-dump', 'h.hex', 'h', '1'],
    ],
    [
      ['--compat', 'ncat', '-l', '9', '--proxy-type', 'http', '--proxy-auth', 'u:p'],
      ['--compat=ncat', '--end-on-peer-fin', '--listen', '9', '--proxy-server', 'http', '--proxy-auth', 'u:p'],
    ],
    [
      ['-l', '-c'],
      ['-l', '-c'],
    ],
  ])('%j', (args, expected) => {
    expect(rewriteCompatFlags(args)).toEqual(expected);
  });

  it('a refused flag is one line on stderr and exit 2, never a stack trace', async () => {
    expect(await cli(['nc', '--compat', 'openbsd', '-i', '1', 'h', '1'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'portscope: Expected an OpenBSD nc flag that portscope nc supports, got `-i`: no line interval\n',
    });
  });

  it.each([
    [
      ['--compat', 'openbsd', '-i', '1'],
      /^Expected an OpenBSD nc flag that portscope nc supports, got `-i`: no line interval$/,
    ],
    [['--compat', 'ncat', '-d', '1'], /^Expected an ncat flag .* got `-d`/],
    [['--compat', 'gnu'], /Expected --compat openbsd or --compat ncat, got `gnu`/],
    // --proxy-auth on a listener belongs to ncat's proxy server, which needs --proxy-type http.
    [
      ['--compat', 'ncat', '-l', '9', '--proxy-auth', 'u:p'],
      /Expected --proxy-type http with --proxy-auth on a listener/,
    ],
    [
      ['--compat', 'ncat', '--proxy-auth', 'u:p', 'h', '1'],
      /^Expected --proxy ADDRESS with --proxy-type or --proxy-auth/,
    ],
  ])('refuses %j', (args, message) => {
    expect(() => rewriteCompatFlags(args)).toThrow(message);
  });
});

describe('nc --help', () => {
  it('shows the -w default in seconds, not in milliseconds under a seconds label', async () => {
    const { stdout } = await cli(['nc', '--help']);
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      '-w, --connect-timeout <seconds> give up connecting after this long (default 10;',
    );
    expect(stdout).not.toContain('10000');
  });
});

describe('nc bad input: one line naming the flag, exit 2, before any connection', () => {
  it.each([
    [['-m', 'abc', '-l', '0'], 'portscope: Expected --max-conns to be an integer >= 1, got `abc`\n'],
    [
      ['--concurrency', '0', '-z', '127.0.0.1', '1'],
      'portscope: Expected --concurrency to be an integer >= 1, got `0`\n',
    ],
    [['-w', '0', '127.0.0.1', '1'], 'portscope: Expected --connect-timeout above 0, got `0`\n'],
    [['127.0.0.1', '99999'], 'portscope: Expected a port to connect to (1-65535), got `99999`\n'],
    [
      ['-l', '127.0.0.1', '99999'],
      'portscope: Expected a port to listen on (0-65535, 0 for any free port), got `99999`\n',
    ],
    // TLS options without --tls would leave the listener plain TCP: refused, not ignored.
    [
      ['--cert', 'c.pem', '--key', 'k.pem', '-l', '0'],
      'portscope: Expected --tls with --cert, --key: without it the connection is plain TCP and those options do nothing\n',
    ],
    [
      ['--insecure', '127.0.0.1', '1'],
      'portscope: Expected --tls with --insecure: without it the connection is plain TCP and that option does nothing\n',
    ],
    // Listener options when connecting, and combinations that did nothing: refused, not ignored.
    [['--exec', 'cat', '127.0.0.1', '1'], 'portscope: Expected -l with --exec: it acts only on a listener\n'],
    [
      ['-k', '--broker', '127.0.0.1', '1'],
      'portscope: Expected -l with --keep-open, --broker: they act only on a listener\n',
    ],
    [
      ['-l', '--exec', 'cat', '--send-only', '0'],
      'portscope: Expected --send-only/--recv-only without --exec/--shell: the program, not stdin, talks to the client\n',
    ],
    // Accepted and ignored before: the proxy server's credentials when connecting, listener access
    // files and session files with -z, --append-output without a file.
    [
      ['--proxy-auth', 'a:b', '127.0.0.1', '1'],
      'portscope: Expected -l with --proxy-auth: it acts only on a listener\n',
    ],
    [
      ['-z', '--allowfile', '/nonexistent', '127.0.0.1', '1'],
      'portscope: Expected -l with --allowfile: it acts only on a listener\n',
    ],
    [
      ['-z', '-o', '/nonexistent/f', '127.0.0.1', '1'],
      'portscope: Expected -z without -o/--output: a port check moves no data\n',
    ],
    [
      ['--append-output', '127.0.0.1', '1'],
      'portscope: Expected -o FILE or --hex-dump FILE with --append-output, got neither\n',
    ],
    // Port 1 is closed: the pin must be refused before the connect is even tried.
    [
      ['--tls', '--pin', 'sha256:xx', '127.0.0.1', '1'],
      /^portscope: Expected a pin as sha256:BASE64 .* got `sha256:xx`\n$/,
    ],
  ])('%j', async (args, stderr) => {
    const result = await cli(['nc', ...args]);
    expect(result.code).toBe(2);
    if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
  });
});

describe('netcat helpers', () => {
  it('--crlf turns bare LF into CRLF across chunks, leaving CRLF alone', () => {
    const convert = crlfConverter();
    const out = ['a\nb\r', '\nc\n', '\r\n'].map((t) => convert(Buffer.from(t)).toString());
    expect(out).toEqual(['a\r\nb\r', '\nc\r\n', '\r\n']);
  });

  it('hex dumps in hexdump -C layout, an offset per direction', () => {
    let text = '';
    const dump = hexDumper((t) => (text += t));
    dump('sent', Buffer.from('hello, world!\n\x00\x01\x02'));
    dump('received', Buffer.from('ok'));
    expect(text).toBe(
      '> 00000000  68 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 01  |hello, world!...|\n' +
        '> 00000010  02                                                |.|\n' +
        '< 00000000  6f 6b                                             |ok|\n',
    );
  });

  it('parses pins and refuses malformed ones', () => {
    const fp = 'AB:'.repeat(31) + 'AB';
    expect(parsePin(`sha256:${fp}`)({ fingerprint256: fp, publicKeySha256: '' })).toBe(true);
    const key = 'A'.repeat(43) + '=';
    expect(parsePin(`sha256:${key}`)({ fingerprint256: '', publicKeySha256: key })).toBe(true);
    expect(() => parsePin('md5:abc')).toThrow(/Expected a pin as sha256:BASE64.*got `md5:abc`/);
  });

  it('parses proxy URLs with defaults, and refuses others', () => {
    expect(parseProxyUrl('socks5://u:p%40ss@[::1]')).toEqual({
      kind: 'socks5',
      host: '::1',
      port: 1080,
      user: 'u',
      password: 'p@ss',
    });
    expect(parseProxyUrl('http://proxy:8080')).toEqual({ kind: 'http', host: 'proxy', port: 8080 });
    // Without a port: 3128 for HTTP (ncat's DEFAULT_PROXY_PORT, nc.openbsd's too), 1080 for SOCKS.
    expect(parseProxyUrl('http://proxy')).toEqual({ kind: 'http', host: 'proxy', port: 3128 });
    expect(parseProxyUrl('socks4://proxy').port).toBe(1080);
    expect(() => parseProxyUrl('https://proxy')).toThrow(/Expected a proxy as socks5:/);
  });

  it('--allow and --deny: deny first, IPv4-mapped peers matched as IPv4, bad ranges refused', () => {
    const check = accessCheck(['10.0.0.0/8', '::1'], ['10.9.0.0/16']);
    expect(check?.('10.1.2.3')).toBe('accepted');
    expect(check?.('::ffff:10.1.2.3')).toBe('accepted');
    expect(check?.('10.9.1.1')).toBe('denied');
    expect(check?.('192.168.1.1')).toBe('not-allowed');
    expect(check?.('::1')).toBe('accepted');
    expect(accessCheck()).toBeNull();
    expect(() => accessCheck(['10.0.0.0/33'])).toThrow(
      /Expected --allow to be an IP address, CIDR, range or host name.*`10\.0\.0\.0\/33`/,
    );
  });
});
