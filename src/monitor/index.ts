export {
  collectMetrics,
  collectExposition,
  sampleMetrics,
  type CollectMetricsOptions,
  type Exposition,
} from './metrics-collect.js';
export { sampleSnapshot, netnsLabel } from './metrics-sample.js';
export type { AcceptQueue, ListenerLabels, MetricsSample, SampleSources } from './metrics-sample.js';
export { renderMetrics, METRICS_CONTENT_TYPE, type CollectOutcome, type FindingCount } from './metrics-render.js';
export { startExporter, DEFAULT_EXPORTER_PORT, type ExporterHandle, type ExporterOptions } from './exporter-server.js';
export { loadWebConfig, type WebConfig } from './exporter-web-config.js';
export { writeTextfile, TEXTFILE_NAME } from './exporter-textfile.js';
export { watchSockets } from './watch.js';
export { isListener, listenerKey } from './listeners.js';
export { parseTraceLine, type TraceRecord } from './tracefs.js';
export type * from './types.js';
export {
  OsqueryWriter,
  calendarTime,
  listeningPortsRows,
  type OsqueryListeningPortsRow,
  type OsqueryResultLine,
} from './osquery.js';
