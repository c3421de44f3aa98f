import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'win32');

/** A Windows fixture's text without its first line (the comment that cites where it was captured). */
export function windowsFixture(name: string): string {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  return text.slice(text.indexOf('\n') + 1);
}

/** `list[index]`, failing the test clearly when it is missing (instead of a non-null assertion). */
export function item<T>(list: readonly T[], index: number): T {
  const value = list.at(index);
  if (value === undefined) throw new Error(`expected an item at index ${String(index)} of ${String(list.length)}`);
  return value;
}

/** What the fake PowerShell replays: fixture names of the three tables (each optional: absent = no rows). */
export interface FakePowerShell {
  readonly tcp?: string;
  readonly udp?: string;
  readonly processes?: string;
}

/** Which fake programs to put on PATH, and what they print. A program left out does not exist. */
export interface FakeToolsSpec {
  /** Installed as both `pwsh` and `powershell.exe`, or only as the one named by `powershellName`. */
  readonly powershell?: FakePowerShell;
  readonly powershellName?: 'pwsh' | 'powershell.exe';
  /** Instead of replaying, the fake PowerShell writes this line to stderr and exits with code 3. */
  readonly powershellFails?: string;
  /** Fixture `netstat -ano` prints. */
  readonly netstat?: string;
  /** Fixture per `ipv4 tcp`, `ipv4 udp`, `ipv6 tcp`, `ipv6 udp` for `netsh int ... show excludedportrange`. */
  readonly netsh?: Readonly<Record<string, string>>;
}

/** The fake tools: their directory (the whole PATH while installed), and the command lines they were run with. */
export interface FakeTools {
  readonly dir: string;
  /** One entry per run: the program name and its arguments. */
  calls(): { program: string; args: string[] }[];
  /** Restores PATH and deletes the directory. */
  remove(): void;
}

function script(dir: string, name: string, body: string): void {
  const file = join(dir, name);
  // An absolute node path: PATH holds only the fakes, so `env node` would not find node.
  writeFileSync(
    file,
    `#!${process.execPath}\n` +
      `const fs = require('node:fs');\n` +
      `fs.appendFileSync(${JSON.stringify(join(dir, 'calls.ndjson'))}, JSON.stringify({ program: ${JSON.stringify(name)}, args: process.argv.slice(2) }) + '\\n');\n` +
      `const fixture = (n) => { const t = fs.readFileSync(${JSON.stringify(FIXTURES)} + '/' + n, 'utf8'); return t.slice(t.indexOf('\\n') + 1); };\n` +
      body,
  );
  chmodSync(file, 0o755);
}

/**
 * Puts fake `pwsh`/`powershell.exe`, `netstat` and `netsh` programs (node scripts) in a temp directory and
 * makes that directory the whole PATH of this process, so that the Windows collector runs them by name. They
 * replay the fixtures of test/fixtures/win32 (without their comment line): the fake PowerShell prints the
 * inventory script's `{ tcp, udp, processes }` object built from three fixtures, or, for the process-start
 * script, the fixture's row of the asked pid; `netstat -ano` and `netsh ... excludedportrange` print theirs.
 */
export function installFakeWindowsTools(spec: FakeToolsSpec): FakeTools {
  const dir = mkdtempSync(join(tmpdir(), `portscope-win32-${String(process.pid)}-`));
  const savedPath = process.env.PATH;
  if (spec.powershell !== undefined) {
    const { tcp, udp, processes } = spec.powershell;
    const load = (n: string | undefined) => (n === undefined ? 'null' : `JSON.parse(fixture(${JSON.stringify(n)}))`);
    const failure =
      spec.powershellFails === undefined
        ? ''
        : `process.stderr.write(${JSON.stringify(`${spec.powershellFails}\n`)}); process.exit(3);\n`;
    const body =
      failure +
      `const command = process.argv[process.argv.indexOf('-Command') + 1] ?? '';\n` +
      `const processes = ${load(processes)};\n` +
      `const one = /ProcessId = (\\d+)/.exec(command);\n` +
      `if (one) { const rows = [processes].flat().filter((p) => p && p.ProcessId === Number(one[1])); if (rows.length) process.stdout.write(JSON.stringify(rows[0])); process.exit(0); }\n` +
      `process.stdout.write(JSON.stringify({ tcp: ${load(tcp)}, udp: ${load(udp)}, processes }));\n`;
    for (const name of spec.powershellName === undefined ? ['pwsh', 'powershell.exe'] : [spec.powershellName]) {
      script(dir, name, body);
    }
  }
  if (spec.netstat !== undefined) {
    script(
      dir,
      'netstat',
      `if (process.argv.slice(2).join(' ') !== '-ano') { process.stderr.write('unexpected arguments'); process.exit(1); }\n` +
        `process.stdout.write(fixture(${JSON.stringify(spec.netstat)}));\n`,
    );
  }
  if (spec.netsh !== undefined) {
    script(
      dir,
      'netsh',
      `const table = ${JSON.stringify(spec.netsh)};\n` +
        `const [, family, , , protocol] = process.argv.slice(2);\n` +
        `const name = table[family + ' ' + String(protocol).replace('protocol=', '')];\n` +
        `if (name === undefined) { process.stderr.write('The requested operation requires elevation.'); process.exit(1); }\n` +
        `process.stdout.write(fixture(name));\n`,
    );
  }
  process.env.PATH = dir;
  return {
    dir,
    calls() {
      let text: string;
      try {
        text = readFileSync(join(dir, 'calls.ndjson'), 'utf8');
      } catch {
        return [];
      }
      return text
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { program: string; args: string[] });
    },
    remove() {
      process.env.PATH = savedPath;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
