// The soak's last phase: clients on the mirror's port that send a request for a day of raw points
// (the largest answer the demo gives, ~10,000 points) and never read the answer. Reports the
// process's RSS before, at its highest while they hang on, and after they are gone, so the
// ceiling the mirror holds them to (answer-bounds.ts) shows as a figure.
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export interface NonReaderFigures {
  clients: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
}

/** The soft limit on open files, less a margin for the rest of this process. */
const socketsAllowed = () =>
  Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) - 200;

export async function nonReaderPhase(
  port: number,
  metricField: string,
  rss: () => Promise<number>,
  options: { clients: number; holdMillis: number },
): Promise<NonReaderFigures> {
  const clients = Math.min(options.clients, socketsAllowed());
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  // A window of its own for each client: no two share a kept answer (answer-cache.ts).
  const raw = (client: number) => {
    const startTime = now - 86_400_000 - client * 10_000;
    const body = JSON.stringify({ query: { metricField, startTime, endTime: now, limit: 2147483647 } });
    return `POST /api/metric HTTP/1.1\r\nHost: soak\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const rssBefore = await rss();
  let rssPeak = rssBefore;
  const sockets: Socket[] = [];
  try {
    for (let opened = 0; opened < clients; opened += 100) {
      for (let i = opened; i < Math.min(clients, opened + 100); i++) {
        const socket = connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        socket.pause();
        socket.write(raw(i));
        sockets.push(socket);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      rssPeak = Math.max(rssPeak, await rss());
    }
    for (const end = Date.now() + options.holdMillis; Date.now() < end; ) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      rssPeak = Math.max(rssPeak, await rss());
    }
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return { clients, rssBefore, rssPeak, rssAfter: await rss() };
}
