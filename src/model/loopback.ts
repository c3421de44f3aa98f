/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses (canonical address text, no brackets). */
export function isLoopbackAddress(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}
