import { describe, expect, it } from 'vitest';
import { hasNativeAddon, nativeAddon } from '../../../src/index.js';
import { tcpStateMask } from '../../../src/inventory/linux/diag-request.js';
import { arraysOf } from '../../../src/inventory/linux/parse-diag-columns.js';
import { appendOnePass } from '../../../src/inventory/linux/parse-onepass-columns.js';
import { ColumnsBuilder } from '../../../src/inventory/linux/socket-columns.js';
import type { TableQuery } from '../../../src/inventory/linux/tables.js';
import { TCP_STATES, type Family, type Protocol, type SocketState } from '../../../src/model/index.js';

// The addon's onePassColumns (native/onepass-columns.c) must append what appendOnePass's TypeScript loop
// appends from the same records, for every query, keep table and namespace order: records made here with the
// layout of native/bpf/sockets.bpf.c's struct record, including ones either path must skip.

const onePassColumns = hasNativeAddon() ? nativeAddon()?.onePassColumns : undefined;

/** `count` 64-byte records from a fixed pseudo-random sequence. */
function records(count: number): ArrayBuffer {
  let seed = 11;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16) % n;
  const buf = new ArrayBuffer(count * 64 + 17); // a partial record at the end: ignored
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  for (let r = 0; r < count; r++) {
    const p = r * 64;
    view.setUint32(p, [4026531840, 4026532001, 4026532002, 77][next(4)] ?? 0, true); // netns, one unknown
    view.setUint32(p + 4, 1000 + r, true); // inode
    view.setUint32(p + 8, next(3) * 1000, true); // uid
    view.setUint32(p + 12, next(5), true); // recvQ
    view.setUint32(p + 16, next(3) === 0 ? 70000 : next(9), true); // sendQ
    bytes[p + 24] = [2, 10, 10, 7][next(4)] ?? 2; // AF_INET, AF_INET6, or neither
    bytes[p + 25] = next(4); // v6only: 0, 1, 2 (unknown), 3
    bytes[p + 26] = next(18); // state codes 0-17, some undefined
    bytes[p + 27] = [6, 17, 6, 136][next(4)] ?? 6; // TCP, UDP (and UDP-Lite read as UDP)
    view.setUint16(p + 28, [22, 53, 8080, 40000 + next(3)][next(4)] ?? 22, true);
    view.setUint16(p + 30, next(2) === 0 ? 0 : 50000 + next(5), false);
    for (const at of [p + 32, p + 48]) {
      const host = next(6);
      if (bytes[p + 24] === 2) bytes.set([127, 0, next(2), host], at);
      else bytes.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, next(2), host], at);
    }
  }
  return buf;
}

/** Every column of the rows, with each row's addresses as texts (the string tables may number them apart). */
function rowsOf(c: ColumnsBuilder) {
  const arrays = arraysOf(c).map((a) => [...a.subarray(0, c.length)]);
  const text = (i: number | undefined) => c.strings[i ?? -1];
  return {
    arrays: arrays.filter((_a, k) => k !== 3 && k !== 4),
    local: arrays[3]?.map(text),
    peer: arrays[4]?.map(text),
  };
}

const query = (
  protocols: Protocol[],
  families: Family[],
  states: readonly SocketState[] = TCP_STATES,
  localPorts?: number[],
): TableQuery => ({
  protocols: new Set(protocols),
  families: new Set(families),
  tcpListenersOnly: false,
  tcpStateMask: tcpStateMask(states),
  ...(localPorts === undefined ? {} : { localPorts }),
});

describe.skipIf(onePassColumns === undefined)('onePassColumns (native/onepass-columns.c)', () => {
  const data = records(3000);
  const keepSome = Uint8Array.from({ length: 96 }, (_v, i) => (i % 5 === 0 ? 0 : 1));
  const cases: [string, TableQuery, number[], Uint8Array][] = [
    [
      'everything',
      query(['tcp', 'udp'], ['inet', 'inet6']),
      [4026531840, 4026532001, 4026532002],
      new Uint8Array(96).fill(1),
    ],
    [
      'TCP listeners, IPv6, one port',
      query(['tcp'], ['inet6'], ['LISTEN'], [8080]),
      [4026532002, 4026531840],
      new Uint8Array(96).fill(1),
    ],
    ['UDP, two ports, a keep table', query(['udp'], ['inet', 'inet6'], TCP_STATES, [53, 22]), [4026532001], keepSome],
    // A namespace listed twice: its rows come at its last place, in both paths (a Map of the order keeps the last).
    [
      'a namespace listed twice',
      query(['tcp', 'udp'], ['inet', 'inet6']),
      [4026532001, 4026531840, 4026532001],
      new Uint8Array(96).fill(1),
    ],
    ['no namespace listed', query(['tcp', 'udp'], ['inet', 'inet6']), [1], new Uint8Array(96).fill(1)],
  ];
  it.each(cases)(
    '%s: the rows, their order and their addresses as the TypeScript loop appends them',
    (_n, q, order, keep) => {
      for (const before of [0, 1]) {
        const [ours, theirs] = [new ColumnsBuilder(), new ColumnsBuilder()];
        // Rows already there (another namespace's dump): the addon's address numbers must be renumbered.
        if (before === 1)
          for (const c of [ours, theirs]) appendOnePass(c, records(50), [77], q, new Uint8Array(96).fill(1));
        appendOnePass(ours, data, order, q, keep, onePassColumns);
        appendOnePass(theirs, data, order, q, keep);
        expect(rowsOf(ours)).toEqual(rowsOf(theirs));
        expect(ours.strings).toEqual(theirs.strings);
      }
    },
  );

  it('appends rows (the everything case keeps hundreds, the others fewer) and refuses wrong arguments (EINVAL)', () => {
    const c = new ColumnsBuilder();
    appendOnePass(
      c,
      data,
      [4026531840, 4026532001, 4026532002],
      query(['tcp', 'udp'], ['inet', 'inet6']),
      new Uint8Array(96).fill(1),
      onePassColumns,
    );
    expect(c.length).toBeGreaterThan(500);
    expect(c.length).toBeLessThan(3000);
    if (onePassColumns === undefined) return;
    const state = new Uint32Array(1);
    const bytes = new Uint8Array(data, 0, 64 * 10);
    const call =
      (keep: Uint8Array, ports: Uint16Array | null, columns = arraysOf(new ColumnsBuilder())) =>
      () =>
        onePassColumns(bytes, Uint32Array.of(4026531840), keep, ports, columns, 0, state);
    expect(call(new Uint8Array(95).fill(1), null)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(call(new Uint8Array(96), new Uint32Array(2) as unknown as Uint16Array)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    const wrong = arraysOf(new ColumnsBuilder());
    wrong[5] = new Uint32Array(4) as unknown as Uint16Array;
    expect(call(new Uint8Array(96), null, wrong)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // Arrays too short: nothing written, the rows needed in state[0].
    const none = new ColumnsBuilder();
    expect(
      call(
        new Uint8Array(96).fill(1),
        null,
        arraysOf(none).map((a) => a.subarray(0, 0)) as ReturnType<typeof arraysOf>,
      )(),
    ).toBeUndefined();
    expect(state[0]).toBeGreaterThan(0);
  });
});
