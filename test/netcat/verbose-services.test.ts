import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verboseLines } from '../../src/cli/commands/nc-verbose.js';
import { parseEtcServices } from '../../src/registry/index.js';
import { registryReads } from '../../src/registry/services.js';

// `--compat openbsd -v` names a port's service as OpenBSD nc does (getservbyport: /etc/services,
// else `*`), through src/registry's table: /etc/services is read once per process, and the IANA
// registry, which OpenBSD nc does not know, is not loaded.

describe("nc --compat openbsd -v: the service name of 'Connection to ... succeeded!'", () => {
  it('comes from /etc/services through the registry, read once, without IANA', () => {
    const lines = verboseLines('openbsd');
    const peer = { host: '127.0.0.1', port: 22 };
    const first = lines.connected(peer, peer, 'tcp', '127.0.0.1');
    const unnamed = lines.connected({ host: '127.0.0.1', port: 1 }, peer, 'udp', '127.0.0.1');
    let text = '';
    try {
      text = readFileSync('/etc/services', 'utf8');
    } catch {
      // none: every port is `*`
    }
    const local = parseEtcServices(text);
    const named = (port: number, protocol: string) =>
      local.find((e) => e.port === port && e.protocol === protocol)?.name ?? '*';
    expect(first).toEqual([`Connection to 127.0.0.1 22 port [tcp/${named(22, 'tcp')}] succeeded!`]);
    // 1/udp is tcpmux in IANA's registry, absent from Debian's /etc/services: `*`, as nc.openbsd.
    expect(unnamed).toEqual([`Connection to 127.0.0.1 1 port [udp/${named(1, 'udp')}] succeeded!`]);
    expect(registryReads()).toEqual({ etcServices: 1, iana: 0 });
  });
});
