export { listSockets } from './list-sockets.js';
export type { Backend, ListSocketsOptions, NetnsSelector } from './options.js';
export { parseInetDiag, parseUnixDiag, type ParsedDiag } from './linux/parse-diag.js';
export * from './filter/index.js';
export { parseInetTable, type InetTable, type ParseInetOptions, type ParsedTable } from './linux/parse-inet.js';
export { parseUnixTable } from './linux/parse-unix.js';
export { parseSockstat, type Sockstat } from './linux/parse-sockstat.js';
export { readSockstat } from './linux/sockstat.js';
export { hasNativeAddon } from './native-status.js';
