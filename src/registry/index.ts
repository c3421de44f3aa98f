export { parseEtcServices, serviceName, servicePorts } from './services.js';
export type { ServiceEntry, ServiceProtocol } from './services.js';
