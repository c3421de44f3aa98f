import { serviceNameOf } from '../../../registry/services.js';
import type { PortResult } from '../../../scan/index.js';

// The CLI scans with `serviceNames: false` and names only the results it prints: a table of 10,000
// ports prints a few, and naming every result read (and indexed) the IANA registry for nothing.

/** The registry's name of a result's port: its `serviceName`, else looked up now. */
export function registryName(p: PortResult): string | undefined {
  return p.serviceName ?? serviceNameOf(p.port, p.protocol);
}

/** What the SERVICE column prints: the detected service, else the registry's name of the port. */
export function shownServiceName(p: PortResult): string | undefined {
  return p.service?.name ?? registryName(p);
}

/** The result with its `serviceName`, in the place the scan puts it (after `tries`, before `service`). */
export function withServiceName(p: PortResult): PortResult {
  if (p.serviceName !== undefined) return p;
  const serviceName = serviceNameOf(p.port, p.protocol);
  if (serviceName === undefined) return p;
  const { service, ...rest } = p;
  return service === undefined ? { ...rest, serviceName } : { ...rest, serviceName, service };
}
