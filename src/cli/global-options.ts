import type { CommandUnknownOpts as Command, Option } from '@commander-js/extra-typings';
import { PortscopeError } from '../errors.js';

/** Options of `portscope` itself that a user may also write before a verb: `portscope --json who 3000`. */
export interface HoistedArgs {
  /** The arguments with every option written before the verb moved to just after it. */
  readonly args: string[];
  /** The verb, when one was found after the leading options. */
  readonly verb: string | undefined;
  /** The long names of the options that were moved (`--json`, `--numeric`), for {@link checkHoisted}. */
  readonly moved: { readonly written: string; readonly long: string }[];
}

/**
 * Moves the root's options written before the verb to just after it, in their long spelling (so that
 * `-n`, the root's `--numeric`, never becomes `kill -n`, which is `--dry-run`). Without this, commander
 * gives them to the root and the verb silently ignores them. Stops at the first argument that is not a
 * root option; leaves `argv` as it is when no verb follows.
 */
export function hoistGlobalOptions(argv: readonly string[], root: Command, verbs: readonly string[]): HoistedArgs {
  const moved: { written: string; long: string }[] = [];
  const hoisted: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') ? splitInline(arg) : [arg, undefined];
    const option = root.options.find((o: Option) => o.short === flag || o.long === flag);
    if (option?.long === undefined || flag === '-h' || flag === '--help' || flag === '-V' || flag === '--version')
      break;
    const takesValue = option.required || option.optional;
    // `--json=false` before the verb: leave it to commander, which refuses a value for an on/off option.
    if (!takesValue && inline !== undefined) break;
    hoisted.push(option.long);
    moved.push({ written: flag, long: option.long });
    if (takesValue && inline !== undefined) hoisted.push(inline);
    else if (takesValue) {
      i += 1;
      if (i < argv.length) hoisted.push(argv[i] ?? '');
    }
    i += 1;
  }
  const verb = argv[i];
  if (verb === undefined || moved.length === 0 || !verbs.includes(verb)) return { args: [...argv], verb, moved: [] };
  return { args: [verb, ...hoisted, ...argv.slice(i + 1)], verb, moved };
}

function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/**
 * Throws `INVALID_ARGUMENT` naming the first moved option that the verb does not take, and where it
 * goes instead: ``--fields` is not an option of `kill`; it goes with `portscope` alone or after ls, who``.
 */
export function checkHoisted(hoisted: HoistedArgs, root: Command): void {
  const command = root.commands.find((c) => c.name() === hoisted.verb);
  if (command === undefined) return;
  for (const { written, long } of hoisted.moved) {
    if (command.options.some((o: Option) => o.long === long)) continue;
    const spelled = written === long ? `\`${long}\`` : `\`${written}\` (${long})`;
    const takers = root.commands.filter((c) => c.options.some((o: Option) => o.long === long)).map((c) => c.name());
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `${spelled} is not an option of \`${command.name()}\`; it goes with \`portscope\` alone` +
        `${takers.length > 0 ? ` or after ${takers.join(', ')}` : ''} (see portscope ${command.name()} --help)`,
    );
  }
}
