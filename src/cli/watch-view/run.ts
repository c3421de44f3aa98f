import { hostname } from 'node:os';
import { emitKeypressEvents } from 'node:readline';
import { isPortscopeError } from '../../errors.js';
import { compileFilter, type SocketPredicate } from '../../inventory/filter/compile.js';
import { parseFilter } from '../../inventory/filter/parser.js';
import { linuxFilterResolvers } from '../../inventory/linux/filter-context.js';
import { netnsOf, readNetnsNames } from '../../inventory/linux/netns.js';
import { readUsers } from '../../inventory/linux/passwd.js';
import type { Socket } from '../../model/index.js';
import type { Listener, WatchOptions } from '../../monitor/types.js';
import { watchSockets } from '../../monitor/watch.js';
import { readNetstat } from '../../ports/doctor/netstat.js';
import { colorsFor, type CliIo } from '../io.js';
import { renderView, SORTS, type Sort } from './render.js';
import { ViewState } from './state.js';

/** How often the screen is redrawn, in ms. */
const REDRAW_MS = 500;

/** A listener as the filter language sees a socket (state LISTEN, or UNCONN for UDP; no peer). */
function asSocket(l: Listener): Socket {
  const peer = { address: l.family === 'inet6' ? '::' : l.family === 'unix' ? '' : '0.0.0.0', port: 0 };
  return {
    protocol: l.protocol,
    family: l.family,
    state: l.protocol === 'udp' || l.protocol === 'udplite' ? 'UNCONN' : 'LISTEN',
    local: l.local,
    peer,
    ...(l.acceptQueue === undefined ? {} : { recvQ: l.acceptQueue }),
    ...(l.backlog === undefined ? {} : { sendQ: l.backlog }),
    ...(l.inodes[0] === undefined ? {} : { inode: l.inodes[0] }),
    ...(l.netns === undefined ? {} : { netns: l.netns }),
    owners: [...l.owners],
    ownerStatus: l.ownerStatus,
  };
}

function compile(text: string): SocketPredicate {
  return compileFilter(parseFilter(text), {
    users: readUsers(),
    netnsNames: new Map([...readNetnsNames()].map(([inode, name]) => [name, inode])),
    ...linuxFilterResolvers(),
  });
}

/** ListenOverflows/ListenDrops of every netns with a listener (the host's from /proc/net/netstat). */
function readOverflows(state: ViewState): void {
  const host = readNetstat();
  const own = String(netnsOf('self') ?? 'host');
  state.countOverflows(own, host.get('TcpExt:ListenOverflows') ?? 0, host.get('TcpExt:ListenDrops') ?? 0);
  for (const [netns, pid] of state.pidsByNetns()) {
    if (netns === own) continue;
    const counters = readNetstat(pid);
    if (counters.size === 0) continue;
    state.countOverflows(netns, counters.get('TcpExt:ListenOverflows') ?? 0, counters.get('TcpExt:ListenDrops') ?? 0);
  }
}

/**
 * The live view of `portscope watch` on a terminal (like top), in plain ANSI on the alternate screen:
 * listeners with owners (new ones in bold green, removed ones struck out, for 10 s), TCP state counts with
 * a sparkline of the last minute, accept queues against backlogs (red from 80%), ListenOverflows and
 * ListenDrops growth per netns. Keys: q quit, p pause, / filter (the filter language), s sort.
 */
export async function runLiveView(options: WatchOptions, io: CliIo, signal: AbortSignal): Promise<void> {
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
  };
  signal.addEventListener('abort', stop, { once: true });
  const state = new ViewState();
  const c = colorsFor(io);
  let paused = false;
  let sort: Sort = 'port';
  let filterText = '';
  let predicate: SocketPredicate | undefined;
  let typing: string | undefined;
  let message: string | undefined;
  const draw = () => {
    const now = Date.now();
    const rows = state.visible(now).filter((r) => predicate === undefined || predicate(asSocket(r.listener)));
    const size = { rows: process.stdout.rows, columns: process.stdout.columns };
    const settings = {
      host: hostname(),
      intervalMs: options.intervalMs ?? 1000,
      paused,
      sort,
      filter: filterText,
      ...(typing === undefined ? {} : { typing }),
      ...(message === undefined ? {} : { message }),
    };
    io.stdout.write(`\x1b[H${renderView(state, rows, settings, size, c)}`);
  };
  const onKey = (text: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
    if (key?.ctrl === true && key.name === 'c') stop();
    else if (typing !== undefined) {
      if (key?.name === 'return') {
        try {
          predicate = typing.trim() === '' ? undefined : compile(typing);
          filterText = typing.trim();
          message = undefined;
        } catch (error) {
          message = isPortscopeError(error) ? error.message : String(error);
        }
        typing = undefined;
      } else if (key?.name === 'escape') typing = undefined;
      else if (key?.name === 'backspace') typing = typing.slice(0, -1);
      else if (text !== undefined && text >= ' ') typing += text;
    } else if (text === 'q') stop();
    else if (text === 'p') paused = !paused;
    else if (text === 's') sort = SORTS[(SORTS.indexOf(sort) + 1) % SORTS.length] ?? 'port';
    else if (text === '/') typing = '';
    draw();
  };
  emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.on('keypress', onKey);
  io.stdout.write('\x1b[?1049h\x1b[?25l\x1b[2J');
  const timer = setInterval(() => {
    if (!paused) draw();
  }, REDRAW_MS);
  try {
    for await (const event of watchSockets({ summaryIntervalMs: 2000, ...options, signal: controller.signal })) {
      state.apply(event, Date.now());
      if (event.type === 'summary') readOverflows(state);
    }
  } finally {
    clearInterval(timer);
    process.stdin.off('keypress', onKey);
    process.stdin.setRawMode(false);
    process.stdin.pause();
    signal.removeEventListener('abort', stop);
    io.stdout.write('\x1b[?25h\x1b[?1049l');
  }
}
