// Writes man/portscope.1 from the CLI's own help (the same text as `portscope VERB --help`, examples
// included), so that the man page never drifts from the program. Runs after tsc, as part of `npm run build`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLES } from '../dist/cli/examples.js';
import { run } from '../dist/cli/main.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version, description } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The help text of `args`, as the CLI prints it into a pipe (no colour, no width limit). */
async function help(args) {
  let out = '';
  const io = {
    stdout: { write: (s) => (out += s) },
    stderr: { write: () => {} },
    isTTY: false,
    columns: undefined,
    env: {},
  };
  await run(args, io);
  return out.trimEnd();
}

/** Text kept as it is (.nf), with roff's escapes: backslashes, and a leading dot or quote. */
const verbatim = (text) =>
  ['.nf', ...text.split('\n').map((l) => l.replaceAll('\\', '\\e').replace(/^([.'])/, '\\&$1')), '.fi'].join('\n');

const verbs = Object.keys(EXAMPLES).filter((v) => v !== '');
const sections = [
  `.TH PORTSCOPE 1 "" "portscope ${version}" "User Commands"`,
  '.SH NAME',
  `portscope \\- ${description.replaceAll('\\', '\\e')}`,
  '.SH SYNOPSIS',
  verbatim(await help(['--help'])),
  '.SH COMMANDS',
];
for (const verb of verbs) sections.push(`.SS ${verb}`, verbatim(await help([verb, '--help'])));
sections.push(
  '.SH EXIT STATUS',
  '0 success; 1 a negative answer (nothing found, a wait timed out); 2 bad usage or input; 3 runtime failure.',
  '.SH SEE ALSO',
  'ss(8), lsof(8), fuser(1), nmap(1), ncat(1); the docs/ directory of the package.',
);
mkdirSync(join(root, 'man'), { recursive: true });
writeFileSync(join(root, 'man/portscope.1'), `${sections.join('\n')}\n`);
