import { Command } from '@commander-js/extra-typings';
import { isIP } from 'node:net';
import { loadPolicy } from '../../audit/policy/load.js';
import { PortscopeError } from '../../errors.js';
import { DEFAULT_EXPORTER_PORT, startExporter } from '../../monitor/exporter-server.js';
import { writeTextfile } from '../../monitor/exporter-textfile.js';
import { parseDuration } from '../duration.js';
import { backendOf, type CliIo } from '../io.js';

/**
 * Parses `--listen`: `HOST:PORT`, `[IPV6]:PORT` or `:PORT` (every address, as exporter-toolkit takes it).
 * @throws PortscopeError `INVALID_ARGUMENT` naming the value.
 */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2] ?? '';
  if (m === null || port > 65535 || (m[1] !== undefined && isIP(host) !== 6)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --listen to be HOST:PORT, [IPV6]:PORT or :PORT with a port 0-65535, got \`${text}\``,
    );
  }
  return { host: host === '' ? '::' : host, port };
}

/** Waits for SIGINT or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** `portscope exporter`: Prometheus metrics on /metrics, or once into node_exporter's textfile directory. */
export function exporterCommand(io: CliIo) {
  return new Command('exporter')
    .description('serve Prometheus metrics of listeners, socket states and accept queues on /metrics')
    .option('--listen <host:port>', 'address to serve on', `127.0.0.1:${String(DEFAULT_EXPORTER_PORT)}`)
    .option(
      '--min-interval <duration>',
      'collect at most once per this time; scrapes between get the last result',
      '5s',
    )
    .option('--textfile <dir>', "write DIR/portscope.prom once (node_exporter's textfile collector) and exit")
    .option('--web.config.file <file>', "TLS and basic auth, in exporter-toolkit's format")
    .option('--policy <file>', 'also audit against this policy: portscope_audit_findings{severity,kind}')
    .option('-N, --netns <which>', 'all | host | a name under /run/netns | a namespace inode', 'all')
    .action(async (options, command) => {
      const backend = backendOf(io);
      const { netns, textfile } = options;
      const webConfigFile = options['web.config.file'];
      const minIntervalMs = parseDuration(options.minInterval, '--min-interval');
      const listen = parseListen(options.listen);
      // Read once at start-up: a bad policy is bad usage (FILE:LINE:COL, exit 2), not a failing scrape.
      const policy = options.policy === undefined ? {} : { policy: loadPolicy(options.policy) };
      if (textfile !== undefined) {
        // --textfile collects once and serves nothing: the serving options would be ignored.
        const serving = [
          ...(webConfigFile !== undefined ? ['--web.config.file'] : []),
          ...(command.getOptionValueSource('listen') === 'cli' ? ['--listen'] : []),
          ...(command.getOptionValueSource('minInterval') === 'cli' ? ['--min-interval'] : []),
        ];
        if (serving.length > 0) {
          throw new PortscopeError(
            'INVALID_ARGUMENT',
            `Expected --textfile without ${serving.join(', ')}: it serves nothing`,
          );
        }
        const { path, error } = await writeTextfile(textfile, { netns, backend, ...policy });
        if (error !== undefined) io.stderr.write(`portscope: collection failed (portscope_up 0): ${reason(error)}\n`);
        io.stderr.write(`portscope: wrote ${path}\n`);
        return;
      }
      const exporter = await startExporter({
        ...listen,
        minIntervalMs,
        netns,
        backend,
        ...policy,
        ...(webConfigFile === undefined ? {} : { webConfigFile }),
        onCollectError: (error) => io.stderr.write(`portscope: collection failed (portscope_up 0): ${reason(error)}\n`),
      });
      io.stderr.write(`portscope: serving ${exporter.url}\n`);
      await untilStopped();
      await exporter.close();
    });
}
