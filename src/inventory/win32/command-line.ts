/**
 * Splits a Windows command line into argv the way CommandLineToArgvW and the MSVC runtime do: white space
 * separates arguments outside double quotes; 2n backslashes before a quote give n backslashes and the quote
 * toggles quoting; 2n+1 give n backslashes and a literal quote; other backslashes are literal; `""` inside
 * quotes is a literal quote. The program name (first argument) takes no backslash escapes, as Windows reads it.
 */
export function splitWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  };
  skipSpace();
  if (i >= line.length) return args;
  // argv[0]: up to the closing quote when quoted, else up to white space; backslashes are path separators.
  let first = '';
  if (line[i] === '"') {
    const end = line.indexOf('"', i + 1);
    first = line.slice(i + 1, end < 0 ? line.length : end);
    i = end < 0 ? line.length : end + 1;
  }
  while (i < line.length && line[i] !== ' ' && line[i] !== '\t') first += line.charAt(i++);
  args.push(first);
  for (;;) {
    skipSpace();
    if (i >= line.length) return args;
    let arg = '';
    let quoted = false;
    while (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) {
      let slashes = 0;
      while (line[i] === '\\') {
        slashes++;
        i++;
      }
      if (line[i] === '"') {
        arg += '\\'.repeat(Math.floor(slashes / 2));
        if (slashes % 2 === 1) arg += '"';
        else if (quoted && line[i + 1] === '"') {
          arg += '"';
          i++;
        } else quoted = !quoted;
        i++;
      } else {
        arg += '\\'.repeat(slashes);
        if (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) arg += line.charAt(i++);
      }
    }
    args.push(arg);
  }
}
