import { Command, Option } from '@commander-js/extra-typings';
import { hostname } from 'node:os';
import { loadPolicy } from '../../audit/policy/load.js';
import { PortscopeError } from '../../errors.js';
import { OsqueryWriter } from '../../monitor/osquery.js';
import type { PolicyViolationEvent, SocketEvent, WatchOptions } from '../../monitor/types.js';
import { watchSockets } from '../../monitor/watch.js';
import { parseDuration } from '../duration.js';
import type { CliIo } from '../io.js';
import { EventRunner } from '../watch-exec.js';
import { runLiveView } from '../watch-view/run.js';
import { ownerLabel } from '../../model/owner-user.js';

type Protocols = NonNullable<WatchOptions['protocols']>;

/** Aborts on SIGINT/SIGTERM and, with `durationMs`, after that long; `release` removes the handlers. */
function stopper(durationMs: number | undefined): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = durationMs === undefined ? undefined : setTimeout(stop, durationMs);
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** One line for stderr: a policy violation in the osquery format, which has no row for it. */
function violationText(event: PolicyViolationEvent): string {
  if (event.listener !== undefined) {
    const { key, owners } = event.listener;
    const who = owners.map(ownerLabel).join(', ');
    return `policy violation: unexpected listener ${key}${who === '' ? '' : ` (${who})`}`;
  }
  const e = event.expected;
  return `policy violation: expected listener missing: ${e?.netns ?? 'host'}/${e?.protocol ?? ''}/${String(e?.port)}`;
}

/**
 * What one event prints in the chosen format: NDJSON, or osquery result-log lines (warnings and policy
 * violations to stderr: osquery's listening_ports results have no row for them).
 */
function printer(format: string, io: CliIo, queryName: string, hostIdentifier: string): (event: SocketEvent) => void {
  if (format === 'ndjson') return (event) => io.stdout.write(`${JSON.stringify(event)}\n`);
  const writer = new OsqueryWriter(queryName, hostIdentifier);
  return (event) => {
    if (event.type === 'warning') io.stderr.write(`portscope watch: ${event.message}\n`);
    if (event.type === 'policy-violation') io.stderr.write(`portscope watch: ${violationText(event)}\n`);
    for (const line of writer.lines(event)) io.stdout.write(`${JSON.stringify(line)}\n`);
  };
}

/**
 * `portscope watch`: on a terminal, the live view (runLiveView); with `--events`, `--format osquery`,
 * `--exec`, `--policy` or when stdout is not a terminal, listener events (docs/watch.md), one JSON line each: NDJSON `SocketEvent`s, or
 * with `--format osquery` osquery's differential result-log lines; `--exec CMD ARGS...` also runs CMD
 * per event with its JSON on stdin. Runs until SIGINT/SIGTERM or `--duration`.
 */
export function watchCommand(io: CliIo) {
  return new Command('watch')
    .description('watch listeners: added, removed, changed (restarts), summaries; NDJSON or osquery result-log lines')
    .argument('[command...]', 'with --exec: the program and its arguments')
    .option('--events', 'one JSON event per line (the default when stdout is not a terminal)')
    .addOption(new Option('--format <format>', 'ndjson | osquery').choices(['ndjson', 'osquery']).default('ndjson'))
    .option('--interval <duration>', 'time between polls', '1s')
    .option('--debounce <duration>', 'a listener gone and back within this is one listener-changed', '5s')
    .option('--summary-interval <duration>', 'time between summary events (0: none; default 60s, 2s in the live view)')
    .option('--netns <which>', 'all | host | a name under /run/netns | a namespace inode', 'all')
    .option('--protocols <list>', 'comma-separated: tcp,udp,udplite,unix,mptcp', 'tcp,udp,unix')
    .option('--ephemeral-udp', 'count unconnected UDP sockets on ephemeral ports as listeners')
    .option('--no-tracepoint', 'polls only (no sock:inet_sock_set_state tracepoint, even as root)')
    .option('--policy <file>', 'also emit policy-violation events against this audit policy (implies --events)')
    .option('--duration <duration>', 'stop after this long (default: until SIGINT/SIGTERM)')
    .option('--query-name <name>', 'osquery format: the query name', 'pack_portscope_listening_ports')
    .option('--host-identifier <id>', 'osquery format: the host identifier', hostname())
    .option('--exec', 'run the program given after the options once per event, the event JSON on its stdin')
    .passThroughOptions()
    .action(async (command, options) => {
      const [file, ...args] = command;
      if (options.exec === true && file === undefined) {
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          'Expected a program after --exec (portscope watch --exec CMD ARGS...)',
        );
      }
      if (options.exec !== true && file !== undefined) {
        throw new PortscopeError('INVALID_ARGUMENT', `Expected no arguments without --exec, got \`${file}\``);
      }
      const watchOptions: WatchOptions = {
        intervalMs: parseDuration(options.interval, '--interval', 10),
        debounceMs: parseDuration(options.debounce, '--debounce'),
        ...(options.summaryInterval === undefined
          ? {}
          : { summaryIntervalMs: parseDuration(options.summaryInterval, '--summary-interval') }),
        netns: options.netns,
        protocols: options.protocols.split(',') as Protocols,
        ephemeralUdp: options.ephemeralUdp === true,
        tracepoint: options.tracepoint ? 'auto' : false,
        // Read before the first poll: a bad policy is bad usage (FILE:LINE:COL, exit 2).
        ...(options.policy === undefined ? {} : { policy: loadPolicy(options.policy) }),
      };
      const durationMs = options.duration === undefined ? undefined : parseDuration(options.duration, '--duration');
      const live = options.events !== true && options.format === 'ndjson' && options.policy === undefined;
      // The view reads its keys from stdin: it needs a terminal on both ends.
      if (io.isTTY && process.stdin.isTTY && live && file === undefined) {
        const { signal, release } = stopper(durationMs);
        try {
          await runLiveView(watchOptions, io, signal);
        } finally {
          release();
        }
        return;
      }
      const print = printer(options.format, io, options.queryName, options.hostIdentifier);
      const runner =
        file === undefined
          ? undefined
          : new EventRunner([file, ...args], (line) => io.stderr.write(`portscope watch: ${line}\n`));
      const { signal, release } = stopper(durationMs);
      try {
        for await (const event of watchSockets({ ...watchOptions, signal })) {
          print(event);
          runner?.push(event);
        }
        await runner?.idle();
      } finally {
        release();
      }
    });
}
