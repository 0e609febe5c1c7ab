// What the operating system says listens on a port: the real effect of a bind, never the code's
// own idea of it. Linux only (/proc/net/tcp and tcp6); elsewhere null, and callers skip with that reason.
import { readFile } from 'node:fs/promises';

export const NO_SOCKET_TABLE = 'the socket table /proc/net/tcp is Linux-only';

/** The addresses (e.g. "127.0.0.1", "0.0.0.0", "::") with a listening TCP socket on `port`, or null. */
export async function listeningAddresses(port: number): Promise<string[] | null> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => null)),
  );
  if (tables.every((table) => table === null)) return null;
  const wanted = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];
  for (const table of tables) {
    for (const line of table?.split('\n').slice(1) ?? []) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [hexAddress, hexPort] = local?.split(':') ?? [];
      // State 0A is LISTEN.
      if (state === '0A' && hexPort === wanted && hexAddress) addresses.push(decodeAddress(hexAddress));
    }
  }
  return addresses.sort();
}

/** /proc's hex address (little-endian 32-bit words) as text. */
function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  if (text.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${bytes.slice(12).join('.')}`;
  return text;
}
