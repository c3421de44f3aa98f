export { collectWin32 } from './collect.js';
export { excludedPortRangesWin32, type ExcludedPortRange } from './excluded-ports.js';
export { processStartedAtWin32 } from './process-start.js';
export { SYSTEM_PID } from './windows-model.js';
