export {
  type NetcatProtocol,
  type NetcatEndpoint,
  type InetEndpoint,
  type UnixEndpoint,
  isUnixEndpoint,
  endpointText,
  parsePortText,
} from './endpoint.js';
export { openConnection, type ConnectOptions, type NetcatConnection } from './connect.js';
export { parsePin, type TlsClientOptions, type PeerCertificateInfo } from './tls-client.js';
export { parseProxyUrl } from './proxy.js';
export { relay, type RelayOptions, type RelayResult, type RelayEnd } from './relay.js';
export {
  listen,
  type ListenOptions,
  type ListenEndpoint,
  type ListenEvent,
  type NetcatListener,
  type TlsServerOptions,
} from './listen.js';
export type { ServerCertificateInfo } from './server-certificate.js';
export { selfSignedCertificate, type CertificatePair } from './self-signed.js';
export { execConnection, execEnvironment, checkExecExposure, type ExecCommand, type ExecResult } from './exec.js';
export { createBroker, type Broker, type BrokerOptions } from './broker.js';
export { checkPorts, type CheckPortsOptions } from './zero.js';
export { hexDumper, transcriptWriter, type TranscriptEntry } from './taps.js';
export { UdpStream } from './udp-stream.js';
export { UdpPeerStream } from './udp-sessions.js';
export { accessRules, readAccessFile, resolveAccessNames } from './access.js';
export { serveHttpProxy, type HttpProxyOptions, type HttpProxyResult } from './http-proxy-server.js';
export { ncatHexDump, openSessionFiles, type SessionFiles, type SessionFilesOptions } from './session-files.js';
