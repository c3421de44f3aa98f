import { readdirSync } from 'node:fs';
import { readSmallText } from './read-proc.js';

/** ifindex -> interface name of this process's network namespace, from /sys/class/net/NAME/ifindex. */
export function hostInterfaceNames(dir = '/sys/class/net'): Map<number, string> {
  const names = new Map<number, string>();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return names;
  }
  for (const name of entries) {
    const index = Number(readSmallText(`${dir}/${name}/ifindex`)?.trim());
    if (Number.isInteger(index) && index > 0) names.set(index, name);
  }
  return names;
}
