import pc from 'picocolors';
import type { Owner, Socket } from '../../model/index.js';
import type { Colors } from 'picocolors/types.js';
import { cgroupLabel, extendedLabel, inetSockoptLabel, skmemLabel, tcpInfoLabel, tosLabel } from './ss-details.js';
import { netidLabel, usersLabel } from './ss-labels.js';
import type { Column } from './table.js';
import {
  commandLineLabel,
  endpointLabel,
  placeLabel,
  portLabel,
  processLabel,
  stateLabel,
  timerLabel,
  userLabel,
  type EndpointStyle,
} from './format.js';

/** A field that `--fields` can name: its column and how to get its text from a socket. */
export interface SocketField extends Column {
  readonly value: (socket: Socket, style: EndpointStyle) => string;
  /**
   * The value depends only on the socket's owners' pid, uid, user, unit, container, command and command line
   * (see sameOwnerFacts): a table reuses it for the next socket held by the same one process.
   */
  readonly ofOwner?: true;
}

/** Whether two owners have the same facts that the `ofOwner` fields print (the same process, in one snapshot). */
export function sameOwnerFacts(a: Owner, b: Owner): boolean {
  return (
    a.pid === b.pid &&
    a.uid === b.uid &&
    a.user === b.user &&
    a.command === b.command &&
    a.cmdline === b.cmdline &&
    a.systemdUnit === b.systemdUnit &&
    a.container === b.container
  );
}

/** Every field by name, in the order `--fields` lists them in its help. */
export function socketFields(colors: Colors): Readonly<Record<string, SocketField>> {
  const stateColor = (text: string) =>
    text === 'LISTEN' ? colors.green(text) : text === 'ESTAB' ? colors.cyan(text) : text;
  return {
    netid: { header: 'Netid', value: netidLabel },
    proto: { header: 'Proto', value: (s) => (s.family === 'inet6' ? `${s.protocol}6` : s.protocol) },
    state: { header: 'State', value: (s) => stateLabel(s.state), paint: stateColor },
    'recv-q': { header: 'Recv-Q', align: 'right', value: (s) => (s.recvQ === undefined ? '' : String(s.recvQ)) },
    'send-q': { header: 'Send-Q', align: 'right', value: (s) => (s.sendQ === undefined ? '' : String(s.sendQ)) },
    local: { header: 'Local Address:Port', value: (s, style) => endpointLabel(s, s.local, style), paint: colors.bold },
    peer: { header: 'Peer Address:Port', value: (s, style) => endpointLabel(s, s.peer, style) },
    address: { header: 'Address', value: (s) => (s.family === 'unix' ? s.local.address || '*' : s.local.address) },
    port: {
      header: 'Port',
      align: 'right',
      value: (s) => (s.family === 'unix' ? '' : String(s.local.port)),
      paint: colors.bold,
    },
    service: {
      header: 'Service',
      value: (s) =>
        s.family === 'unix' || s.local.port === 0
          ? ''
          : portLabel(s, s.local.port, { numeric: false }).replace(/^\d+$/, ''),
    },
    process: { header: 'Process', value: processLabel, paint: colors.yellow },
    users: { header: 'Process', value: usersLabel, paint: colors.yellow },
    pid: { header: 'PID', value: (s) => s.owners.map((o) => o.pid).join(','), ofOwner: true },
    user: { header: 'User', value: (s) => userLabel(s.owners), ofOwner: true },
    unit: { header: 'Unit/Container', value: (s) => placeLabel(s.owners), paint: colors.magenta, ofOwner: true },
    command: {
      header: 'Command',
      elastic: true,
      value: (s) => commandLineLabel(s.owners),
      paint: colors.dim,
      ofOwner: true,
    },
    uid: { header: 'UID', align: 'right', value: (s) => (s.uid === undefined || s.uid < 0 ? '' : String(s.uid)) },
    inode: { header: 'Inode', align: 'right', value: (s) => (s.inode === undefined ? '' : String(s.inode)) },
    netns: {
      header: 'Netns',
      value: (s, style) => (s.netns === undefined ? '' : (style.netnsNames?.get(s.netns) ?? String(s.netns))),
    },
    timer: { header: 'Timer', value: timerLabel },
    tos: { header: 'TOS', value: tosLabel },
    cgroup: { header: 'Cgroup', value: cgroupLabel },
    extended: { header: 'Details', value: extendedLabel },
    'inet-sockopt': { header: 'Inet sockopt', value: inetSockoptLabel },
    skmem: { header: 'Memory', value: skmemLabel },
    'tcp-info': { header: 'TCP info', value: (s, style) => tcpInfoLabel(s, style.numeric, style.tcpOptions === true) },
  };
}

/** Every field name `--fields` accepts. */
export const SOCKET_FIELD_NAMES: readonly string[] = Object.keys(socketFields(pc.createColors(false)));

/** The fields of `portscope` alone: what is listening, and who. */
export const LISTENING_FIELDS = ['proto', 'address', 'port', 'service', 'process', 'user', 'unit', 'command'];
