import { Command } from '@commander-js/extra-typings';
import { PortscopeError } from '../../errors.js';
import { checkPort } from '../../ports/target.js';
import { findFreePort } from '../../ports/find-free-port.js';
import { parsePort } from '../../ports/port-name.js';
import { backendOf, type CliIo } from '../io.js';
import { chooseFormat } from '../render/output.js';

function portList(text: string, what: string, protocol: 'tcp' | 'udp'): number[] {
  return text.split(',').map((part) => parsePort(part, { protocol, what: `each port of ${what}`, within: text }));
}

function rangeOf(text: string): { from: number; to: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (m === null)
    throw new PortscopeError('INVALID_ARGUMENT', `Expected --range A-B (e.g. 3000-3999), got \`${text}\``);
  return { from: checkPort(Number(m[1]), 'the range start'), to: checkPort(Number(m[2]), 'the range end') };
}

function orderOf(text: string): 'random' | 'ascending' {
  if (text === 'random' || text === 'ascending') return text;
  throw new PortscopeError('INVALID_ARGUMENT', `Expected --order to be random or ascending, got \`${text}\``);
}

/** `portscope free`: ports a new listener can bind now. */
export function freeCommand(io: CliIo) {
  return new Command('free')
    .description('print ports that a new listener can bind now (checked against every socket, then by a bind)')
    .option('--port <list>', 'preferred ports or service names, tried first (comma-separated)')
    .option('--range <A-B>', 'pick from this range (default 1024-65535, outside the ephemeral range)')
    .option('--after <port>', 'the lowest free ports above this one (detect-port): an ascending search')
    .option(
      '--order <order>',
      'random | ascending: where the search of the range starts (default random; ascending with --after)',
    )
    .option('--count <n>', 'how many distinct ports', '1')
    .option('--host <ip>', 'the address the listener will bind (default: every address, IPv4 and IPv6)')
    .option('--exclude <list>', 'ports never to return (comma-separated)')
    .option('-u, --udp', 'UDP ports instead of TCP')
    .option('--include-ephemeral', "also pick from the kernel's ephemeral range")
    .option('--json', 'print a JSON array')
    .option('--format <format>', 'table | json', 'table')
    .action(async (options) => {
      const format = chooseFormat(options, ['table', 'json']);
      if (!/^\d+$/.test(options.count)) {
        throw new PortscopeError('INVALID_ARGUMENT', `Expected --count to be a whole number, got \`${options.count}\``);
      }
      const protocol = options.udp === true ? 'udp' : 'tcp';
      const ports = await findFreePort({
        ...(options.port === undefined ? {} : { ports: portList(options.port, '--port', protocol) }),
        ...(options.range === undefined ? {} : { range: rangeOf(options.range) }),
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.exclude === undefined ? {} : { exclude: portList(options.exclude, '--exclude', protocol) }),
        ...(options.after === undefined ? {} : { after: parsePort(options.after, { protocol, what: '--after' }) }),
        ...(options.order === undefined ? {} : { order: orderOf(options.order) }),
        count: Number(options.count),
        protocol,
        includeEphemeral: options.includeEphemeral === true,
        backend: backendOf(io),
      });
      io.stdout.write(format === 'json' ? `${JSON.stringify(ports)}\n` : `${ports.join('\n')}\n`);
    });
}
