import { Command } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { checkSnapshot, diffSnapshots, type SnapshotDiff } from '../../audit/diff.js';
import { errnoCode, PortscopeError } from '../../errors.js';
import { listSockets } from '../../inventory/list-sockets.js';
import type { Snapshot } from '../../model/snapshot.js';
import { ownerLabel } from '../../model/owner-user.js';
import { backendOf, colorsFor, type CliIo } from '../io.js';
import { printable } from '../render/format.js';

async function snapshotOf(file: string, io: CliIo): Promise<Snapshot> {
  if (file === '-')
    return listSockets({ protocols: ['tcp', 'udp'], families: ['inet', 'inet6'], backend: backendOf(io) });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT')
      throw new PortscopeError('NOT_FOUND', `Expected a snapshot file, got \`${file}\`: no such file`);
    throw new PortscopeError('IO_ERROR', `Cannot read \`${file}\`: ${String(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`${file}\` to hold \`portscope ls --json\` output: ${String(error)}`,
    );
  }
  return checkSnapshot(value, `\`${file}\``);
}

function diffText(diff: SnapshotDiff, io: CliIo): string {
  const c = colorsFor(io);
  const owners = (sockets: SnapshotDiff['added'][number]['sockets']) =>
    [...new Set(sockets.flatMap((s) => s.owners.map(ownerLabel)))].join(',');
  let out = '';
  for (const a of diff.added) out += `${c.green('+')} ${a.key} ${printable(owners(a.sockets))}\n`;
  for (const r of diff.removed) out += `${c.red('-')} ${r.key} ${printable(owners(r.sockets))}\n`;
  for (const ch of diff.changed) out += `${c.yellow('~')} ${ch.key} ${printable(ch.changes.join('; '))}\n`;
  return out;
}

/** `portscope diff A.json B.json`: listeners added, removed and changed between two `ls --json` snapshots (`-` = now). */
export function diffCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('diff')
    .description('listeners added, removed and changed (owners, scope) between two `ls --json` snapshots; - is now')
    .argument('<before>', 'a `portscope ls -p --json` file, or - for now')
    .argument('<after>', 'a `portscope ls -p --json` file, or - for now')
    .option('--json', 'print the SnapshotDiff as JSON')
    .action(async (before, after, options) => {
      const diff = diffSnapshots(await snapshotOf(before, io), await snapshotOf(after, io));
      io.stdout.write(options.json === true ? `${JSON.stringify(diff, null, 2)}\n` : diffText(diff, io));
      if (!diff.same) setExit(1);
    });
}
