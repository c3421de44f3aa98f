import type { Owner } from './socket.js';

/**
 * An owner's user for a person: the name, else the uid as digits, else `?` (Windows gives a name or
 * nothing; a uid is absent there).
 */
export function ownerUser(owner: Owner): string {
  return owner.user ?? (owner.uid === undefined ? '?' : String(owner.uid));
}
