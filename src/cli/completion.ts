import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { PortscopeError } from '../errors.js';
import type { CliIo } from './io.js';

/** The shells `portscope completion SHELL` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

interface Verb {
  readonly name: string;
  readonly description: string;
  readonly flags: readonly { readonly flag: string; readonly description: string }[];
}

/** The verbs and their option spellings, read from the program itself: the completions cannot drift. */
function verbsOf(program: CommandUnknownOpts): Verb[] {
  return program.commands.map((c) => ({
    name: c.name(),
    description: c.description().split('\n')[0] ?? '',
    flags: [...c.options, ...(c.name() === 'help' ? [] : [{ long: '--help', short: '-h', description: 'show help' }])]
      .flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))
      .map((flag) => ({
        flag,
        description: c.options.find((o) => o.long === flag || o.short === flag)?.description ?? 'show help',
      })),
  }));
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

function bash(verbs: readonly Verb[]): string {
  const cases = verbs.map((v) => `    ${v.name}) opts=${quote(v.flags.map((f) => f.flag).join(' '))} ;;`).join('\n');
  return `# portscope completion for bash: eval "$(portscope completion bash)"
_portscope() {
  local cur=\${COMP_WORDS[COMP_CWORD]} verb=\${COMP_WORDS[1]} opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote(verbs.map((v) => v.name).join(' '))} -- "$cur"))
    return
  fi
  case "$verb" in
${cases}
    *) opts='' ;;
  esac
  if [ "$verb" = help ]; then opts=${quote(verbs.map((v) => v.name).join(' '))}; fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _portscope portscope
`;
}

function zsh(verbs: readonly Verb[]): string {
  return `#compdef portscope
# portscope completion for zsh: portscope completion zsh > "\${fpath[1]}/_portscope", or eval "$(portscope completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash(verbs).replace(/^# .*\n/, '')}`;
}

function fish(verbs: readonly Verb[]): string {
  const lines = ['# portscope completion for fish: portscope completion fish | source', 'complete -c portscope -f'];
  for (const v of verbs) {
    lines.push(`complete -c portscope -n __fish_use_subcommand -a ${v.name} -d ${quote(v.description)}`);
    for (const f of v.flags) {
      const spec = f.flag.startsWith('--') ? `-l ${f.flag.slice(2)}` : `-s ${f.flag.slice(1)}`;
      lines.push(
        `complete -c portscope -n ${quote(`__fish_seen_subcommand_from ${v.name}`)} ${spec} -d ${quote(f.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `portscope completion bash|zsh|fish`: a completion script for the shell, from the program's own verbs and options. */
export function completionCommand(io: CliIo, program: CommandUnknownOpts) {
  return new Command('completion')
    .description('print a shell completion script: bash, zsh or fish')
    .argument('<shell>', SHELLS.join(' | '))
    .action((shell) => {
      const verbs = verbsOf(program);
      if (shell === 'bash') io.stdout.write(bash(verbs));
      else if (shell === 'zsh') io.stdout.write(zsh(verbs));
      else if (shell === 'fish') io.stdout.write(fish(verbs));
      else throw new PortscopeError('INVALID_ARGUMENT', `Expected a shell (${SHELLS.join(', ')}), got \`${shell}\``);
    });
}
