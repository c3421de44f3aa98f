import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PortscopeError, errnoCode } from '../errors.js';
import { yaml } from '../lazy-require.js';

/**
 * A web configuration file in exporter-toolkit's format (the `--web.config.file` of node_exporter and
 * Prometheus), the part portscope supports: TLS with a certificate and key (and optionally client
 * certificates checked against a CA), and basic auth users with bcrypt hashes.
 */
export interface WebConfig {
  readonly tls?: {
    /** PEM certificate chain and private key, read from `cert_file` and `key_file`. */
    readonly cert: Buffer;
    readonly key: Buffer;
    /** PEM CAs of `client_ca_file`, when client certificates are asked for. */
    readonly ca?: Buffer;
    /** From `client_auth_type`: ask for a client certificate, and refuse a connection without a valid one. */
    readonly requestCert: boolean;
    readonly rejectUnauthorized: boolean;
    /** From `min_version` (TLS12 or TLS13). @default 'TLSv1.2' */
    readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  };
  /** User name to bcrypt hash (`$2a$`, `$2b$` or `$2y$`), from `basic_auth_users`; empty: no auth. */
  readonly users: ReadonlyMap<string, string>;
}

const TLS_KEYS = ['cert_file', 'key_file', 'client_ca_file', 'client_auth_type', 'min_version'];
const CLIENT_AUTH: Record<string, { requestCert: boolean; rejectUnauthorized: boolean }> = {
  NoClientCert: { requestCert: false, rejectUnauthorized: false },
  VerifyClientCertIfGiven: { requestCert: true, rejectUnauthorized: false },
  RequireAndVerifyClientCert: { requestCert: true, rejectUnauthorized: true },
};
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads and checks a web configuration file. Paths in it are relative to the file's directory, as
 * exporter-toolkit takes them. Keys portscope does not support (cipher_suites, http_server_config...)
 * are refused, not ignored: a setting that silently did nothing would be a false sense of security.
 * @throws PortscopeError `INVALID_ARGUMENT` with one line naming the file and what is wrong (unreadable
 *   file, YAML syntax, an unknown key, a hash that is not bcrypt, an unreadable certificate).
 */
export function loadWebConfig(file: string): WebConfig {
  const fail = (what: string, cause?: unknown): never => {
    throw new PortscopeError('INVALID_ARGUMENT', `Invalid web config \`${file}\`: ${what}`, { cause });
  };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read it (${errnoCode(error) ?? 'unknown error'})`, error);
  }
  let doc: unknown;
  try {
    doc = yaml().parse(text) ?? {};
  } catch (error) {
    fail(`not YAML: ${(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''}`, error);
  }
  if (!isFields(doc)) return fail('expected a mapping at the top');
  for (const key of Object.keys(doc)) {
    if (key !== 'tls_server_config' && key !== 'basic_auth_users') {
      fail(`unsupported key \`${key}\`; expected tls_server_config or basic_auth_users`);
    }
  }
  const readPem = (key: string, value: unknown): Buffer => {
    if (typeof value !== 'string' || value === '') return fail(`expected \`${key}\` to be a file name`);
    const path = resolve(dirname(file), value);
    try {
      return readFileSync(path);
    } catch (error) {
      return fail(`cannot read ${key} \`${path}\` (${errnoCode(error) ?? 'unknown error'})`, error);
    }
  };
  const tls = tlsOf(doc.tls_server_config, fail, readPem);
  const users = usersOf(doc.basic_auth_users, fail);
  return tls === undefined ? { users } : { tls, users };
}

function tlsOf(
  value: unknown,
  fail: (what: string) => never,
  readPem: (key: string, value: unknown) => Buffer,
): WebConfig['tls'] {
  if (value === undefined || value === null) return undefined;
  if (!isFields(value)) return fail('expected `tls_server_config` to be a mapping');
  for (const key of Object.keys(value)) {
    if (!TLS_KEYS.includes(key)) fail(`unsupported key \`tls_server_config.${key}\`; expected ${TLS_KEYS.join(', ')}`);
  }
  const authType =
    value.client_auth_type ?? (value.client_ca_file === undefined ? 'NoClientCert' : 'RequireAndVerifyClientCert');
  const auth = typeof authType === 'string' ? CLIENT_AUTH[authType] : undefined;
  if (auth === undefined) {
    return fail(
      `expected \`client_auth_type\` to be ${Object.keys(CLIENT_AUTH).join(', ')}, got \`${JSON.stringify(authType)}\``,
    );
  }
  if (auth.requestCert && value.client_ca_file === undefined)
    fail(`\`client_auth_type: ${JSON.stringify(authType)}\` needs client_ca_file`);
  const version = value.min_version ?? 'TLS12';
  if (version !== 'TLS12' && version !== 'TLS13')
    return fail(`expected \`min_version\` to be TLS12 or TLS13, got \`${JSON.stringify(version)}\``);
  return {
    cert: readPem('cert_file', value.cert_file),
    key: readPem('key_file', value.key_file),
    ...(value.client_ca_file === undefined ? {} : { ca: readPem('client_ca_file', value.client_ca_file) }),
    ...auth,
    minVersion: version === 'TLS13' ? 'TLSv1.3' : 'TLSv1.2',
  };
}

function usersOf(value: unknown, fail: (what: string) => never): ReadonlyMap<string, string> {
  const users = new Map<string, string>();
  if (value === undefined || value === null) return users;
  if (!isFields(value)) return fail('expected `basic_auth_users` to be a mapping of user names to bcrypt hashes');
  for (const [user, hash] of Object.entries(value)) {
    if (typeof hash !== 'string' || !BCRYPT.test(hash)) {
      return fail(`expected the password of \`${user}\` to be a bcrypt hash ($2y$...)`);
    }
    users.set(user, hash);
  }
  return users;
}
