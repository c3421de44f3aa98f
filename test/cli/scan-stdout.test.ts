import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';

let open = 0;
beforeAll(async () => {
  open = (await serveLoopback()).port;
});
afterAll(closeLoopbackServers);

const scan = (...flags: string[]) => cli(['scan', '127.0.0.1', '-Pn', '-p', `1-3,${String(open)}`, ...flags]);

describe('portscope scan with a file output on stdout (-oX -, -oG -, --output-json -)', () => {
  it('writes that document alone, as nmap does: no table before the XML', async () => {
    const r = await scan('-oX', '-');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<!DOCTYPE nmaprun>\n<nmaprun /);
    expect(r.stdout).toMatch(/<\/nmaprun>\n$/);
    expect(r.stdout).toContain(`portid="${String(open)}"><state state="open"`);
    expect(r.stderr).toMatch(/^portscope: 1 host \(1 up\), 4 port results, 1 open, in /);
  });

  it('writes the grepable output alone, and the JSON report alone', async () => {
    const g = await scan('-oG', '-');
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^# portscope /);
    expect(g.stdout).toContain(`Ports: `);
    expect(g.stdout).not.toContain('STATE');
    const j = await scan('--output-json', '-');
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout) as { ports: { port: number; state: string }[] };
    expect(report.ports.filter((p) => p.state === 'open').map((p) => p.port)).toEqual([open]);
  });

  it('keeps --open for them as nmap does: the other states summarised, the JSON report open ports only', async () => {
    const x = await scan('-oX', '-', '--open');
    expect(x.code).toBe(0);
    expect(x.stdout.match(/<port /g)).toHaveLength(1);
    expect(x.stdout).toContain(`portid="${String(open)}"><state state="open"`);
    expect(x.stdout).toMatch(
      /<extraports state="closed" count="3"><extrareasons reason="conn-refused" count="3" proto="tcp" ports="1-3"\/>/,
    );
    const g = await scan('-oG', '-', '--open');
    expect(g.stdout).toMatch(new RegExp(`\tPorts: ${String(open)}/open/tcp//[^,]*\tIgnored State: closed \\(3\\)\n`));
    const j = await scan('--output-json', '-', '--open');
    const report = JSON.parse(j.stdout) as { ports: { port: number }[] };
    expect(report.ports.map((p) => p.port)).toEqual([open]);
  });

  it.each([
    [['--format', 'csv', '-oX', '-'], '`--format csv` and `--output-xml -`'],
    [['--json', '-oG', '-'], '`--json` and `--output-grepable -`'],
    [['--format', 'table', '--output-json', '-'], '`--format table` and `--output-json -`'],
    [['-oX', '-', '-oG', '-'], '`--output-xml -` and `--output-grepable -`'],
  ])('refuses two outputs on stdout (%j) in one line, before scanning', async (flags, named) => {
    const r = await scan(...flags);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`portscope: Expected one output on stdout, got ${named}: write the others to files\n`);
  });
});
