import { execFile } from 'node:child_process';
import { PortscopeError } from '../../errors.js';

/** What a tool printed, or why it could not run. */
export interface ToolResult {
  readonly stdout: string;
  /** Exit status (lsof exits 1 when it found nothing, ps when a pid is gone: not errors here). */
  readonly status: number;
  /** What it wrote to stderr (warnings, or why it failed). */
  readonly stderr: string;
}

/**
 * Why a tool's run gave no table: its command line, exit status and first stderr line, when it exited
 * non-zero with nothing on stdout (a netstat refused by a sandbox, an option a release lacks). Undefined
 * when it printed something or exited 0, and for `quietStatus` (lsof's 1 with no stderr: nothing found).
 */
export function toolFailure(
  name: string,
  args: readonly string[],
  result: ToolResult,
  quietStatus?: number,
): string | undefined {
  if (result.status === 0 || result.stdout.trim() !== '') return undefined;
  const firstLine = result.stderr
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim();
  if (result.status === quietStatus && firstLine === undefined) return undefined;
  return `\`${[name, ...args].join(' ')}\` exited ${String(result.status)}${firstLine === undefined ? ' with no output' : `: ${firstLine}`}`;
}

/** Wall time allowed per tool run: lsof on a busy Mac takes seconds (PLATFORMS.md 3.6). */
const TOOL_TIMEOUT_MS = 60_000;

/**
 * Runs a platform tool by name from PATH, in the C locale and UTC (so that dates and words are the
 * ones the parsers read), and returns its output. Undefined when the tool is not installed.
 * @throws PortscopeError `IO_ERROR` when it is killed by the time-out or cannot be run.
 */
export function runTool(name: string, args: readonly string[]): Promise<ToolResult | undefined> {
  return new Promise((resolve, reject) => {
    execFile(
      name,
      args,
      {
        encoding: 'utf8',
        timeout: TOOL_TIMEOUT_MS,
        maxBuffer: 512 * 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C', LANG: 'C', TZ: 'UTC' },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        if (code === 'ENOENT') resolve(undefined);
        else if (typeof code === 'number' && error?.killed !== true) resolve({ stdout, status: code, stderr });
        else
          reject(
            new PortscopeError(
              'IO_ERROR',
              `Expected \`${name} ${args.join(' ')}\` to finish, got: ${error?.message ?? String(code)}`,
              {
                cause: error,
              },
            ),
          );
      },
    );
  });
}
