import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  IPPROTO,
  TCPDIAG_GETSOCK,
  inetDiagRequest,
} from '../../../src/inventory/linux/diag-request.js';
import { bothFamiliesRequest } from '../../../src/inventory/linux/diag-both-families.js';
import { readByDiag, type TableSpec } from '../../../src/inventory/linux/diag-tables.js';
import { nativeAddon, type NativeAddon } from '../../../src/inventory/linux/native.js';
import type { NamespaceGroup } from '../../../src/inventory/linux/netns.js';
import { parseInetDiag } from '../../../src/inventory/linux/parse-diag.js';
import type { Socket } from '../../../src/model/index.js';

const addon = nativeAddon();
const HOST: NamespaceGroup = { netns: 0, isHost: true, pids: [], tableDir: '/proc/self/net' };
const TCP_TABLES: TableSpec[] = [
  { file: 'tcp', protocol: 'tcp', family: 'inet' },
  { file: 'tcp6', protocol: 'tcp', family: 'inet6' },
  { file: 'udp', protocol: 'udp', family: 'inet' },
];
const ALL_TCP_STATES = 0xfffe;
const row = (s: Socket) => `${s.family} ${s.state} ${s.local.address}:${String(s.local.port)} ${String(s.inode)}`;

/** The real addon, with the TCP dump requests it is given recorded (nlmsg_type 20 or 18) and, optionally, refused. */
function recording(real: NativeAddon, refuseOld: boolean) {
  const types: number[] = [];
  const sockDiag = (path: string | null, requests: readonly Buffer[]) => {
    for (const r of requests)
      if (r.readUInt16LE(4) === TCPDIAG_GETSOCK || r[17] === IPPROTO.tcp) types.push(r.readUInt16LE(4));
    const replies = real.sockDiag(path, requests);
    return refuseOld
      ? replies.map((reply, i) => (requests[i]?.readUInt16LE(4) === TCPDIAG_GETSOCK ? 'EINVAL' : reply))
      : replies;
  };
  return { addon: { ...real, sockDiag }, types };
}

// A port with a listener of each family and an accepted connection of each, and a second port that the
// kernel's port filter must drop: a port query reads TCP of both families in one walk of the kernel's hash.
describe.skipIf(addon === undefined)('sock_diag: TCP of both families in one request for a port query', () => {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    const v4 = net.createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
    await once(v4, 'listening');
    port = (v4.address() as net.AddressInfo).port;
    const v6 = net.createServer((s) => sockets.push(s)).listen(port, '::1');
    await once(v6, 'listening');
    const other = net.createServer().listen(0, '127.0.0.1');
    await once(other, 'listening');
    servers.push(v4, v6, other);
    for (const host of ['127.0.0.1', '::1']) {
      const client = net.connect(port, host);
      sockets.push(client);
      await once(client, 'connect');
    }
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  /** What one request per family returns, parsed, v4 then v6: the rows before this change. */
  const perFamily = (real: NativeAddon) =>
    [AF_INET, AF_INET6].flatMap((family) => {
      const [reply] = real.sockDiag(null, [inetDiagRequest(family, IPPROTO.tcp, ALL_TCP_STATES, [port])]);
      const table = { protocol: 'tcp', family: family === AF_INET ? 'inet' : 'inet6' } as const;
      return parseInetDiag(reply as Buffer, table, 0).sockets.map(row);
    });

  it('sends one TCP request and lists the same sockets, in the same order, as one request per family', () => {
    const real = addon as NativeAddon;
    const { addon: spy, types } = recording(real, false);
    const result = readByDiag(spy, HOST, TCP_TABLES, { tcpStateMask: ALL_TCP_STATES, localPorts: [port] });
    expect(types).toEqual([TCPDIAG_GETSOCK]);
    // One port: also in the socket id's idiag_sport (network order), which the kernel tests first.
    expect(bothFamiliesRequest({ tcpStateMask: ALL_TCP_STATES, localPorts: [port] }).readUInt16BE(16 + 4)).toBe(port);
    expect(inetDiagRequest(AF_INET, IPPROTO.udp, 0, [port]).readUInt16BE(16 + 8)).toBe(port);
    expect(inetDiagRequest(AF_INET, IPPROTO.raw, 0, [port]).readUInt16BE(16 + 8)).toBe(0);
    expect(inetDiagRequest(AF_INET, IPPROTO.tcp, 0, [port, port + 1]).readUInt16BE(16 + 8)).toBe(0);
    expect(result.missing).toEqual([]);
    const tcp = result.sockets.filter((s) => s.protocol === 'tcp');
    expect(tcp.map(row)).toEqual(perFamily(real));
    expect(tcp.filter((s) => s.state === 'LISTEN').map((s) => s.family)).toEqual(['inet', 'inet6']);
    expect(tcp.filter((s) => s.state === 'ESTABLISHED').length).toBe(2);
    expect(tcp.every((s) => s.local.port === port)).toBe(true);
  });

  it('falls back to one request per family when the kernel refuses the older request', () => {
    const real = addon as NativeAddon;
    const { addon: spy, types } = recording(real, true);
    const result = readByDiag(spy, HOST, TCP_TABLES, { tcpStateMask: ALL_TCP_STATES, localPorts: [port] });
    expect(types).toEqual([TCPDIAG_GETSOCK, 20, 20]);
    expect(result.missing).toEqual([]);
    expect(result.sockets.filter((s) => s.protocol === 'tcp').map(row)).toEqual(perFamily(real));
  });

  it('a listing without a port filter keeps one request per family', () => {
    const { addon: spy, types } = recording(addon as NativeAddon, false);
    readByDiag(spy, HOST, TCP_TABLES, { tcpStateMask: 1 << 10 });
    expect(types).toEqual([20, 20]);
  });
});
