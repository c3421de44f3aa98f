import { Command } from '@commander-js/extra-typings';
import { parsePortTarget } from '../../ports/target.js';
import { backendOf, type CliIo } from '../io.js';
import { chooseFields, chooseFormat } from '../render/output.js';
import { SOCKET_FIELD_NAMES } from '../render/socket-columns.js';
import { checkPrefetchSetting } from '../columnar-choice.js';
import { readWho } from './who-listing.js';

/** The columns of `who`: the socket, then who holds it. */
export const WHO_FIELDS = ['proto', 'state', 'local', 'peer', 'pid', 'user', 'unit', 'command'];

/** `portscope who <port | host:port | port/udp>`: the sockets on that exact port and their owners. */
export function whoCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('who')
    .description('who holds a port: every socket bound to it (TCP and UDP, IPv4 and IPv6), listeners first')
    .argument('<target>', 'PORT, PORT/udp, PORT/tcp, HOST:PORT or [IPv6]:PORT')
    .option('-n, --numeric', 'port numbers, not service names (the default)')
    .option('-r, --resolve', 'service names for ports')
    .option('-H, --no-header', 'no header line')
    .option('--netns <which>', 'all | host | a name under /run/netns | a namespace inode', 'all')
    .option('--all-owners', "walk every process's fds (as ss -p), not only until each socket has an owner")
    .option('--json', 'print the result as JSON (a Snapshot with `target`)')
    .option('--format <format>', 'table | json | ndjson | csv', 'table')
    .option('--fields <list>', `comma-separated: ${SOCKET_FIELD_NAMES.join(',')}`)
    .action(async (target, options) => {
      checkPrefetchSetting(io);
      const format = chooseFormat(options);
      const chosen = options.fields === undefined ? undefined : chooseFields(options.fields, SOCKET_FIELD_NAMES);
      const whoOptions = {
        netns: options.netns,
        backend: backendOf(io),
        allOwners: options.allOwners === true,
        details: (format !== 'table' && format !== 'csv') || chosen !== undefined,
      };
      const found = await readWho(parsePortTarget(target), whoOptions, { format, fields: chosen }, io);
      // A socket in another network namespace is another machine's port, as far as clients know: say which.
      const fields = chosen ?? (found.foreign ? [...WHO_FIELDS, 'netns'] : WHO_FIELDS);
      const empty = found.count === 0;
      if (empty && format === 'table') io.stderr.write(`portscope: nothing holds ${target}\n`);
      else await found.print({ format, fields, header: options.header, style: { numeric: options.resolve !== true } });
      if (empty) setExit(1);
    });
}
