// What `GET /` answers: a person who opens the mirror URL in a browser learns what it is and where
// to paste it; a script gets the same facts as JSON. Not part of the protocol (S3 has a similar `GET /`).
import type { FastifyRequest } from 'fastify';
import { OPERATIONS } from '../protocol/messages';

export interface AppInfo {
  name: string;
  version: string;
}

export interface HomeJson {
  app: string;
  version: string;
  mirror: true;
  operations: Array<{ method: 'POST'; path: string; label: string }>;
}

export function homeJson(appInfo: AppInfo): HomeJson {
  return {
    app: appInfo.name,
    version: appInfo.version,
    mirror: true,
    operations: Object.values(OPERATIONS).map(({ path, label }) => ({ method: 'POST', path, label })),
  };
}

/** `mirrorUrl` is the address the browser used (from the Host header): display only, and escaped. */
export function homeHtml(appInfo: AppInfo, mirrorUrl: string): string {
  const app = escapeHtml(`${appInfo.name} ${appInfo.version}`);
  const url = escapeHtml(mirrorUrl);
  const operations = Object.values(OPERATIONS)
    .map(({ path, label }) => `<li><code>POST ${escapeHtml(path)}</code>: ${escapeHtml(label)}</li>`)
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>StackState mirror</title>
  </head>
  <body>
    <h1>StackState mirror</h1>
    <p>This is a StackState mirror (${app}).</p>
    <p>Paste this URL into StackState → Settings → Telemetry Sources → Mirror sources → Mirror URL:</p>
    <p><code>${url}</code></p>
    <p>StackState calls it with POST requests:</p>
    <ul>
      ${operations}
    </ul>
  </body>
</html>
`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** The URL this request came in on, for display: through ngrok the original scheme is in X-Forwarded-Proto. */
export function mirrorUrlOf(request: FastifyRequest): string {
  const forwarded = String(request.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    ?.trim();
  const scheme = forwarded === 'https' ? 'https' : 'http';
  const host = request.headers.host ?? `localhost:${request.socket.localPort ?? ''}`;
  return `${scheme}://${host}/`;
}
