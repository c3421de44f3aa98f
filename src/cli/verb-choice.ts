/** Names that commander dispatches besides the verbs: they need every verb loaded. */
const ROOT_COMMANDS = ['help', 'completion'];

/**
 * Which verbs' command modules a run needs, from its arguments after global-option hoisting
 * (src/cli/global-options.ts): the verb alone when `args` starts with one; none for `portscope` alone (the
 * listening sockets), `--version` and the root's own options; `'all'` when any argument asks for help
 * (`--help`, `-h`, a short-option cluster with h) or names `help`, `completion` or a verb anywhere else (commander
 * may dispatch it, even after `--`), or starts with an unknown word (its error lists every verb). Loading all is never wrong, only
 * slower, so any doubt answers `'all'`. `verbs` are the verb names in the order `--help` lists them.
 */
export function verbsToLoad(args: readonly string[], verbs: readonly string[]): readonly string[] | 'all' {
  const first = args[0];
  if (first !== undefined && verbs.includes(first)) return [first];
  if (first !== undefined && !first.startsWith('-')) return 'all';
  const names = [...verbs, ...ROOT_COMMANDS];
  const asks = (arg: string) => arg === '--help' || /^-[^-]*h/.test(arg) || names.includes(arg);
  return args.some(asks) ? 'all' : [];
}
