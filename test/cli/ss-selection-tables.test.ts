import { describe, expect, it } from 'vitest';
import { addFamily, addQuery, selectedProtocols, type SocketSelection } from '../../src/cli/ss-selection.js';
import type { Socket } from '../../src/model/index.js';

const empty = (): SocketSelection => ({ tables: new Set(), families: new Set() });
const packet = (type: 'raw' | 'dgram') => ({ protocol: 'packet', family: 'packet', packet: { type } }) as Socket;

describe('ss -A and -f names of the tables read from /proc/net only', () => {
  it.each([
    ['mptcp', ['mptcp']],
    ['netlink', ['netlink']],
    ['packet', ['packet']],
    ['p_raw', ['packet']],
    ['packet_dgram', ['packet']],
  ])('-A %s reads %j', (query, protocols) => {
    const selection = empty();
    addQuery(selection, query);
    expect(selectedProtocols(selection).protocols).toEqual(protocols);
  });

  it('-A p_raw keeps raw packet sockets and leaves out SOCK_DGRAM ones, as ss does', () => {
    const selection = empty();
    addQuery(selection, 'p_raw');
    const { keep } = selectedProtocols(selection);
    expect([keep(packet('raw')), keep(packet('dgram'))]).toEqual([true, false]);
  });

  it('-f link is packet sockets, -f netlink netlink sockets', () => {
    const selection = empty();
    addFamily(selection, 'link');
    addFamily(selection, 'netlink');
    expect([...selection.families]).toEqual(['packet', 'netlink']);
  });
});
