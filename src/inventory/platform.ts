import { PortscopeError } from '../errors.js';

/** The platforms with a socket backend. */
export type PlatformName = 'linux' | 'darwin' | 'win32' | 'freebsd';

const PLATFORMS: readonly PlatformName[] = ['linux', 'darwin', 'win32', 'freebsd'];

/**
 * The platform whose backend serves this call: the environment variable `PORTSCOPE_PLATFORM` when set
 * (for tests and debugging: it makes any OS run that platform's tools, found by name on PATH), else
 * `process.platform`. Read on every call, so a test can change it.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` for any other value.
 */
export function currentPlatform(): PlatformName {
  const forced = process.env['PORTSCOPE_PLATFORM'];
  const name = forced === undefined || forced === '' ? process.platform : forced;
  if ((PLATFORMS as readonly string[]).includes(name)) return name as PlatformName;
  throw new PortscopeError(
    'UNSUPPORTED_PLATFORM',
    forced === undefined || forced === ''
      ? `Expected Linux, macOS, Windows or FreeBSD, got \`${name}\`: no socket backend for it`
      : `Expected PORTSCOPE_PLATFORM to be linux, darwin, win32 or freebsd, got \`${name}\``,
  );
}
