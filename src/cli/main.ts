import { Command, CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { PortscopeError, isPortscopeError } from '../errors.js';
import { rewriteCompatFlags } from './nc-compat.js';
import { rewriteNmapFlags } from './scan-argv.js';
import { exitCodeFor } from './exit-codes.js';
import { examplesText } from './examples.js';
import { completionCommand } from './completion.js';
import { noticeMissingAddon } from './addon-notice.js';
import { checkHoisted, hoistGlobalOptions } from './global-options.js';
import { verbsToLoad } from './verb-choice.js';
import { processIo, type CliIo } from './io.js';

/** What a verb's command module is built from. */
interface VerbContext {
  readonly io: CliIo;
  readonly setExit: (code: number) => void;
  readonly version: string;
  /** The arguments, the verb first, before any rewriting. */
  readonly argv: readonly string[];
  /** `wait T... -- CMD ARGS`: CMD ARGS. */
  readonly command: readonly string[] | undefined;
}

/**
 * The verbs, in the order `--help` lists them, each with the import of its command module: a run loads only
 * the module of its verb (all of them for `--help`, `help`, `completion` and unknown verbs; see verb-choice.ts),
 * since evaluating every verb's code and the Node modules it imports cost every command tens of ms of CPU.
 */
const VERBS: readonly (readonly [string, (c: VerbContext) => Promise<CommandUnknownOpts>])[] = [
  ['ls', async (c) => (await import('./commands/ls.js')).lsCommand(c.io, c.setExit)],
  ['stats', async (c) => (await import('./commands/stats.js')).statsCommand(c.io)],
  ['who', async (c) => (await import('./commands/who.js')).whoCommand(c.io, c.setExit)],
  ['info', async (c) => (await import('./commands/info.js')).infoCommand(c.io, c.setExit)],
  ['free', async (c) => (await import('./commands/free.js')).freeCommand(c.io)],
  ['kill', async (c) => (await import('./commands/kill.js')).killCommand(c.io, c.setExit)],
  ['wait', async (c) => (await import('./commands/wait.js')).waitCommand(c.io, c.setExit, c.command)],
  ['doctor', async (c) => (await import('./commands/doctor.js')).doctorCommand(c.io, c.setExit)],
  ['scan', async (c) => (await import('./commands/scan.js')).scanCommand(c.io, c.setExit, c.version, c.argv.slice(1))],
  ['nc', async (c) => (await import('./commands/nc.js')).ncCommand(c.io, c.setExit)],
  ['exporter', async (c) => (await import('./commands/exporter.js')).exporterCommand(c.io)],
  ['audit', async (c) => (await import('./commands/audit.js')).auditCommand(c.io, c.setExit)],
  ['diff', async (c) => (await import('./commands/diff.js')).diffCommand(c.io, c.setExit)],
  ['watch', async (c) => (await import('./commands/watch.js')).watchCommand(c.io)],
];
const VERB_NAMES = VERBS.map(([name]) => name);

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
      const { showListening } = await import('./commands/listening.js');
      await showListening(options, io, setExit);
    });
  const hoisted = hoistGlobalOptions(rawArgv, program, VERB_NAMES);
  const argv = hoisted.args;
  // `wait T... -- CMD ARGS`: commander would take CMD ARGS as more targets, so split them off first.
  const dashes = argv[0] === 'wait' ? argv.indexOf('--') : -1;
  const context = { io, setExit, version, argv, command: dashes < 0 ? undefined : argv.slice(dashes + 1) };
  // `scan` takes nmap's spellings (-sT, -Pn, -p-, -oX, -iL) that commander cannot parse: rewrite them.
  // `nc --compat openbsd|ncat` reads that tool's letters: rewrite them to ours.
  let args: readonly string[] = argv;
  if (argv[0] === 'scan') args = ['scan', ...rewriteNmapFlags(argv.slice(1))];
  else if (argv[0] === 'nc') args = ['nc', ...rewriteCompatFlags(argv.slice(1))];
  let verbs = await makeVerbs(verbsToLoad(argv, VERB_NAMES), context);
  // An option moved before a verb that does not take it: checkHoisted's error names every verb that does.
  if (verbs.length === 1 && hoisted.moved.some(({ long }) => !verbs[0]?.options.some((o) => o.long === long)))
    verbs = await makeVerbs('all', context);
  for (const verb of verbs) program.addCommand(verb);
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

/** The commands of the verbs named (or of all), in the order of {@link VERBS}. */
async function makeVerbs(names: readonly string[] | 'all', context: VerbContext): Promise<CommandUnknownOpts[]> {
  const chosen = VERBS.filter(([name]) => names === 'all' || names.includes(name));
  return Promise.all(chosen.map(([, make]) => make(context)));
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
