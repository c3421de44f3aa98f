import { collectExposition, type CollectMetricsOptions, type Exposition } from './metrics-collect.js';

/**
 * Collects on demand, at most once per `minIntervalMs`: a scrape within that time of the last collection
 * gets its result, and scrapes that arrive during a collection wait for it instead of starting another.
 * So many scrapers (two Prometheus servers in HA, a curl loop) cannot make the exporter load the host.
 */
export function cachedCollector(
  options: CollectMetricsOptions,
  minIntervalMs: number,
  now: () => number = () => performance.now(),
): () => Promise<Exposition> {
  let last: { at: number; result: Exposition } | undefined;
  let running: Promise<Exposition> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < minIntervalMs) return Promise.resolve(last.result);
    running ??= collectExposition(options).then((result) => {
      last = { at: now(), result };
      running = undefined;
      return result;
    });
    return running;
  };
}
