import { execFile } from 'node:child_process';
import { errnoCode } from '../../errors.js';

/** A tool's standard output, or why it gave none (`not found on PATH`, `timed out after 20000 ms`, its stderr). */
export type ToolResult = { readonly stdout: string } | { readonly error: string };

/**
 * Runs `file args` by name from PATH (execFile, no shell), at most `timeoutMs`, and never throws. Output is
 * decoded as UTF-8, or as Latin-1 for `netstat` and `netsh`, which write the console's OEM code
 * page: their words may come out garbled (`ABH™REN`), which is harmless because only numbers are read.
 */
export function runTool(
  file: string,
  args: readonly string[],
  timeoutMs: number,
  encoding: 'utf8' | 'latin1' = 'utf8',
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, windowsHide: true, encoding },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout });
          return;
        }
        const firstLine = (stderr.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
        resolve({
          error:
            errnoCode(error) === 'ENOENT'
              ? 'not found on PATH'
              : error.killed
                ? `timed out after ${String(timeoutMs)} ms`
                : firstLine || `exited with code ${String(error.code)}`,
        });
      },
    );
  });
}

/** The PowerShell programs tried, in order: PowerShell 7 (`pwsh`), then Windows PowerShell 5.1. */
export const POWERSHELL_PROGRAMS = ['pwsh', 'powershell.exe'] as const;

/**
 * Runs a PowerShell script with the first of {@link POWERSHELL_PROGRAMS} that answers with exit code 0
 * (`-NoProfile -NonInteractive -Command`). Returns which program answered, or every program's failure.
 */
export async function runPowerShell(
  script: string,
  timeoutMs: number,
): Promise<{ readonly program: string; readonly stdout: string } | { readonly error: string }> {
  const failures: string[] = [];
  for (const program of POWERSHELL_PROGRAMS) {
    const result = await runTool(program, ['-NoProfile', '-NonInteractive', '-Command', script], timeoutMs);
    if ('stdout' in result) return { program, stdout: result.stdout };
    failures.push(`${program}: ${result.error}`);
  }
  return { error: failures.join('; ') };
}
