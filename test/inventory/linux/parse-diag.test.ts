import { describe, expect, it } from 'vitest';
import { parseInetDiag, parseUnixDiag } from '../../../src/inventory/index.js';
import { inetDiagRequest, tcpStateMask, unixDiagRequest } from '../../../src/inventory/linux/diag-request.js';

// Hand-built sock_diag replies, laid out as <linux/inet_diag.h> and <linux/unix_diag.h> say
// (host byte order: these tests assume a little-endian machine, as x86-64 and arm64 Linux are).

function attribute(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(4 + payload.length, 0);
  head.writeUInt16LE(type, 2);
  const pad = Buffer.alloc((4 - (payload.length % 4)) % 4);
  return Buffer.concat([head, payload, pad]);
}

function message(body: Buffer, type = 20): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt16LE(type, 4);
  return Buffer.concat([head, body]);
}

interface InetFields {
  family?: number;
  state: number;
  timer?: number;
  retrans?: number;
  sport: number;
  dport?: number;
  src: number[];
  dst?: number[];
  expires?: number;
  rq?: number;
  wq?: number;
  uid?: number;
  inode?: number;
  attrs?: Buffer[];
}

function inet(f: InetFields): Buffer {
  const b = Buffer.alloc(72);
  b.writeUInt8(f.family ?? 2, 0);
  b.writeUInt8(f.state, 1);
  b.writeUInt8(f.timer ?? 0, 2);
  b.writeUInt8(f.retrans ?? 0, 3);
  b.writeUInt16BE(f.sport, 4);
  b.writeUInt16BE(f.dport ?? 0, 6);
  Buffer.from(f.src).copy(b, 8);
  Buffer.from(f.dst ?? []).copy(b, 24);
  b.writeUInt32LE(f.expires ?? 0, 52);
  b.writeUInt32LE(f.rq ?? 0, 56);
  b.writeUInt32LE(f.wq ?? 0, 60);
  b.writeUInt32LE(f.uid ?? 0, 64);
  b.writeUInt32LE(f.inode ?? 0, 68);
  return message(Buffer.concat([b, ...(f.attrs ?? [])]));
}

function unix(type: number, state: number, inode: number, attrs: Buffer[]): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(1, 0);
  b.writeUInt8(type, 1);
  b.writeUInt8(state, 2);
  b.writeUInt32LE(inode, 4);
  return message(Buffer.concat([b, ...attrs]));
}

const u32 = (...values: number[]) => Buffer.from(new Uint32Array(values).buffer);
const MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
const TCP = { protocol: 'tcp', family: 'inet' } as const;

