// Compiles the BPF programs (native/bpf/*.bpf.c) into the CO-RE objects that are checked in beside
// them, so that machines without clang still have them; the addon loads them with libbpf.
//
//   node scripts/build-bpf.js           rebuild native/bpf/*.bpf.o (needs clang with the bpf target)
//   node scripts/build-bpf.js --check   rebuild into a temporary directory and fail (exit 1) when the
//                                       bytes differ from the checked-in objects
//
// The build is reproducible: the same clang gives the same bytes (relative source paths, and a fixed
// compilation directory in the debug info that carries the BTF). Each object's clang is recorded in
// native/bpf/clang-version.txt; --check with another clang version cannot compare bytes, so it says so
// and only checks that the sources compile (exit 0). Without clang: exit 2 with one line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = 'native/bpf';
const versionFile = join(root, dir, 'clang-version.txt');
const check = process.argv.includes('--check');
const clang = process.env.CLANG ?? 'clang';

const version = spawnSync(clang, ['--version'], { encoding: 'utf8' });
if (version.status !== 0) {
  process.stderr.write(`build-bpf: \`${clang}\` not found: install clang (Debian: apt-get install clang)\n`);
  process.exit(2);
}
const clangVersion = version.stdout.split('\n')[0].trim();

const sources = readdirSync(join(root, dir)).filter((f) => f.endsWith('.bpf.c'));
const out = check ? mkdtempSync(join(tmpdir(), 'portscope-bpf-')) : join(root, dir);
let differ = 0;
try {
  for (const source of sources) {
    const object = source.replace(/\.c$/, '.o');
    const args = ['-O2', '-g', '-target', 'bpf', '-fdebug-compilation-dir=.', '-Wall', '-Werror'];
    const run = spawnSync(clang, [...args, '-c', join(dir, source), '-o', join(out, object)], {
      cwd: root,
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      process.stderr.write(`build-bpf: ${source} did not compile:\n${run.stderr}`);
      process.exit(1);
    }
    if (!check) continue;
    const same = readFileSync(join(out, object)).equals(readFileSync(join(root, dir, object)));
    if (!same) differ++;
    process.stdout.write(`${same ? 'same' : 'DIFFERENT'}: ${join(dir, object)}\n`);
  }
} finally {
  if (check) rmSync(out, { recursive: true, force: true });
}
if (!check) {
  writeFileSync(versionFile, `${clangVersion}\n`);
  process.stdout.write(`build-bpf: built ${String(sources.length)} object(s) with ${clangVersion}\n`);
} else {
  const recorded = readFileSync(versionFile, 'utf8').trim();
  if (recorded !== clangVersion) {
    process.stdout.write(
      `build-bpf --check: objects were built with "${recorded}", this is "${clangVersion}": sources compile, bytes not compared\n`,
    );
  } else if (differ > 0) {
    process.stderr.write(
      `build-bpf --check: ${String(differ)} object(s) differ from their source: run \`node scripts/build-bpf.js\` and commit\n`,
    );
    process.exit(1);
  }
}
