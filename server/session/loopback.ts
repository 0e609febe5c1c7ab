import { isIP } from 'node:net';

/** True for this machine's own addresses (IPv4-mapped IPv6 included), which no one else can use. */
export function isLoopback(address: string): boolean {
  // Asked on every request: the common answer first, the address parsed only for the rest.
  if (address === '127.0.0.1') return true;
  const bare = address.startsWith('::ffff:') ? address.slice(7) : address;
  return bare === 'localhost' || bare === '::1' || (bare.startsWith('127.') && isIP(bare) === 4);
}
