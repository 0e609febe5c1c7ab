// "My own mirror" set to this app's own address: every request would come back to this app. The
// Settings Test and Save refuse such a URL before anything is saved, by comparing its host and port
// with the mirror's own listeners and public URL. (A name that resolves here by some other way is
// still caught at request time by the mirror's forwarding-loop refusal.)
import { networkInterfaces } from 'node:os';
import { isLoopback } from './loopback';

export interface OwnAddresses {
  /** The ports this app's mirror listens on (its own, the tunnel-only one, the saved one). */
  ports: readonly number[];
  /** The tunnel's public URL, when one is online. */
  publicUrl: string | null;
}

/** The names of this machine that lead to its own listeners. */
function isThisMachine(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host) || host === '0.0.0.0' || host === '::' || host.endsWith('.localhost')) return true;
  return Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((address) => address.address.toLowerCase() === host),
  );
}

const portOf = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** Why an upstream URL leads back to this app, in a sentence, or null when it goes elsewhere. */
export function upstreamLoopProblem(value: string, own: OwnAddresses): string | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  const publicOrigin = own.publicUrl && URL.canParse(own.publicUrl) ? new URL(own.publicUrl).origin : null;
  const viaTunnel = publicOrigin !== null && url.origin === publicOrigin;
  const viaPort = isThisMachine(url.hostname) && own.ports.includes(portOf(url));
  if (!viaTunnel && !viaPort) return null;
  return `${url.origin}/ is this app's own mirror${viaTunnel ? ' (its public URL)' : ''}, so every request would come back here. Set My own mirror to the address of your own mirror.`;
}
