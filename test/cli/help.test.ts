import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const VERBS = ['ls', 'stats', 'who', 'info', 'free', 'kill', 'wait', 'doctor', 'scan', 'nc'];

describe('help', () => {
  it.each(VERBS)('%s --help ends with examples of that verb', async (verb) => {
    const { code, stdout } = await cli([verb, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`\\nExamples:\\n(  \\$ portscope ${verb}( .*)?\\n)+\\n?$`));
  });

  it('portscope --help has examples too', async () => {
    const { stdout } = await cli(['--help']);
    expect(stdout).toContain('\nExamples:\n  $ portscope\n');
  });

  it('help VERB prints the same as VERB --help; help alone, the program help; an unknown verb is exit 2', async () => {
    expect((await cli(['help', 'who'])).stdout).toBe((await cli(['who', '--help'])).stdout);
    expect((await cli(['help'])).stdout).toBe((await cli(['--help'])).stdout);
    const bad = await cli(['help', 'nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^portscope: Expected a verb \(ls, .*\), got `nosuch`\n$/);
  });
});
