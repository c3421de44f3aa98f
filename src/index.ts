/**
 * portscope: network ports and sockets as typed data. See docs/api.md.
 * @packageDocumentation
 */
export { PortscopeError, isPortscopeError, type ErrorCode } from './errors.js';
export * from './model/index.js';
export * from './inventory/index.js';
export * from './registry/index.js';
export * from './ports/index.js';
export * from './scan/index.js';
export * from './netcat/index.js';
export { exposeListeners, type ExposeOptions, type Exposure } from './audit/exposure.js';
export {
  evaluateInbound,
  evaluatePublished,
  acceptedPorts,
  dnatRules,
  readRuleset,
  type InboundQuery,
  type PublishedQuery,
  type AcceptedPort,
  type DnatRule,
  type Ruleset,
  type IptablesRuleset,
} from './audit/firewall/index.js';
