import { readSmallText } from './read-proc.js';

/** The `hidepid` and `gid` options of the proc mount at /proc (proc(5)), when it has them. */
export interface ProcHidepid {
  /** As the kernel shows it: `invisible` (2), `noaccess` (1), `ptraceable` (4), or the old digits. */
  readonly hidepid: string;
  /** Members of this group see every process (`gid=` mount option). */
  readonly gid?: number;
}

/**
 * The hidepid options of the topmost proc mount on /proc, from the text of /proc/self/mountinfo
 * (mount point is field 5; super options follow the ` - proc SOURCE ` separator). Undefined when
 * /proc hides nothing.
 */
export function parseProcHidepid(mountinfo: string): ProcHidepid | undefined {
  let found: ProcHidepid | undefined;
  for (const line of mountinfo.split('\n')) {
    const [fields = '', tail] = line.split(' - ');
    if (fields.split(' ')[4] !== '/proc' || tail === undefined || !tail.startsWith('proc ')) continue;
    // A later line is a mount stacked on top of the earlier: it is the one /proc shows.
    found = undefined;
    const options = tail.split(' ')[2]?.split(',') ?? [];
    const hidepid = options.find((o) => o.startsWith('hidepid='))?.slice(8);
    const gid = options.find((o) => o.startsWith('gid='))?.slice(4);
    if (hidepid !== undefined && hidepid !== '0' && hidepid !== 'off') {
      found = gid === undefined ? { hidepid } : { hidepid, gid: Number(gid) };
    }
  }
  return found;
}

/**
 * The hidepid option when it makes other users' processes invisible to this process (not merely
 * unreadable, which the fd walk reports itself): `invisible`/2 or `ptraceable`/4, not root, not a
 * member of the mount's `gid=`. Reads /proc/self/mountinfo.
 */
export function procHidesOthers(): string | undefined {
  if (process.geteuid?.() === 0) return undefined;
  const options = parseProcHidepid(readSmallText('/proc/self/mountinfo') ?? '');
  if (options === undefined || !['2', 'invisible', '4', 'ptraceable'].includes(options.hidepid)) return undefined;
  const { gid } = options;
  if (gid !== undefined && (process.getegid?.() === gid || (process.getgroups?.() ?? []).includes(gid))) {
    return undefined;
  }
  return options.hidepid;
}
