import { describe, expect, it } from 'vitest';
import { splitWindowsCommandLine } from '../../../src/inventory/win32/command-line.js';

// The examples of Microsoft's "Parsing C command-line arguments" (learn.microsoft.com/cpp/c-language/
// parsing-c-command-line-arguments), each after a program name, which takes no escapes.
describe('splitWindowsCommandLine', () => {
  it.each([
    ['"a b c" d e', ['a b c', 'd', 'e']],
    ['"ab\\"c" "\\\\" d', ['ab"c', '\\', 'd']],
    ['a\\\\\\b d"e f"g h', ['a\\\\\\b', 'de fg', 'h']],
    ['a\\\\\\"b c d', ['a\\"b', 'c', 'd']],
    ['a\\\\\\\\"b c" d e', ['a\\\\b c', 'd', 'e']],
    ['a"b"" c d', ['ab" c d']],
  ])('prog %s', (args, expected) => {
    expect(splitWindowsCommandLine(`"C:\\Program Files\\prog.exe" ${args}`)).toEqual([
      'C:\\Program Files\\prog.exe',
      ...expected,
    ]);
  });

  it('keeps backslashes of an unquoted program path', () => {
    expect(splitWindowsCommandLine('C:\\Windows\\Explorer.EXE /factory')).toEqual([
      'C:\\Windows\\Explorer.EXE',
      '/factory',
    ]);
  });
});