describe('parseInetDiag', () => {
  it('reads a listener: network-order port and address, accept queue and backlog, uid, inode', () => {
    const reply = inet({ state: 10, sport: 8080, src: [127, 0, 0, 1], rq: 2, wq: 511, uid: 1000, inode: 4242 });
    const { sockets, malformed } = parseInetDiag(reply, TCP, 7);
    expect(malformed).toBe(0);
    expect(sockets).toEqual([
      {
        protocol: 'tcp',
        family: 'inet',
        state: 'LISTEN',
        local: { address: '127.0.0.1', port: 8080 },
        peer: { address: '0.0.0.0', port: 0 },
        recvQ: 2,
        sendQ: 511,
        inode: 4242,
        uid: 1000,
        netns: 7,
        owners: [],
        ownerStatus: 'none',
        cookie: '0',
      },
    ]);
  });

  it('reads the attributes ss -e, -i, -m, --tos, --cgroup and --inet-sockopt print', () => {
    const info = Buffer.alloc(240);
    info.writeUInt8(7, 5); // options: timestamps, sack, wscale
    info.writeUInt8(0x7a, 6); // snd_wscale 10, rcv_wscale 7
    info.writeUInt32LE(204_000, 8); // rto, us
    info.writeUInt32LE(1448, 16); // snd_mss
    info.writeUInt32LE(35, 68); // rtt, us
    info.writeUInt32LE(17, 72); // rttvar, us
    info.writeUInt32LE(10, 80); // snd_cwnd
    info.writeBigUInt64LE(1001n, 120); // bytes_acked
    info.writeBigUInt64LE(500n, 128); // bytes_received
    info.writeBigUInt64LE(4_000_000n, 160); // delivery_rate, bytes/s
    info.writeBigUInt64LE(1000n, 200); // bytes_sent
    const attrs = [
      attribute(2, info),
      attribute(4, Buffer.from('cubic\0')),
      attribute(5, Buffer.from([0x10])),
      attribute(7, u32(0, 131072, 0, 16384, 0, 0, 0, 0, 3)),
      attribute(15, u32(42)),
      attribute(21, Buffer.from(new BigUint64Array([77n]).buffer)),
      attribute(22, Buffer.from([0x11, 0x01])),
    ];
    const reply = inet({ state: 1, sport: 1, dport: 2, src: [127, 0, 0, 1], dst: [127, 0, 0, 1], attrs });
    const [s] = parseInetDiag(reply, TCP, 1, { sockopt: true }).sockets;
    expect(s).toMatchObject({
      tos: 0x10,
      mark: 42,
      cgroupId: 77,
      inetSockopt: ['recverr', 'mc_loop', 'bind_addr_no_port'],
    });
    expect(s?.skmem).toEqual({
      rmemAlloc: 0,
      rcvBuf: 131072,
      wmemAlloc: 0,
      sndBuf: 16384,
      fwdAlloc: 0,
      wmemQueued: 0,
      optMem: 0,
      backlog: 0,
      drops: 3,
    });
    expect(s?.tcpInfo).toMatchObject({
      congestion: 'cubic',
      timestamps: true,
      sack: true,
      sndWscale: 10,
      rcvWscale: 7,
      rtoMs: 204,
      mss: 1448,
      rttMs: 0.035,
      rttVarMs: 0.017,
      cwnd: 10,
      bytesSent: 1000,
      bytesAcked: 1001,
      bytesReceived: 500,
      deliveryRateBps: 4_000_000,
    });
    expect(parseInetDiag(reply, TCP, 1).sockets[0]?.inetSockopt).toBeUndefined();
  });

  it('keeps IPv4-mapped IPv6 addresses, reads IPV6_V6ONLY, and timers in milliseconds', () => {
    const v6only = attribute(11, Buffer.from([1]));
    const reply = Buffer.concat([
      inet({ family: 10, state: 1, sport: 443, dport: 50000, src: MAPPED, dst: MAPPED, attrs: [v6only] }),
      inet({
        family: 10,
        state: 6,
        timer: 3,
        expires: 59_000,
        sport: 1,
        src: [0xfe, 0x80, ...new Array<number>(13).fill(0), 1],
      }),
      inet({ state: 1, timer: 1, retrans: 3, expires: 200, sport: 2, src: [10, 0, 0, 1] }),
    ]);
    const { sockets } = parseInetDiag(reply, { protocol: 'tcp', family: 'inet6' }, 1);
    expect(sockets[0]).toMatchObject({
      family: 'inet6',
      state: 'ESTABLISHED',
      local: { address: '::ffff:127.0.0.1', port: 443 },
      peer: { address: '::ffff:127.0.0.1', port: 50000 },
      v6only: true,
    });
    expect(sockets[1]).toMatchObject({ state: 'TIME_WAIT', local: { address: 'fe80::1' } });
    expect(sockets[1]?.timer).toEqual({ kind: 'timewait', expiresMs: 59_000, retransmits: 0 });
    expect(sockets[1]?.v6only).toBeUndefined();
    expect(sockets[2]?.timer).toEqual({ kind: 'on', expiresMs: 200, retransmits: 3 });
  });

  it('calls an unconnected UDP socket UNCONN and gives it no timer', () => {
    const reply = inet({ state: 7, timer: 1, sport: 53, src: [0, 0, 0, 0] });
    const [socket] = parseInetDiag(reply, { protocol: 'udp', family: 'inet' }, 1).sockets;
    expect(socket).toMatchObject({ protocol: 'udp', state: 'UNCONN' });
    expect(socket?.timer).toBeUndefined();
  });

  it('counts malformed messages and keeps the good ones', () => {
    const good = inet({ state: 10, sport: 22, src: [0, 0, 0, 0] });
    const short = message(Buffer.alloc(20));
    const otherType = message(Buffer.alloc(72), 3);
    const badFamily = inet({ family: 99, state: 10, sport: 1, src: [] });
    const badState = inet({ state: 42, sport: 1, src: [] });
    const truncated = good.subarray(0, 50);
    const reply = Buffer.concat([good, short, otherType, badFamily, badState, good, truncated]);
    const { sockets, malformed } = parseInetDiag(reply, TCP, 1);
    expect(sockets).toHaveLength(2);
    expect(malformed).toBe(5);
  });
});

