import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { builtCli, builtCliArgv, hasTool } from '../helpers/system.js';

/** This process's command name (comm): `node`, or `MainThread` under Node 24, which renames its main thread. */
const OWN_COMM = readFileSync('/proc/self/comm', 'utf8').trim();

const session = `portscope-watch-view-${String(process.pid)}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
/** The pane's text; with `escapes`, its colours and attributes as SGR sequences too. */
const capture = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (at most `timeoutMs`) until `test` holds on the pane; returns the pane. */
async function until(test: (pane: string) => boolean, what: string, escapes = false, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pane = capture(escapes);
    if (test(pane)) return pane;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; pane:\n${pane}`);
    await delay(200);
  }
}

const lineOf = (pane: string, text: string) => pane.split('\n').find((l) => l.includes(text)) ?? '';
/** True when `line` sets SGR attribute `code` (tmux may combine several in one sequence: `ESC[1;32m`). */
const sets = (line: string, code: number) => new RegExp(`\x1b\\[(?:\\d+;)*${String(code)}(?:;\\d+)*m`).test(line);

describe.skipIf(!builtCli || !hasTool('tmux', 'the live view of watch'))('portscope watch on a terminal (tmux)', () => {
  afterEach(() => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // it ended by itself
    }
  });

  it('shows listeners live: a new one highlighted, a removed one struck out; keys p, s, / and q', async () => {
    const argv = builtCliArgv(
      'watch',
      '--interval',
      '300ms',
      '--debounce',
      '500ms',
      '--no-tracepoint',
      '--duration',
      '60s',
    );
    const command = `${argv.map((a) => `'${a}'`).join(' ')}; echo WATCH-EXITED; sleep 30`;
    tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '40', command);
    await until((p) => p.includes('Proto') && p.includes('q quit'), 'the view');

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as { port: number }).port);
    // New: bold green (SGR 1 and 32), with its owner.
    const shown = await until((p) => sets(lineOf(p, ` ${port} `), 32), 'the new listener', true);
    expect(lineOf(shown, ` ${port} `)).toContain(`${OWN_COMM}(${String(process.pid)})`);
    expect(lineOf(shown, ` ${port} `)).toMatch(/0\/511/);

    tmux('send-keys', '-t', session, 's');
    await until((p) => p.includes('sort: protocol'), 'sort by protocol');
    tmux('send-keys', '-t', session, '/');
    tmux('send-keys', '-t', session, '-l', `sport = :${port}`);
    tmux('send-keys', '-t', session, 'Enter');
    const filtered = await until((p) => p.includes(`filter: sport = :${port}`), 'the filter');
    const rows = filtered.split('\n').filter((l) => /^(tcp|udp|unix)/.test(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(port);

    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    // Removed after the debounce: struck out (SGR 9), still shown for a while.
    await until((p) => sets(lineOf(p, ` ${port} `), 9), 'the removed listener struck out', true);

    tmux('send-keys', '-t', session, 'p');
    await until((p) => p.includes('PAUSED'), 'pause');
    tmux('send-keys', '-t', session, 'q');
    await until((p) => p.includes('WATCH-EXITED'), 'q to quit');
  });

  it('with stdin not a terminal (</dev/null) prints events instead of the view, never a TypeError', async () => {
    const argv = builtCliArgv('watch', '--interval', '300ms', '--no-tracepoint', '--duration', '2s');
    // The marker is computed by the shell: the command line itself (shown in tmux's own listener's
    // owner) must not contain it.
    const command = `${argv.map((a) => `'${a}'`).join(' ')} </dev/null; echo "ENDED-$((40 + 2)) $?"; sleep 30`;
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '40', command);
    const pane = await until((p) => p.includes('ENDED-42'), 'the watch to end by --duration');
    expect(pane).not.toContain('TypeError');
    expect(pane).toContain('ENDED-42 0');
    expect(pane).toMatch(/\{"type":"listener-added"/);
  });
});
