import { readFileSync } from 'node:fs';

/**
 * Parses /etc/passwd text into uid -> user name. Pure. Lines that are comments, NIS entries
 * (`+`/`-`) or malformed are skipped; the first name for a uid wins, as getpwuid does.
 */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const [name, , uidText] = line.split(':', 3);
    const uid = Number(uidText);
    if (name === undefined || name === '' || uidText === '' || !Number.isInteger(uid)) continue;
    if (!users.has(uid)) users.set(uid, name);
  }
  return users;
}

/** uid -> user name from /etc/passwd (empty when unreadable: names are a courtesy, not a need). */
export function readUsers(path = '/etc/passwd'): Map<number, string> {
  try {
    return parsePasswd(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}
