import { Command } from '@commander-js/extra-typings';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { PortscopeError } from '../../errors.js';
import { WAIT_CONDITIONS, waitForPort } from '../../ports/wait-for-port.js';
import type { WaitCondition, WaitResult } from '../../ports/index.js';
import { parseDuration } from '../duration.js';
import { backendOf, type CliIo } from '../io.js';
import { chooseFormat } from '../render/output.js';

function readyLine(r: WaitResult): string {
  const seconds = (r.elapsedMs / 1000).toFixed(1);
  const open =
    r.status === undefined ? `${r.address ?? ''} accepted` : `${r.address ?? ''} answered ${String(r.status)}`;
  const by = r.address === undefined ? '' : `${r.until === 'open' ? open : `on ${r.address}`}, `;
  return `${r.target} is ${r.until} (${by}after ${seconds} s, ${String(r.attempts)} attempt${r.attempts === 1 ? '' : 's'})\n`;
}

/** Runs `command` with the terminal's stdio and resolves with its exit code (128+N when killed by signal N). */
function runCommand(command: readonly string[]): Promise<number> {
  const [file = '', ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit' });
    child.once('error', (error) => {
      reject(new PortscopeError('NOT_FOUND', `Cannot run \`${file}\`: ${error.message}`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      resolve(code ?? 128 + ((signal === null ? 0 : constants.signals[signal]) || 0));
    });
  });
}

/**
 * `portscope wait <target...> [-- command args]`: wait until every target is open (or closed,
 * listening, free), then run the command if one is given and exit with its code.
 */
export function waitCommand(io: CliIo, setExit: (code: number) => void, command: readonly string[] | undefined) {
  return new Command('wait')
    .description(
      'wait until ports are open (or closed, listening, free), then optionally run a command: wait T... -- CMD',
    )
    .argument(
      '<targets...>',
      'HOST:PORT, [IPv6]:PORT, :PORT (this machine), unix:/PATH, tcp:HOST:PORT or http(s)://URL',
    )
    .option('--until <condition>', 'open | closed | listening | free', 'open')
    .option('-t, --timeout <duration>', 'give up after this long in all (0: never)', '30s')
    .option('-i, --interval <duration>', 'longest pause between attempts (pauses start at 50ms and double)', '1s')
    .option('-q, --quiet', 'print nothing when ready')
    .option('--json', 'print the results as JSON')
    .option('--format <format>', 'table | json', 'table')
    .action(async (targets, options) => {
      const format = chooseFormat(options, ['table', 'json']);
      if (!(WAIT_CONDITIONS as readonly string[]).includes(options.until)) {
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          `Expected --until to be one of ${WAIT_CONDITIONS.join(', ')}, got \`${options.until}\``,
        );
      }
      if (command?.length === 0)
        throw new PortscopeError('INVALID_ARGUMENT', 'Expected a command after `--`, got nothing');
      const results = await waitForPort(targets, {
        until: options.until as WaitCondition,
        timeoutMs: parseDuration(options.timeout, '--timeout'),
        intervalMs: Math.max(1, parseDuration(options.interval, '--interval')),
        backend: backendOf(io),
      });
      // With a command, its output owns stdout: the readiness report goes to stderr.
      const out = command === undefined ? io.stdout : io.stderr;
      if (format === 'json') out.write(`${JSON.stringify(results, null, 2)}\n`);
      else if (options.quiet !== true) for (const r of results) out.write(readyLine(r));
      if (command !== undefined) setExit(await runCommand(command));
    });
}
