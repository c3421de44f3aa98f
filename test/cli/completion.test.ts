import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { onPath } from '../helpers/system.js';

/** Runs the bash completion function on the words typed so far; the candidates it offers. */
async function complete(...words: string[]): Promise<string[]> {
  const script = (await cli(['completion', 'bash'])).stdout;
  const run = spawnSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${String(words.length - 1)}; _portscope; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  expect(run.stderr).toBe('');
  return run.stdout
    .trim()
    .split('\n')
    .filter((w) => w !== '');
}

describe('portscope completion SHELL', () => {
  it.skipIf(!onPath('bash'))('bash: completes verbs, then the options of that verb', async () => {
    expect(await complete('portscope', 'wh')).toEqual(['who']);
    expect(await complete('portscope', 'who', '--js')).toEqual(['--json']);
    expect(await complete('portscope', 'free', '--af')).toEqual(['--after']);
    expect(await complete('portscope', 'help', 'sc')).toEqual(['scan']);
  });

  it('zsh and fish get scripts built from the same verbs and options', async () => {
    const zsh = (await cli(['completion', 'zsh'])).stdout;
    expect(zsh).toMatch(/^#compdef portscope\n/);
    expect(zsh).toContain('who) opts=');
    const fish = (await cli(['completion', 'fish'])).stdout;
    expect(fish).toContain("complete -c portscope -n '__fish_seen_subcommand_from free' -l after -d");
    for (const [shell, text] of [
      ['zsh', zsh],
      ['fish', fish],
    ] as const) {
      if (onPath(shell)) expect(spawnSync(shell, ['-n'], { input: text, encoding: 'utf8' }).status).toBe(0);
    }
  });

  it('refuses another shell with exit 2', async () => {
    const { code, stderr } = await cli(['completion', 'tcsh']);
    expect(code).toBe(2);
    expect(stderr).toBe('portscope: Expected a shell (bash, zsh, fish), got `tcsh`\n');
  });
});
