import type { Endpoint, SocketState } from '../../model/index.js';
import { anyAddress, parseColonEndpoint } from '../bsd/address.js';
import { bsdTcpState } from '../bsd/tcp-state.js';

/** One internet socket file of `lsof -F` output: a process's fd on a TCP or UDP socket. */
export interface LsofSocketFile {
  readonly pid: number;
  /** lsof's `c` field: the kernel's command name (may hold spaces). */
  readonly command?: string;
  /** lsof's `u` field. */
  readonly uid?: number;
  readonly fd: number;
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  readonly local: Endpoint;
  readonly peer: Endpoint;
  /** `TST=` (TCP only). */
  readonly state?: SocketState;
  /** `TQR=` and `TQS=`, when lsof printed them (`-T` with `q`). */
  readonly recvQ?: number;
  readonly sendQ?: number;
  /** lsof's `d` field: for a socket, its kernel address (`0x...`), the same in every process that holds it. */
  readonly device?: string;
}

interface Draft {
  fd?: number;
  type?: string;
  proto?: string;
  name?: string;
  state?: string;
  recvQ?: number;
  sendQ?: number;
  device?: string;
}

function endpoints(name: string, family: 'inet' | 'inet6'): [Endpoint, Endpoint] | undefined {
  const arrow = name.indexOf('->');
  const local = parseColonEndpoint(arrow < 0 ? name : name.slice(0, arrow));
  const peer = arrow < 0 ? { address: '', port: 0, family: undefined } : parseColonEndpoint(name.slice(arrow + 2));
  if (local === undefined || peer === undefined) return undefined;
  const any = anyAddress(family);
  return [
    { address: local.address === '' ? any : local.address, port: local.port },
    { address: peer.address === '' ? any : peer.address, port: peer.port },
  ];
}

/**
 * Parses `lsof -F` field output (one field a line, its kind in the first character: `p` pid, `c` command,
 * `u` uid, `f` fd, `t` type, `P` protocol, `n` name, `d` device, `T` TCP info as `TST=`, `TQR=`, `TQS=`)
 * into the TCP and UDP socket files it lists; other files (cwd, txt, unix sockets, pipes) are skipped.
 * Fields lsof does not print are absent, never guessed. Pure; tolerates NUL-terminated fields (`-F0`).
 */
export function parseLsofFields(text: string): LsofSocketFile[] {
  const files: LsofSocketFile[] = [];
  let pid: number | undefined;
  let command: string | undefined;
  let uid: number | undefined;
  let draft: Draft | undefined;
  const flush = () => {
    if (pid === undefined || draft?.fd === undefined || draft.name === undefined) return;
    const protocol = draft.proto === 'TCP' ? 'tcp' : draft.proto === 'UDP' ? 'udp' : undefined;
    if (protocol === undefined) return;
    const family = draft.type === 'IPv6' || (draft.type === undefined && draft.name.includes('[')) ? 'inet6' : 'inet';
    const ends = endpoints(draft.name, family);
    if (ends === undefined) return;
    const state =
      protocol === 'tcp'
        ? bsdTcpState(draft.state ?? '')
        : ends[1].port === 0
          ? ('UNCONN' as const)
          : ('ESTABLISHED' as const);
    files.push({
      pid,
      ...(command === undefined ? {} : { command }),
      ...(uid === undefined ? {} : { uid }),
      fd: draft.fd,
      protocol,
      family,
      local: ends[0],
      peer: ends[1],
      ...(state === undefined ? {} : { state }),
      ...(draft.recvQ === undefined ? {} : { recvQ: draft.recvQ }),
      ...(draft.sendQ === undefined ? {} : { sendQ: draft.sendQ }),
      ...(draft.device === undefined ? {} : { device: draft.device }),
    });
  };
  for (const raw of text.split(/[\n\0]/)) {
    if (raw === '') continue;
    const kind = raw[0];
    const value = raw.slice(1);
    switch (kind) {
      case 'p':
        flush();
        draft = undefined;
        pid = Number(value);
        command = undefined;
        uid = undefined;
        break;
      case 'c':
        command = value;
        break;
      case 'u':
        if (/^\d+$/.test(value)) uid = Number(value);
        break;
      case 'f':
        flush();
        draft = /^\d+$/.test(value) ? { fd: Number(value) } : {};
        break;
      case 't':
        if (draft !== undefined) draft.type = value;
        break;
      case 'P':
        if (draft !== undefined) draft.proto = value;
        break;
      case 'n':
        if (draft !== undefined) draft.name = value;
        break;
      case 'd':
        if (draft !== undefined) draft.device = value;
        break;
      case 'T':
        if (draft === undefined) break;
        if (value.startsWith('ST=')) draft.state = value.slice(3);
        else if (value.startsWith('QR=')) draft.recvQ = Number(value.slice(3));
        else if (value.startsWith('QS=')) draft.sendQ = Number(value.slice(3));
        break;
    }
  }
  flush();
  return files;
}
