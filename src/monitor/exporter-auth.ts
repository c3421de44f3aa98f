import { createHash } from 'node:crypto';
import { bcryptjs } from '../lazy-require.js';

/** Successful logins remembered, so a scrape every few seconds does not pay bcrypt's cost each time. */
const CACHE_SIZE = 64;

/** A bcrypt hash of nothing anyone types, compared for unknown users so their answer takes as long. */
const DUMMY = '$2b$10$XrU/7v0P4XVeAg3J1VJSwuDOIsNAWkzM8cf6ds/yw49IKuE9RrJ8K';

/**
 * Checks HTTP basic auth against bcrypt hashes (exporter-toolkit's `basic_auth_users`). Returns a function
 * that resolves to true when the `Authorization` header names a user whose password matches.
 */
export function basicAuthChecker(users: ReadonlyMap<string, string>): (header: string | undefined) => Promise<boolean> {
  const good = new Set<string>();
  return async (header) => {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
    if (m === null) return false;
    const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = users.get(user);
    const key = createHash('sha256')
      .update(`${user}\0${hash ?? ''}\0${password}`)
      .digest('hex');
    if (hash !== undefined && good.has(key)) return true;
    const ok = (await bcryptjs().compare(password, hash ?? DUMMY)) && hash !== undefined;
    if (ok) {
      if (good.size >= CACHE_SIZE) good.clear();
      good.add(key);
    }
    return ok;
  };
}
