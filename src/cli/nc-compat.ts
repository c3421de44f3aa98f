import { PortscopeError } from '../errors.js';

type Tool = 'openbsd' | 'ncat';

/** A short flag's translation: our arguments (VALUE is the flag's value), or null for "not supported". */
type Rule = { readonly value: boolean; readonly to: readonly string[] | null; readonly why?: string };

const same = (flag: string): Rule => ({ value: false, to: [flag] });
const drop: Rule = { value: false, to: [] };
const unsupported = (value: boolean, why?: string): Rule => ({
  value,
  to: null,
  ...(why === undefined ? {} : { why }),
});

/** Letters that mean the same in both tools and here. */
const COMMON: Readonly<Record<string, Rule>> = {
  '4': same('-4'),
  '6': same('-6'),
  l: same('--listen'),
  k: same('--keep-open'),
  u: same('--udp'),
  U: same('--unix'),
  z: same('--zero'),
  v: same('--verbose'),
  C: same('--crlf'),
  n: drop, // no DNS: portscope nc resolves names only when given one
  p: { value: true, to: ['--source-port', 'VALUE'] },
  s: { value: true, to: ['--source', 'VALUE'] },
};

/** netcat-openbsd 1.219 (Debian 12) letters. */
const OPENBSD: Readonly<Record<string, Rule>> = {
  ...COMMON,
  N: drop, // shutdown on stdin EOF is the default here
  d: { value: false, to: ['--recv-only'] },
  q: { value: true, to: ['--linger', 'VALUE'] },
  w: { value: true, to: ['--connect-timeout', 'VALUE', '--idle-timeout', 'VALUE'] },
  x: { value: true, to: ['--openbsd-proxy', 'VALUE'] },
  X: { value: true, to: ['--openbsd-proxy-type', 'VALUE'] },
  P: { value: true, to: ['--openbsd-proxy-user', 'VALUE'] },
  i: unsupported(true, 'no line interval'),
  I: unsupported(true),
  O: unsupported(true),
  M: unsupported(true),
  m: unsupported(true),
  T: unsupported(true),
  V: unsupported(true),
  W: unsupported(true),
  e: unsupported(true),
  H: unsupported(true),
  K: unsupported(true),
  R: unsupported(true),
  Z: unsupported(true),
  b: unsupported(false),
  D: unsupported(false),
  F: unsupported(false),
  r: unsupported(false),
  S: unsupported(false),
  t: unsupported(false),
  c: unsupported(false),
};

/** ncat 7.93 letters. */
const NCAT: Readonly<Record<string, Rule>> = {
  ...COMMON,
  c: { value: true, to: ['--shell', 'VALUE'] },
  e: { value: true, to: ['--exec', 'VALUE'] },
  m: { value: true, to: ['--max-conns', 'VALUE'] },
  i: { value: true, to: ['--idle-timeout', 'VALUE'] },
  w: { value: true, to: ['--connect-timeout', 'VALUE'] },
  x: { value: true, to: ['--hex-dump', 'VALUE'] },
  o: { value: true, to: ['--output', 'VALUE'] },
  d: unsupported(true),
  g: unsupported(true),
  G: unsupported(true),
  t: unsupported(false),
};

/** ncat's long options with other names here. */
const NCAT_LONG: Readonly<Record<string, readonly string[]>> = {
  '--ssl': ['--tls'],
  // In ncat 7.93 these imply --ssl.
  '--ssl-verify': ['--tls'],
  '--ssl-cert': ['--tls', '--cert'],
  '--ssl-key': ['--tls', '--key'],
  '--ssl-trustfile': ['--tls', '--ca'],
  '--ssl-servername': ['--servername'],
  '--ssl-alpn': ['--alpn'],
  '--sh-exec': ['--shell'],
  '--unixsock': ['--unix'],
  '--nodns': [],
  '--proxy-type': ['--ncat-proxy-type'],
  '--proxy-auth': ['--ncat-proxy-auth'],
};

/**
 * `nc --compat openbsd|ncat ...`: rewrites that tool's flags (bundled letters too: `-lvnp 8080`) to
 * portscope's, and follows that tool's EOF rule (a listener ends at the client's FIN:
 * `--end-on-peer-fin`). Without `--compat`, the arguments are returned unchanged.
 * @throws PortscopeError `INVALID_ARGUMENT` for a flag of that tool that portscope does not support.
 */
