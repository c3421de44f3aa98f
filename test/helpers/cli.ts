import { run } from '../../src/cli/main.js';

/** What one in-process CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (not a TTY, no colours unless `isTTY`). */
export async function cli(
  args: readonly string[],
  options: {
    isTTY?: boolean;
    columns?: number;
    confirm?: (question: string) => Promise<boolean>;
    env?: Readonly<Record<string, string>>;
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: options.isTTY ?? false,
    columns: options.columns,
    env: options.env ?? {},
    confirm: options.confirm,
  });
  return { code, stdout, stderr };
}
