import { readFileSync } from 'node:fs';

/**
 * Address -> first host name, from /etc/hosts (for `ls -r`). No DNS query is made: a socket
 * listing never waits on the network.
 */
export function readHostNames(path = '/etc/hosts'): Map<string, string> {
  const names = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return names;
  }
  for (const raw of text.split('\n')) {
    const [address, name] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (address !== undefined && name !== undefined && !names.has(address)) names.set(address, name);
  }
  return names;
}
