import type { Listener, SocketEvent } from './types.js';

/**
 * One row of osquery's `listening_ports` table (specs/listening_ports.table in osquery), every value a
 * string as osquery's event-format result log writes them.
 */
export interface OsqueryListeningPortsRow {
  readonly pid: string;
  readonly port: string;
  readonly protocol: string;
  readonly family: string;
  readonly address: string;
  readonly fd: string;
  readonly socket: string;
  readonly path: string;
  readonly net_namespace: string;
}

/** One line of osquery's differential result log, event format (docs/wiki/deployment/logging.md in osquery). */
export interface OsqueryResultLine {
  readonly name: string;
  readonly hostIdentifier: string;
  /** asctime(3) in UTC with a ` UTC` suffix: `Mon May  2 22:27:32 2016 UTC`. */
  readonly calendarTime: string;
  /** Seconds since the epoch, as a string. */
  readonly unixTime: string;
  readonly epoch: string;
  /** `0` for the rows of the first run, then +1 for each later event written. */
  readonly counter: string;
  readonly columns: OsqueryListeningPortsRow;
  readonly action: 'added' | 'removed';
}

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { tcp: '6', udp: '17', udplite: '136', mptcp: '262' };
const FAMILY_NUMBERS: Readonly<Record<string, string>> = { inet: '2', inet6: '10', unix: '1' };
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** asctime(3) of `date` in UTC, plus ` UTC`, as osquery's calendarTime. */
export function calendarTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()] ?? ''} ${MONTHS[date.getUTCMonth()] ?? ''} ${day} ${time} ${String(date.getUTCFullYear())} UTC`;
}

/**
 * The listening_ports rows of a listener: one per (owner, fd), as osquery lists a socket once per
 * process fd; one row with pid and fd `-1` when no owner is known (osquery's value for unknown).
 */
export function listeningPortsRows(listener: Listener): OsqueryListeningPortsRow[] {
  const unix = listener.protocol === 'unix';
  const base = {
    port: unix ? '0' : String(listener.local.port),
    protocol: unix ? '0' : (PROTOCOL_NUMBERS[listener.protocol] ?? '0'),
    family: FAMILY_NUMBERS[listener.family] ?? '0',
    address: unix ? '' : listener.local.address,
    socket: String(listener.inodes[0] ?? ''),
    path: unix ? listener.local.address : '',
    net_namespace: listener.netns === undefined ? '' : String(listener.netns),
  };
  const holders = listener.owners.flatMap((o) =>
    (o.fds !== undefined && o.fds.length > 0 ? o.fds : [-1]).map((fd) => [o.pid, fd]),
  );
  if (holders.length === 0) holders.push([-1, -1]);
  return holders.map(([pid, fd]) => ({ pid: String(pid), ...base, fd: String(fd) }));
}

/** Writes events as osquery differential result-log lines, keeping osquery's counter. */
export class OsqueryWriter {
  private counter = 0;

  /**
   * @param name the scheduled query's name (`pack_NAME_QUERY` in a pack)
   * @param hostIdentifier osquery's `--host_identifier`; the host name by default there too
   * @param epoch osquery's `--schedule_epoch` (0 by default there)
   */
  constructor(
    private readonly name: string,
    private readonly hostIdentifier: string,
    private readonly epoch = 0,
  ) {}

  /**
   * The lines for one event: `listener-added` gives `added` rows, `listener-removed` `removed` rows,
   * `listener-changed` the previous rows `removed` then the new ones `added` (osquery's view of a
   * restart: other pids); summary and warning events have no osquery counterpart (none).
   */
  lines(event: SocketEvent): OsqueryResultLine[] {
    const rows: [OsqueryResultLine['action'], OsqueryListeningPortsRow][] = [];
    if (event.type === 'listener-added') for (const r of listeningPortsRows(event.listener)) rows.push(['added', r]);
    if (event.type === 'listener-removed')
      for (const r of listeningPortsRows(event.listener)) rows.push(['removed', r]);
    if (event.type === 'listener-changed') {
      for (const r of listeningPortsRows(event.previous)) rows.push(['removed', r]);
      for (const r of listeningPortsRows(event.listener)) rows.push(['added', r]);
    }
    if (rows.length === 0) return [];
    if (!(event.type === 'listener-added' && event.initial)) this.counter++;
    const date = new Date(event.time);
    const head = {
      name: this.name,
      hostIdentifier: this.hostIdentifier,
      calendarTime: calendarTime(date),
      unixTime: String(Math.floor(date.getTime() / 1000)),
      epoch: String(this.epoch),
      counter: String(this.counter),
    };
    return rows.map(([action, columns]) => ({ ...head, columns, action }));
  }
}
