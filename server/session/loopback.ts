import { isIP } from 'node:net';

/** True for this machine's own addresses (IPv4-mapped IPv6 included), which no one else can use. */
export function isLoopback(address: string): boolean {
  const bare = address.replace(/^::ffff:/, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}
