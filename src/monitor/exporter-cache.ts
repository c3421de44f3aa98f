import { collectExposition, type CollectMetricsOptions, type Exposition } from './metrics-collect.js';

/**
 * Collects on demand, at most once per `minIntervalMs`: a scrape within that time of the last collection
 * gets its result, and scrapes that arrive during a collection wait for it instead of starting another.
 * So many scrapers (two Prometheus servers in HA, a curl loop) cannot make the exporter load the host.
 * `onError` hears the error of each failed collection.
 */
export function cachedCollector(
  options: CollectMetricsOptions,
  minIntervalMs: number,
  onError?: (error: unknown) => void,
): () => Promise<Exposition> {
  const now = () => performance.now();
  let last: { at: number; result: Exposition } | undefined;
  let running: Promise<Exposition> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < minIntervalMs) return Promise.resolve(last.result);
    running ??= collectExposition(options).then((result) => {
      last = { at: now(), result };
      running = undefined;
      // Once per failed collection, not once per scrape that reuses it.
      if (result.error !== undefined) onError?.(result.error);
      return result;
    });
    return running;
  };
}