describe('parseUnixDiag', () => {
  it('reads paths (dropping the trailing NUL), abstract names, peers, queues and uid', () => {
    const reply = Buffer.concat([
      unix(1, 10, 100, [
        attribute(0, Buffer.from('/run/my app.sock\0')),
        attribute(4, u32(1, 128)),
        attribute(7, u32(0)),
      ]),
      unix(1, 1, 101, [attribute(0, Buffer.from('\0name\0\0')), attribute(2, u32(102))]),
      unix(2, 7, 103, []),
      unix(5, 1, 104, [attribute(2, u32(0))]),
    ]);
    const { sockets, malformed } = parseUnixDiag(reply, 9);
    expect(malformed).toBe(0);
    expect(sockets[0]).toMatchObject({
      state: 'LISTEN',
      local: { address: '/run/my app.sock', port: 0 },
      recvQ: 1,
      sendQ: 128,
      uid: 0,
      inode: 100,
      netns: 9,
      unix: { type: 'stream', abstract: false },
    });
    expect(sockets[1]).toMatchObject({
      state: 'ESTABLISHED',
      local: { address: '@name@@' },
      unix: { type: 'stream', abstract: true, peerInode: 102 },
    });
    expect(sockets[2]).toMatchObject({ state: 'UNCONN', local: { address: '' }, uid: -1, unix: { type: 'dgram' } });
    expect(sockets[3]?.unix).toEqual({ type: 'seqpacket', abstract: false });
  });

  it('skips an unknown socket type as malformed', () => {
    expect(parseUnixDiag(unix(9, 7, 1, []), 1)).toEqual({ sockets: [], malformed: 1 });
  });
});

describe('sock_diag requests', () => {
  it('builds an inet_diag_req_v2 dump with the state mask', () => {
    const req = inetDiagRequest(10, 6, tcpStateMask(['LISTEN']));
    expect(req.length).toBe(72);
    expect([req.readUInt32LE(0), req.readUInt16LE(4), req.readUInt16LE(6)]).toEqual([72, 20, 0x301]);
    expect([req[16], req[17], req.readUInt32LE(20)]).toEqual([10, 6, 1 << 10]);
  });

  it('asks raw sockets of every protocol, and unix sockets with name, peer, queues and uid', () => {
    expect(inetDiagRequest(2, 255, 0)[19]).toBe(255);
    const req = unixDiagRequest();
    expect([req.length, req[16], req.readUInt32LE(20), req.readUInt32LE(28)]).toEqual([40, 1, 0xffffffff, 0x55]);
  });

  it('maps states to kernel bits, SYN_RECV with NEW_SYN_RECV and UNCONN with none', () => {
    expect(tcpStateMask(['ESTABLISHED', 'TIME_WAIT'])).toBe((1 << 1) | (1 << 6));
    expect(tcpStateMask(['SYN_RECV'])).toBe((1 << 3) | (1 << 12));
    expect(tcpStateMask(['UNCONN'])).toBe(0);
  });
});
