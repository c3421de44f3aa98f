export { watchSockets } from './watch.js';
export { isListener, listenerKey, parsePortRange, type PortRange } from './listeners.js';
export { parseTraceLine, type TraceRecord } from './tracefs.js';
export type * from './types.js';
export {
  OsqueryWriter,
  calendarTime,
  listeningPortsRows,
  type OsqueryListeningPortsRow,
  type OsqueryResultLine,
} from './osquery.js';
