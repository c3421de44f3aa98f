import { Command } from '@commander-js/extra-typings';
import { mentionsState } from '../../inventory/filter/analyze.js';
import { parseFilter } from '../../inventory/filter/parser.js';
import { readThreads } from '../../inventory/linux/threads.js';
import type { FilterNode, ListSocketsOptions, ThreadInfo } from '../../inventory/index.js';
import type { Socket } from '../../model/index.js';
import { checkPrefetchSetting } from '../columnar-choice.js';
import { readHostNames } from '../hosts.js';
import { defaultStates } from '../ls-defaults.js';
import { backendOf, type CliIo } from '../io.js';
import { chooseFields, chooseFormat } from '../render/output.js';
import { printSnapshot } from '../render/sockets.js';
import { SOCKET_FIELD_NAMES } from '../render/socket-columns.js';
import {
  addFamily,
  addQuery,
  addTables,
  readFilterFile,
  selectedProtocols,
  type SocketSelection,
} from '../ss-selection.js';
import { printColumnarListing } from './ls-columnar.js';
import { closeListed } from './ls-close.js';
import { printDestroyEvents } from './ls-events.js';
import { printStats } from './stats.js';

/** The threads of every owner of `sockets`, by pid (`-T`). */
function threadsOf(sockets: readonly Socket[]): Map<number, ThreadInfo[]> {
  const threads = new Map<number, ThreadInfo[]>();
  for (const s of sockets) for (const o of s.owners) if (!threads.has(o.pid)) threads.set(o.pid, readThreads(o.pid));
  return threads;
}

