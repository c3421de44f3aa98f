export {
  localServiceName,
  parseEtcServices,
  serviceName,
  serviceNames,
  servicePorts,
  servicesOnPort,
} from './services.js';
export type { ServiceEntry, ServiceProtocol } from './services.js';
export {
  lookupPort,
  lookupService,
  type PortClass,
  type PortInfo,
  type PortService,
  type ServiceInfo,
} from './lookup.js';
export { readKernelPortSettings, parseReservedPorts, type KernelPortSettings } from './kernel-ports.js';
export { DEV_PORTS, IANA_RANGES, type DevPort } from './dev-ports.js';
