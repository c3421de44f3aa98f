import type { WindowsEndpointRow } from './parse-powershell.js';
import { windowsTcpState } from './windows-model.js';

/** What `netstat -ano` said, read by the shape of its rows. */
export interface NetstatTable {
  readonly rows: WindowsEndpointRow[];
  /**
   * TCP connections (not listeners) whose state netstat printed in the system's language (`HERGESTELLT`,
   * `WARTEN`): their state cannot be known from the word, so they are not in `rows`.
   */
  readonly unknownStates: { readonly word: string; readonly count: number }[];
}

/** `0.0.0.0:135`, `[::]:445`, `[fe80::1%12]:8080` -> address as printed (brackets kept) and port; `*:*` -> port undefined. */
function endpoint(text: string): { address: string; port: number | undefined } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const address = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (portText === '*') return { address, port: undefined };
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) return undefined;
  return { address, port: Number(portText) };
}

/** A TCP listener's remote end, whatever the state column says (it is translated: ABHÖREN, À L'ÉCOUTE). */
function isListenerPeer(foreign: string): boolean {
  return foreign === '0.0.0.0:0' || foreign === '[::]:0';
}

/**
 * Parses Windows `netstat -ano` (or `-an`, `-a -p udp`) by structure and numbers, never by its localized
 * words: a row is `TCP|UDP LOCAL FOREIGN [STATE...] [PID]`; UDP rows have no state column, so the pid is the
 * last field when it is all digits, and a state may be several words (`À L'ÉCOUTE`). A TCP row whose foreign
 * address is `0.0.0.0:0` or `[::]:0` listens; other TCP rows take their state from netstat's English names
 * (`ESTABLISHED`, `TIME_WAIT`, `BOUND`...) and are reported in `unknownStates` otherwise. A UDP row with `*:*`
 * is unconnected (UNCONN), with a real foreign address connected (ESTABLISHED). Headers, titles, `-b`
 * image lines and blank lines are skipped whatever their language. Rows without a pid column get pid 0.
 */
export function parseNetstat(text: string): NetstatTable {
  const rows: WindowsEndpointRow[] = [];
  const unknown = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) {
    const [first = '', localText = '', foreignText = '', ...rest] = line.trim().split(/\s+/);
    const protocol = first.toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp') continue;
    const local = endpoint(localText);
    const foreign = endpoint(foreignText);
    if (local?.port === undefined || foreign === undefined) continue;
    const last = rest.at(-1);
    const pid = last !== undefined && /^\d+$/.test(last) ? Number(rest.pop()) : 0;
    const word = rest.join(' ');
    const base = { localAddress: local.address, localPort: local.port, pid };
    if (protocol === 'udp') {
      const connected = foreign.port !== undefined && foreign.port !== 0;
      rows.push({
        protocol,
        ...base,
        state: connected ? 'ESTABLISHED' : 'UNCONN',
        ...(connected ? { remoteAddress: foreign.address, remotePort: foreign.port } : {}),
      });
      continue;
    }
    const state = windowsTcpState(word) ?? (isListenerPeer(foreignText) ? 'LISTEN' : undefined);
    if (state === undefined) {
      unknown.set(word, (unknown.get(word) ?? 0) + 1);
      continue;
    }
    rows.push({ protocol, ...base, state, remoteAddress: foreign.address, remotePort: foreign.port ?? 0 });
  }
  return { rows, unknownStates: [...unknown].map(([word, count]) => ({ word, count })) };
}