/** Commander's collector for a repeatable option. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `portscope ls`: sockets, with ss's flags and filter language. */
export function lsCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('ls')
    .description('list sockets, as ss does (default: connected sockets; -l listening; -a all)')
    .argument('[filter...]', "ss filter: [state STATE]... [EXPRESSION], e.g. state established '( dport = :ssh )'")
    .option('-t, --tcp', 'TCP sockets')
    .option('-u, --udp', 'UDP sockets')
    .option('-w, --raw', 'raw sockets')
    .option('-x, --unix', 'unix domain sockets')
    .option('-M, --mptcp', 'MPTCP sockets (not listed unless asked, as in ss)')
    .option('--netlink', 'netlink sockets (not listed unless asked)')
    .option('-0, --packet', 'packet (AF_PACKET) sockets (not listed unless asked)')
    .option('-l, --listening', 'listening sockets only (and unconnected UDP)')
    .option('-a, --all', 'sockets in every state')
    .option('-n, --numeric', 'port numbers, not service names')
    .option('-r, --resolve', 'host names for addresses, from /etc/hosts')
    .option('-p, --processes', 'the processes that hold each socket')
    .option('-T, --threads', 'the threads that hold each socket (as ss -T)')
    .option(
      '-e, --extended',
      "ss's details (uid:, ino:, sk:, fwmark:, cgroup:, v6only:, <->), and the network namespace",
    )
    .option('-o, --options', 'TCP timers (with -i, also the negotiated TCP options)')
    .option('-i, --info', 'TCP internals (tcp_info): rtt, rto, cwnd, mss, bytes, retransmits, rates...')
    .option('-m, --memory', 'socket memory (skmem)')
    .option('--tos', 'IPv4 TOS and IPv6 traffic class')
    .option('--cgroup', 'the cgroup (v2) of each socket')
    .option('--inet-sockopt', 'IP-level socket options (recverr, freebind, transparent, mc_loop...)')
    .option('-O, --oneline', "print -i and -m on the socket's line, not on a line below")
    .option('-4, --ipv4', 'IPv4 only')
    .option('-6, --ipv6', 'IPv6 only')
    .option('-f, --family <family>', 'inet | inet6 | unix (repeatable), as ss -f', collect, [])
    .option(
      '-A, --query <tables>',
      'socket tables, as ss -A: all,inet,tcp,udp,raw,unix,unix_stream,unix_dgram,unix_seqpacket; !NAME leaves one out',
      collect,
      [],
    )
    .option('-F, --filter-file <file>', 'read the filter from FILE (- = stdin), after the filter words, as ss -F')
    .option('-H, --no-header', 'no header line')
    .option('-Q, --no-queues', 'no Recv-Q and Send-Q columns')
    .option('-E, --events', 'print TCP and UDP sockets as they are destroyed, until interrupted (as ss -E)')
    .option('-K, --kill', 'close the listed sockets (SOCK_DESTROY, as ss -K); asks first unless --yes')
    .option('-y, --yes', 'with -K: do not ask')
    .option('-s, --summary', 'print the summary of `portscope stats` instead')
    .option('-N, --netns <which>', 'all | host | a name under /run/netns | a namespace inode (ss -N)', 'all')
    .option('--json', 'print the Snapshot as JSON (docs/schema.md)')
    .option('--format <format>', 'table | json | ndjson | csv', 'table')
    .option('--fields <list>', `comma-separated: ${SOCKET_FIELD_NAMES.join(',')}`)
    .option('--verbose', 'also say which namespaces went away while being listed')
    .action(async (words, options) => {
      checkPrefetchSetting(io);
      if (options.summary === true) {
        await printStats(io, chooseFormat(options));
        return;
      }
      const format = chooseFormat(options);
      const selection: SocketSelection = { tables: new Set(), families: new Set() };
      if (options.tcp === true) addTables(selection, 'tcp');
      if (options.udp === true) addTables(selection, 'udp');
      if (options.raw === true) addTables(selection, 'raw');
      if (options.unix === true) addTables(selection, 'unix');
      if (options.mptcp === true) addTables(selection, 'mptcp');
      if (options.netlink === true) addTables(selection, 'netlink');
      if (options.packet === true) addTables(selection, 'packet');
      for (const query of options.query) addQuery(selection, query);
      if (options.ipv4 === true) selection.families.add('inet');
      if (options.ipv6 === true) selection.families.add('inet6');
      for (const family of options.family) addFamily(selection, family);
      const { protocols, keep } = selectedProtocols(selection);
      const families = [...selection.families];
      const fromFile = options.filterFile === undefined ? '' : readFilterFile(options.filterFile);
      const user = parseFilter([...words, fromFile].join(' '));
      const defaults = mentionsState(user) ? '' : defaultStates(options.listening === true, options.all === true);
      const filter: FilterNode = defaults === '' ? user : { type: 'and', left: parseFilter(defaults), right: user };
      if (options.events === true) {
        const fields =
          options.fields === undefined ? defaultFields(options) : chooseFields(options.fields, SOCKET_FIELD_NAMES);
        const style = { numeric: options.numeric === true };
        const chosen = (socket: Socket) =>
          keep(socket) &&
          (protocols === undefined || protocols.includes(socket.protocol)) &&
          (families.length === 0 || families.includes(socket.family));
        await printDestroyEvents(user, chosen, { format, fields, header: options.header, style }, io);
        return;
      }
      const listOptions: ListSocketsOptions = {
        ...(protocols === undefined ? {} : { protocols }),
        ...(families.length > 0 ? { families } : {}),
        filter,
        // -K enters a namespace through a holder's /proc/PID/ns/net, so it needs owners too.
        owners: options.processes === true || options.threads === true || options.kill === true,
        tcpInfo: options.info === true,
        skmem: options.memory === true,
        tos: options.tos === true,
        inetSockopt: options.inetSockopt === true,
        // ss's plain columns need none of sock_diag's details: then several namespaces can be read in one pass.
        details:
          (format !== 'table' && format !== 'csv') ||
          options.fields !== undefined ||
          options.extended === true ||
          options.options === true ||
          options.cgroup === true ||
          options.kill === true,
        netns: options.netns,
        backend: backendOf(io),
      };
      const fields =
        options.fields === undefined ? defaultFields(options) : chooseFields(options.fields, SOCKET_FIELD_NAMES);
      const names = options.resolve === true ? readHostNames() : undefined;
      const details = options.fields === undefined && options.oneline !== true ? detailFields(options) : [];
      const plain = { numeric: options.numeric === true, tcpOptions: options.options === true };
      const base = { format, fields, header: options.header, style: plain, details, verbose: options.verbose === true };
      const needsObjects = options.kill === true || options.threads === true;
      const listed = await printColumnarListing(
        listOptions,
        names === undefined ? base : { ...base, names },
        { needsObjects },
        io,
      );
      if (typeof listed === 'number') {
        if (listed === 0) setExit(1);
        return;
      }
      const snapshot = { ...listed, sockets: listed.sockets.filter(keep) };
      const threads = options.threads === true ? threadsOf(snapshot.sockets) : undefined;
      const style = threads === undefined ? plain : { ...plain, threads };
      const view = { ...base, style };
      if (options.kill === true && snapshot.sockets.length > 0) {
        setExit(await closeListed(snapshot, view, options.yes === true, io));
        return;
      }
      await printSnapshot(snapshot, names === undefined ? view : { ...view, names }, io);
      if (snapshot.sockets.length === 0) setExit(1);
    });
}

interface FieldFlags {
  threads?: true;
  queues?: boolean;
  processes?: true;
  extended?: true;
  options?: true;
  info?: true;
  memory?: true;
  tos?: true;
  cgroup?: true;
  inetSockopt?: true;
  oneline?: true;
}

/** The columns of ss's line, in ss's order: process, timer, details (-e), TOS; with -O also -m and -i. */
function defaultFields(options: FieldFlags): string[] {
  const fields = ['netid', 'state', ...(options.queues === false ? [] : ['recv-q', 'send-q']), 'local', 'peer'];
  if (options.processes === true || options.threads === true) fields.push('users');
  // ss -e turns on -o as well.
  if (options.options === true || options.extended === true) fields.push('timer');
  if (options.extended === true) fields.push('extended', 'netns');
  if (options.tos === true) fields.push('tos');
  if (options.cgroup === true) fields.push('cgroup');
  if (options.oneline === true) fields.push(...detailFields(options).flat());
  return fields;
}

/** What ss prints on lines below a socket's line (unless -O): IP options; then memory and tcp_info. */
function detailFields(options: FieldFlags): string[][] {
  const lines: string[][] = [];
  if (options.inetSockopt === true) lines.push(['inet-sockopt']);
  const info: string[] = [];
  if (options.memory === true) info.push('skmem');
  if (options.info === true) info.push('tcp-info');
  if (info.length > 0) lines.push(info);
  return lines;
}
