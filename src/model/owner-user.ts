import type { Owner } from './socket.js';

/**
 * An owner's user for a person: the name, else the uid as digits, else `?` (Windows gives a name or
 * nothing; a uid is absent there).
 */
export function ownerUser(owner: Owner): string {
  return owner.user ?? (owner.uid === undefined ? '?' : String(owner.uid));
}

/** An owner as people and logs name a process: `command[pid]` (as `ss -p` and syslog do, without the fd). */
export function ownerLabel(owner: Pick<Owner, 'command' | 'pid'>): string {
  return `${owner.command}[${String(owner.pid)}]`;
}
