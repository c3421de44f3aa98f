import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from './fixture-text.js';

/** What a fake tool does for one exact argument list (a last argument `*` matches any rest). */
export type FakeReply =
  /** Print a recorded fixture (test/fixtures/PLATFORM/NAME) without its first-line source comment. */
  | { readonly args: readonly string[]; readonly fixture: readonly [platform: string, name: string] }
  /** Print a file as it is (an output this test captured from a real tool). */
  | { readonly args: readonly string[]; readonly file: string }
  /** Run the real tool of this machine with these arguments, plus `extra` after them. */
  | { readonly args: readonly string[]; readonly real: true; readonly extra?: readonly string[] }
  /** Print nothing on stdout, this line on stderr, and exit with this status. */
  | { readonly args: readonly string[]; readonly fails: { readonly status: number; readonly stderr: string } };

/** A temporary directory of fake tools to put first on PATH. */
export interface FakeTools {
  readonly dir: string;
  /** PATH with the fake tools first. */
  readonly path: string;
  remove(): void;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function realPath(tool: string): string {
  return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
}

/**
 * Writes small executable shell programs named after the tools (`lsof`, `ps`, `netstat`, `sockstat`...)
 * that answer each expected argument list from its reply, and refuse any other (exit 64, the arguments on
 * stderr): a backend that runs its tools with other arguments than the test expects fails loudly.
 */
export function makeFakeTools(tools: Readonly<Record<string, readonly FakeReply[]>>): FakeTools {
  const dir = mkdtempSync(join(tmpdir(), `portscope-fake-tools-${String(process.pid)}-`));
  for (const [tool, replies] of Object.entries(tools)) {
    const cases = replies.map((r) => {
      const body =
        'fixture' in r
          ? `tail -n +2 ${quote(fixturePath(r.fixture[0], r.fixture[1]))}`
          : 'file' in r
            ? `cat ${quote(r.file)}`
            : 'fails' in r
              ? `echo ${quote(r.fails.stderr)} >&2; exit ${String(r.fails.status)}`
              : `exec ${quote(realPath(tool))} "$@" ${(r.extra ?? []).map(quote).join(' ')}`;
      // A last argument `*` matches any rest (ps gets a list of pids).
      const glob = r.args.at(-1) === '*';
      const fixed = glob ? r.args.slice(0, -1).join(' ') + ' ' : r.args.join(' ');
      return `  ${quote(fixed)}${glob ? '*' : ''}) ${body} ;;`;
    });
    const script = [
      '#!/bin/sh',
      `# fake ${tool} for portscope's tests`,
      'case "$*" in',
      ...cases,
      `  *) echo "fake ${tool}: unexpected arguments: $*" >&2; exit 64 ;;`,
      'esac',
      '',
    ].join('\n');
    const file = join(dir, tool);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }
  return {
    dir,
    path: `${dir}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
