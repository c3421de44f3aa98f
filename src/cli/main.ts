import { Command, CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { PortscopeError, isPortscopeError } from '../errors.js';
import { showListening } from './commands/listening.js';
import { lsCommand } from './commands/ls.js';
import { statsCommand } from './commands/stats.js';
import { whoCommand } from './commands/who.js';
import { infoCommand } from './commands/info.js';
import { freeCommand } from './commands/free.js';
import { killCommand } from './commands/kill.js';
import { waitCommand } from './commands/wait.js';
import { doctorCommand } from './commands/doctor.js';
import { scanCommand } from './commands/scan.js';
import { ncCommand } from './commands/nc.js';
import { exporterCommand } from './commands/exporter.js';
import { auditCommand } from './commands/audit.js';
import { diffCommand } from './commands/diff.js';
import { watchCommand } from './commands/watch.js';
import { rewriteCompatFlags } from './nc-compat.js';
import { rewriteNmapFlags } from './scan-argv.js';
import { exitCodeFor } from './exit-codes.js';
import { examplesText } from './examples.js';
import { completionCommand } from './completion.js';
import { noticeMissingAddon } from './addon-notice.js';
import { checkHoisted, hoistGlobalOptions } from './global-options.js';
import { processIo, type CliIo } from './io.js';

/** The verbs, in the order `--help` lists them. */
const VERBS = [
  'ls',
  'stats',
  'who',
  'info',
  'free',
  'kill',
  'wait',
  'doctor',
  'scan',
  'nc',
  'audit',
  'diff',
  'exporter',
  'watch',
];

const { version } = createRequire(import.meta.url)(join(packageRoot(), 'package.json')) as { version: string };

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code: 0 success,
 * 1 negative answer (nothing found), 2 bad usage or input, 3 runtime failure. Never calls
 * process.exit, so tests can run it in-process.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await runProgram(argv, io);
  } catch (error) {
    io.stderr.write(`portscope: ${isPortscopeError(error) ? error.message : String(error)}\n`);
    return exitCodeFor(error);
  }
}

async function runProgram(rawArgv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command('portscope')
    .description(
      'Network ports and sockets: what listens, who owns it.\nWith no command: listening TCP and UDP sockets with their owners.',
    )
    .version(version)
    .option('--json', 'print the Snapshot as JSON')
    .option('--format <format>', 'table | json | ndjson | csv', 'table')
    .option('-n, --numeric', 'no service names')
    .option('--fields <list>', 'comma-separated: proto,address,port,service,process,user,unit,command')
    .option('--netns <which>', 'all | host | a name under /run/netns | a namespace inode', 'all')
    .option('-H, --no-header', 'no header line')
    .option('--verbose', 'on errors, print the cause chain')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .action(async (options) => {
      await showListening(options, io, setExit);
    });
  const hoisted = hoistGlobalOptions(rawArgv, program, VERBS);
  const argv = hoisted.args;
  program.addCommand(lsCommand(io, setExit));
  program.addCommand(statsCommand(io));
  program.addCommand(whoCommand(io, setExit));
  program.addCommand(infoCommand(io, setExit));
  program.addCommand(freeCommand(io));
  program.addCommand(killCommand(io, setExit));
  // `wait T... -- CMD ARGS`: commander would take CMD ARGS as more targets, so split them off first.
  const dashes = argv[0] === 'wait' ? argv.indexOf('--') : -1;
  const command = dashes < 0 ? undefined : argv.slice(dashes + 1);
  program.addCommand(waitCommand(io, setExit, command));
  program.addCommand(doctorCommand(io, setExit));
  // `scan` takes nmap's spellings (-sT, -Pn, -p-, -oX, -iL) that commander cannot parse: rewrite them.
  // `nc --compat openbsd|ncat` reads that tool's letters: rewrite them to ours.
  let args: readonly string[] = argv;
  if (argv[0] === 'scan') args = ['scan', ...rewriteNmapFlags(argv.slice(1))];
  else if (argv[0] === 'nc') args = ['nc', ...rewriteCompatFlags(argv.slice(1))];
  program.addCommand(scanCommand(io, setExit, version, argv.slice(1)));
  program.addCommand(ncCommand(io, setExit));
  program.addCommand(exporterCommand(io));
  program.addCommand(auditCommand(io, setExit));
  program.addCommand(diffCommand(io, setExit));
  program.addCommand(watchCommand(io));
  program.addCommand(helpCommand(program));
  program.addCommand(completionCommand(io, program));
  for (const command of program.commands) {
    if (!command.options.some((o) => o.long === '--verbose'))
      command.option('--verbose', 'on errors, print the cause chain');
    command.addHelpText('after', examplesText(command.name()));
    command
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  program.addHelpText('after', examplesText(''));
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !program.commands.some((c) => c.name() === first)) {
    const known = program.commands.map((c) => c.name()).join(', ');
    io.stderr.write(`portscope: unknown command \`${first}\`; expected one of ${known} (see portscope --help)\n`);
    return 2;
  }
  checkHoisted(hoisted, program);
  noticeMissingAddon(argv, io);
  try {
    await program.parseAsync(dashes < 0 ? [...args] : args.slice(0, dashes), { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr.write(`portscope: ${isPortscopeError(error) ? error.message : String(error)}\n`);
    if (argv.includes('--verbose')) io.stderr.write(`${error instanceof Error ? (error.stack ?? '') : ''}\n`);
    return exitCodeFor(error);
  }
}

/** `portscope help [VERB]`: the help of the program or of a verb, with its examples. */
function helpCommand(program: CommandUnknownOpts): CommandUnknownOpts {
  return new Command('help')
    .description('show the help of portscope or of a verb, with examples')
    .argument('[verb]', 'a verb: ls, who, kill...')
    .action((verb) => {
      const target = verb === undefined ? program : program.commands.find((c) => c.name() === verb);
      if (target === undefined) {
        const known = program.commands.map((c) => c.name()).join(', ');
        throw new PortscopeError('INVALID_ARGUMENT', `Expected a verb (${known}), got \`${verb ?? ''}\``);
      }
      target.outputHelp();
    });
}

/** The `bin/portscope.js` entry: runs with the process's arguments and sets its exit code. */
export async function main(): Promise<void> {
  // A reader that goes away (`portscope ls | head`) is not an error: stop quietly, as ss does.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  // Diagnostics whose reader went away are lost, not fatal: a listener logging to a closed pipe
  // keeps serving, and a usage error still exits 2.
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  process.exitCode = await run(process.argv.slice(2));
}
