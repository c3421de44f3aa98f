import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnRequests } from '../../../src/inventory/linux/column-requests.js';
import { AF_INET, AF_INET6, tcpStateMask } from '../../../src/inventory/linux/diag-request.js';
import { nativeAddon } from '../../../src/inventory/linux/native.js';
import { appendInetDiag, appendInetDiagNative } from '../../../src/inventory/linux/parse-diag-columns.js';
import { ColumnsBuilder } from '../../../src/inventory/linux/socket-columns.js';
import { TCP_STATES } from '../../../src/model/socket.js';

const addon = nativeAddon();
const inetColumns = addon?.inetColumns;
const FIELDS = [
  ...['protocol', 'family', 'state', 'localAddress', 'peerAddress', 'localPort', 'peerPort'],
  ...['recvQ', 'sendQ', 'uid', 'inode', 'netns', 'v6only'],
] as const;

/** The builder's rows and string table, field by field. */
const contents = (c: ColumnsBuilder) => ({
  length: c.length,
  strings: [...c.strings],
  ...Object.fromEntries(FIELDS.map((f) => [f, [...c[f].subarray(0, c.length)]])),
});

// Sockets of both families in several states and of both protocols: listeners (one IPv6-only, one dual-stack
// on ::), connections on 127.0.0.1, 127.0.0.2 and ::1, UDP sockets; the dumps read every socket of this
// namespace, so both parsers are handed the same reply buffers.
describe.skipIf(inetColumns === undefined)('inetColumns (native/diag-columns.c) parses as appendInetDiag', () => {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  const udp: dgram.Socket[] = [];
  beforeAll(async () => {
    for (const [host, ipv6Only] of [
      ['127.0.0.1', false],
      ['::1', false],
      ['::', true],
      ['::', false],
    ] as const) {
      const server = net.createServer((s) => sockets.push(s)).listen({ port: 0, host, ipv6Only });
      await once(server, 'listening');
      servers.push(server);
    }
    for (const [i, server] of servers.slice(0, 2).entries()) {
      const { port } = server.address() as net.AddressInfo;
      for (const host of i === 0 ? ['127.0.0.1', '127.0.0.2'] : ['::1']) {
        const client = net.connect({ port, host: i === 0 ? '127.0.0.1' : '::1', localAddress: host });
        await once(client, 'connect');
        sockets.push(client);
      }
    }
    for (const type of ['udp4', 'udp6'] as const) {
      const socket = dgram.createSocket(type);
      socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
      await once(socket, 'listening');
      udp.push(socket);
    }
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    for (const s of udp) s.close();
  });

  const dump = () => {
    const { tables, sent, both } = columnRequests(
      new Set(['tcp', 'udp']),
      new Set(['inet', 'inet6']),
      tcpStateMask(TCP_STATES),
    );
    const replies = addon?.sockDiag(null, sent) ?? [];
    return { tables, replies: replies.filter((r): r is Buffer => typeof r !== 'string'), both };
  };

  it('the same rows and string table: each family of a reply of both, every reply, a keep table', () => {
    const { tables, replies, both } = dump();
    expect(replies.length).toBe(tables.length - (both >= 0 ? 1 : 0));
    const keep = new Uint8Array(96).fill(1);
    keep[10] = 0; // TCP IPv4 LISTEN: dropped
    for (const table of [undefined, keep]) {
      const typescript = new ColumnsBuilder();
      const native = new ColumnsBuilder();
      for (const [netns, reply] of replies.entries()) {
        const protocol = tables[netns + (both >= 0 && netns > both ? 1 : 0)]?.protocol ?? 0;
        for (const family of netns === both ? [AF_INET, AF_INET6] : [undefined]) {
          appendInetDiag(typescript, reply, protocol, netns + 7, table, family);
          if (inetColumns) appendInetDiagNative(native, inetColumns, reply, protocol, netns + 7, table, family);
        }
      }
      expect(contents(native)).toEqual(contents(typescript));
      // The fixture's sockets are there: a dual-stack listener (v6only 0), an IPv6-only one (1), IPv4 (-1).
      expect(native.length).toBeGreaterThan(10);
      expect(new Set(native.v6only.subarray(0, native.length))).toEqual(new Set([-1, 0, 1]));
      expect(native.strings).toEqual(expect.arrayContaining(['127.0.0.1', '127.0.0.2', '::1', '::']));
    }
  });

  it('numbers addresses after those a string table holds, and grows arrays too short for the reply', () => {
    const { replies } = dump();
    const reply = replies[0] ?? Buffer.alloc(0);
    const typescript = new ColumnsBuilder();
    const native = new ColumnsBuilder();
    for (const c of [typescript, native]) {
      c.v4(0x0a000001, () => '10.0.0.1'); // an address already in the table: every later number moves by one
      c.length = 1020; // 4 rows from the end of the arrays: the first reply takes them past it
    }
    for (let i = 0; i < 2; i++) {
      appendInetDiag(typescript, reply, 0, 1);
      if (inetColumns) appendInetDiagNative(native, inetColumns, reply, 0, 1);
    }
    expect(contents(native)).toEqual(contents(typescript));
    expect(native.strings[0]).toBe('10.0.0.1');
  });

  it('refuses arguments of the wrong type (EINVAL) and asks for room instead of writing past the arrays', () => {
    const { replies } = dump();
    const reply = replies[0] ?? Buffer.alloc(0);
    const c = new ColumnsBuilder();
    const arrays = () => FIELDS.map((f) => c[f]) as Parameters<NonNullable<typeof inetColumns>>[4];
    const state = new Uint32Array(1);
    const call =
      (columns: unknown, keep: unknown = new Uint8Array(96).fill(1), family = 0) =>
      () =>
        inetColumns?.(reply, 0, family, keep as Uint8Array, columns as ReturnType<typeof arrays>, 0, 1, state);
    expect(call(arrays().slice(0, 12))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(call([...arrays().slice(0, 12), new Uint8Array(8)])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(call(arrays(), new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(call(arrays(), undefined, 3)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const small = FIELDS.map((f) => c[f].subarray(0, 2));
    expect(call(small)()).toBeUndefined();
    expect(state[0]).toBeGreaterThan(2); // the rows it needs
    expect(c.inode[0]).toBe(0); // nothing written
  });

  it('skips what appendInetDiag skips: other types, short or truncated messages, unknown families and states', () => {
    // Messages of inet_diag_msg (family, state, ports, addresses, queues, uid, inode), each after a netlink
    // header of `type`, made here: states 0, 10 (LISTEN), 14; family 7; type 3; 20 bytes short; then a
    // message whose length runs past the reply, which ends it.
    const message = (type: number, family: number, state: number, inode: number, length = 88) => {
      const m = Buffer.alloc(length);
      m.writeUInt32LE(length, 0);
      m.writeUInt16LE(type, 4);
      if (length >= 18) [m[16], m[17]] = [family, state];
      if (length >= 88) m.writeUInt32LE(inode, 84);
      return m;
    };
    const truncated = message(20, AF_INET, 10, 9);
    truncated.writeUInt32LE(400, 0);
    const reply = Buffer.concat([
      message(20, AF_INET, 0, 1),
      message(20, AF_INET, 10, 2),
      message(20, AF_INET, 14, 3),
      message(20, 7, 10, 4),
      message(3, AF_INET, 10, 5),
      message(20, AF_INET, 10, 6, 20),
      message(18, AF_INET6, 1, 7),
      truncated,
      message(20, AF_INET, 1, 8),
    ]);
    const typescript = new ColumnsBuilder();
    const native = new ColumnsBuilder();
    const keep = new Uint8Array(96).fill(1);
    appendInetDiag(typescript, reply, 0, 1, keep);
    if (inetColumns) appendInetDiagNative(native, inetColumns, reply, 0, 1, keep);
    expect(contents(native)).toEqual(contents(typescript));
    expect([...native.inode.subarray(0, native.length)]).toEqual([2, 7]);
  });
});
