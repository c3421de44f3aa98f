import { Command } from '@commander-js/extra-typings';
import { auditListeners } from '../../audit/audit.js';
import { exposeListeners } from '../../audit/exposure.js';
import { firewallRules, FIREWALL_FORMATS, type FirewallFormat } from '../../audit/generate/index.js';
import { baselinePolicy, policyYaml } from '../../audit/policy/baseline.js';
import { loadPolicy } from '../../audit/policy/load.js';
import { SEVERITIES } from '../../audit/policy/types.js';
import type { Severity } from '../../audit/types.js';
import { PortscopeError } from '../../errors.js';
import { backendOf, colorsFor, type CliIo } from '../io.js';
import { auditMarkdown, auditTable } from '../render/audit.js';

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected ${option} to be one of ${allowed.join(', ')}, got \`${value}\``,
    );
  }
  return value as T;
}

/**
 * `portscope audit`: which listeners the network can reach, the findings, a policy check (exit 1 at
 * or above --fail-on), a baseline (--init), or firewall rules from the policy (--firewall).
 */
export function auditCommand(io: CliIo, setExit: (code: number) => void) {
  return new Command('audit')
    .description(
      'which listeners the network can reach, whether it should (findings, policy), and firewall rules for it',
    )
    .option('--policy <file>', 'YAML or JSON policy: expected listeners, severities, ignored findings')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above: info | low | medium | high | critical')
    .option('--init', "print today's listeners as a policy baseline (YAML)")
    .option(
      '--firewall <format>',
      `with --policy: print rules that let in exactly its listeners: ${FIREWALL_FORMATS.join(' | ')}`,
    )
    .option('--netns <which>', 'all | host | a name under /run/netns | a namespace inode', 'all')
    .option('--json', 'print the AuditReport as JSON')
    .option('--format <format>', 'table | json | markdown', 'table')
    .action(async (options) => {
      const format = options.json === true ? 'json' : oneOf('--format', options.format, ['table', 'json', 'markdown']);
      const failOnText = options.failOn === undefined ? undefined : oneOf('--fail-on', options.failOn, SEVERITIES);
      // --firewall and --init print something else than a report: options that shape a report are refused.
      const reportOptions = [
        ...(options.json === true ? ['--json'] : []),
        ...(options.format !== 'table' ? ['--format'] : []),
        ...(options.failOn !== undefined ? ['--fail-on'] : []),
      ];
      const mode = options.firewall !== undefined ? '--firewall' : options.init === true ? '--init' : undefined;
      const refused = [
        ...reportOptions,
        ...(mode === '--firewall' && options.init === true ? ['--init'] : []),
        ...(mode === '--init' && options.policy !== undefined ? ['--policy'] : []),
      ];
      if (mode !== undefined && refused.length > 0) {
        throw new PortscopeError(
          'INVALID_ARGUMENT',
          `Expected ${mode} without ${refused.join(', ')}: it prints no report`,
        );
      }
      const policy = options.policy === undefined ? undefined : loadPolicy(options.policy);
      if (options.firewall !== undefined) {
        const kind = oneOf<FirewallFormat>('--firewall', options.firewall, FIREWALL_FORMATS);
        if (policy === undefined || options.policy === undefined) {
          throw new PortscopeError(
            'INVALID_ARGUMENT',
            'Expected --policy FILE with --firewall: the rules come from the policy',
          );
        }
        const netns = options.netns === 'all' ? 'host' : options.netns;
        io.stdout.write(firewallRules(policy, kind, { netns, source: options.policy }));
        return;
      }
      if (options.init === true) {
        const { listeners } = await exposeListeners({ netns: options.netns, backend: backendOf(io) });
        const header = [
          `portscope audit --init on ${new Date().toISOString()}: today's listeners as a baseline.`,
          'Edit it (drop what should not run), then: portscope audit --policy FILE',
        ];
        io.stdout.write(policyYaml(baselinePolicy(listeners), header));
        return;
      }
      const report = await auditListeners({
        netns: options.netns,
        backend: backendOf(io),
        ...(policy === undefined ? {} : { policy }),
      });
      if (format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (format === 'markdown') io.stdout.write(auditMarkdown(report));
      else
        io.stdout.write(auditTable(report, { header: true, width: io.isTTY ? io.columns : undefined }, colorsFor(io)));
      for (const w of report.warnings) io.stderr.write(`portscope: warning: ${w.message}\n`);
      const failOn: Severity = failOnText ?? policy?.failOn ?? 'medium';
      if (report.findings.some((f) => SEVERITIES.indexOf(f.severity) >= SEVERITIES.indexOf(failOn))) setExit(1);
    });
}
