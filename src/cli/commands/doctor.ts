import { Command } from '@commander-js/extra-typings';
import { diagnosePort } from '../../ports/doctor/diagnose.js';
import { parsePort } from '../../ports/port-name.js';
import type { Diagnosis } from '../../ports/index.js';
import { parseDuration } from '../duration.js';
import { backendOf, colorsFor, type CliIo } from '../io.js';
import { printable } from '../render/format.js';
import { chooseFormat } from '../render/output.js';

function checklist(diagnosis: Diagnosis, io: CliIo): string {
  const c = colorsFor(io);
  const mark = { problem: c.red('✗'), info: c.yellow('!'), ok: c.green('✓') } as const;
  const where = diagnosis.host === undefined ? 'this machine' : diagnosis.host;
  let out = `${c.bold(`TCP port ${String(diagnosis.port)} on ${where}`)}\n`;
  for (const f of diagnosis.findings) {
    out += `${mark[f.status]} ${printable(f.title)}\n`;
    for (const e of f.evidence) out += `    ${c.dim('•')} ${printable(e)}\n`;
    for (const fix of f.fixes) out += `    ${c.cyan('→')} ${fix}\n`;
  }
  return out;
}

/** `portscope doctor <port>`: why a bind or a connect on a port fails, as a checklist with evidence. */
export function doctorCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('doctor')
    .description('explain why a bind on, or a connect to, a TCP port fails: a checklist with the evidence')
    .argument('<port>', 'TCP port 1-65535, :PORT or a service name (http)')
    .option('--host <host>', 'the host clients connect to (default: this machine, 127.0.0.1 and ::1)')
    .option('-t, --timeout <duration>', 'how long one connect may take', '1s')
    .option('--no-firewall', 'do not read the packet filter (nft, iptables-save)')
    .option('--json', 'print the Diagnosis as JSON')
    .option('--format <format>', 'table | json', 'table')
    .action(async (portText, options) => {
      const format = chooseFormat(options, ['table', 'json']);
      const diagnosis = await diagnosePort(parsePort(portText, { protocol: 'tcp', what: 'a TCP port' }), {
        ...(options.host === undefined ? {} : { host: options.host }),
        connectTimeoutMs: Math.max(1, parseDuration(options.timeout, '--timeout')),
        firewall: options.firewall,
        backend: backendOf(io),
      });
      io.stdout.write(format === 'json' ? `${JSON.stringify(diagnosis, null, 2)}\n` : checklist(diagnosis, io));
      if (diagnosis.findings.some((f) => f.status === 'problem')) setExit(1);
    });
}
