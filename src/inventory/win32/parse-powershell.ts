import { PortscopeError } from '../../errors.js';
import type { SocketState } from '../../model/index.js';
import { windowsTcpState } from './windows-model.js';

/** One row of Get-NetTCPConnection or Get-NetUDPEndpoint (UDP rows have no remote end and no state). */
export interface WindowsEndpointRow {
  readonly protocol: 'tcp' | 'udp';
  /** As Windows prints it: `0.0.0.0`, `::`, `fe80::1%12`. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly state: SocketState;
  /** OwningProcess; 0 when Windows does not know it (TIME_WAIT). */
  readonly pid: number;
}

/**
 * The rows of one `ConvertTo-Json` document: PowerShell writes a single object (not an array) when a
 * pipeline had one result, nothing at all when it had none, and may start with a byte order mark.
 * @throws PortscopeError `IO_ERROR` when the text is not JSON.
 */
export function jsonRows(text: string): unknown[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (cause) {
    throw new PortscopeError('IO_ERROR', `Expected JSON from PowerShell, got \`${trimmed.slice(0, 60)}\``, {
      cause,
    });
  }
  return rowsOf(value);
}

/**
 * An array as is, a single object as a one-row array, null as none, and Windows PowerShell 5.1's
 * `{"value": [...], "Count": N}` (an array that carries System.Array's ETS `Count` alias) as its array.
 */
export function rowsOf(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && 'value' in value && 'Count' in value && Array.isArray(value.value)) {
    return value.value as unknown[];
  }
  return [value];
}

function record(row: unknown): Record<string, unknown> {
  return typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : {};
}

/** A whole number from a JSON number or digits (CIM uint16/uint32 arrive as either). */
export function wholeNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function port(value: unknown): number | undefined {
  const n = wholeNumber(value);
  return n !== undefined && n <= 65535 ? n : undefined;
}

/**
 * Get-NetTCPConnection rows (`LocalAddress`, `LocalPort`, `RemoteAddress`, `RemotePort`, `State` as the
 * MSFT_NetTCPConnection number or enum name, `OwningProcess`). Rows without a local address or port, or with
 * a state it does not know, are skipped.
 */
export function parseTcpRows(rows: readonly unknown[]): WindowsEndpointRow[] {
  const out: WindowsEndpointRow[] = [];
  for (const raw of rows) {
    const row = record(raw);
    const localPort = port(row.LocalPort);
    const state = windowsTcpState(row.State);
    if (typeof row.LocalAddress !== 'string' || localPort === undefined || state === undefined) continue;
    out.push({
      protocol: 'tcp',
      localAddress: row.LocalAddress,
      localPort,
      remoteAddress: typeof row.RemoteAddress === 'string' ? row.RemoteAddress : undefined,
      remotePort: port(row.RemotePort),
      state,
      pid: wholeNumber(row.OwningProcess) ?? 0,
    });
  }
  return out;
}

/** Get-NetUDPEndpoint rows (`LocalAddress`, `LocalPort`, `OwningProcess`): all unconnected (UNCONN). */
export function parseUdpRows(rows: readonly unknown[]): WindowsEndpointRow[] {
  const out: WindowsEndpointRow[] = [];
  for (const raw of rows) {
    const row = record(raw);
    const localPort = port(row.LocalPort);
    if (typeof row.LocalAddress !== 'string' || localPort === undefined) continue;
    out.push({
      protocol: 'udp',
      localAddress: row.LocalAddress,
      localPort,
      state: 'UNCONN',
      pid: wholeNumber(row.OwningProcess) ?? 0,
    });
  }
  return out;
}

/** What portscope's one PowerShell script prints: the three lists, each possibly a lone object or null. */
export interface WindowsInventoryDocument {
  readonly tcp: unknown[];
  readonly udp: unknown[];
  readonly processes: unknown[];
}

/**
 * Reads the script's one JSON object `{ tcp, udp, processes }` (see powershell-script.ts).
 * @throws PortscopeError `IO_ERROR` when it is not that object.
 */
export function parseInventoryDocument(text: string): WindowsInventoryDocument {
  const [doc, ...more] = jsonRows(text);
  if (doc === undefined || more.length > 0 || typeof doc !== 'object' || !('tcp' in (doc as object))) {
    throw new PortscopeError('IO_ERROR', `Expected one JSON object with tcp, udp and processes from PowerShell`);
  }
  const { tcp, udp, processes } = doc as Record<string, unknown>;
  return { tcp: rowsOf(tcp), udp: rowsOf(udp), processes: rowsOf(processes) };
}