export function rewriteCompatFlags(args: readonly string[]): string[] {
  const at = args.findIndex((a) => a === '--compat' || a.startsWith('--compat='));
  if (at < 0) return [...args];
  const flag = args[at] ?? '';
  const inline = flag.includes('=');
  const value = inline ? flag.slice(9) : args[at + 1];
  if (value !== 'openbsd' && value !== 'ncat') {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected --compat openbsd or --compat ncat, got \`${value ?? ''}\``);
  }
  const tool: Tool = value;
  const rest = args.filter((_, i) => i !== at && !(i === at + 1 && !inline));
  const rules = tool === 'openbsd' ? OPENBSD : NCAT;
  const out: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--') {
      out.push(...rest.slice(i));
      break;
    }
    if (arg.startsWith('--')) {
      const [name = '', inline] = arg.split(/=(.*)/s, 2);
      const mapped = tool === 'ncat' ? NCAT_LONG[name] : undefined;
      if (mapped === undefined) out.push(arg);
      else out.push(...mapped, ...(inline === undefined || mapped.length === 0 ? [] : [inline]));
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] ?? '';
      const rule = rules[letter];
      if (rule === undefined || rule.to === null) {
        const why = rule?.why === undefined ? '' : `: ${rule.why}`;
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          `Expected ${tool === 'openbsd' ? 'an OpenBSD nc' : 'an ncat'} flag that portscope nc supports, got \`-${letter}\`${why}`,
        );
      }
      let flagValue = '';
      if (rule.value) {
        flagValue = j + 1 < arg.length ? arg.slice(j + 1) : (rest[++i] ?? '');
        j = arg.length;
      }
      out.push(...rule.to.map((t) => (t === 'VALUE' ? flagValue : t)));
    }
  }
  // Both tools' listeners end at the client's FIN, even with stdin not yet sent (a client's FIN
  // is a half-close to portscope); their clients keep sending stdin after the server's FIN, as
  // portscope does.
  if (out.includes('--listen')) out.unshift('--end-on-peer-fin');
  // Kept for the wording of -v, which follows that tool too.
  out.unshift(`--compat=${tool}`);
  return proxyOptions(out);
}

/** Folds the proxy flags of openbsd (-x -X -P) and ncat (--proxy-type, --proxy-auth) into one --proxy URL. */
function proxyOptions(args: string[]): string[] {
  const take = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, value] = args.splice(i, 2);
    return value;
  };
  const bsdAddress = take('--openbsd-proxy');
  const bsdType = take('--openbsd-proxy-type');
  const bsdUser = take('--openbsd-proxy-user');
  const ncatType = take('--ncat-proxy-type');
  const ncatAuth = take('--ncat-proxy-auth');
  const proxyAt = args.indexOf('--proxy');
  const address = bsdAddress ?? (proxyAt < 0 ? undefined : args[proxyAt + 1]);
  // ncat's proxy server: -l --proxy-type http [--proxy-auth user:pass].
  if (address === undefined && args.includes('--listen') && ncatType !== undefined) {
    return [...args, '--proxy-server', ncatType, ...(ncatAuth === undefined ? [] : ['--proxy-auth', ncatAuth])];
  }
  if (address === undefined && (ncatType !== undefined || ncatAuth !== undefined)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      args.includes('--listen')
        ? "Expected --proxy-type http with --proxy-auth on a listener (ncat's proxy server), got no --proxy-type"
        : 'Expected --proxy ADDRESS with --proxy-type or --proxy-auth, got none',
    );
  }
  if (address === undefined || address.includes('://')) return args;
  const type = bsdType ?? ncatType ?? (bsdAddress === undefined ? 'http' : '5');
  const scheme =
    type === '5' || type === 'socks5'
      ? 'socks5'
      : type === '4' || type === 'socks4'
        ? 'socks4'
        : type === 'connect' || type === 'http'
          ? 'http'
          : undefined;
  if (scheme === undefined)
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected a proxy type of 5, socks5, 4, socks4, connect or http, got \`${type}\``,
    );
  const auth = bsdUser ?? ncatAuth;
  const url = `${scheme}://${auth === undefined ? '' : `${auth.split(':').map(encodeURIComponent).join(':')}@`}${address}`;
  if (proxyAt >= 0) args.splice(proxyAt, 2);
  return [...args, '--proxy', url];
}
