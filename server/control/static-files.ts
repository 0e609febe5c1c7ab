// Serves the built window UI (dist/renderer). The files hold no secrets, so they need no token;
// the page reads its token from its own address and uses it for the control API.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** Loads every file of the built UI into memory once (the bundle is small); URL path → file. */
export function loadStaticFiles(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(root)) return files;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const urlPath = `/${relative(root, path).split(sep).join('/')}`;
        files.set(urlPath, {
          body: readFileSync(path),
          contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        });
      }
    }
  };
  walk(root);
  return files;
}

export const MISSING_UI_PAGE = `<!doctype html><meta charset="utf-8"><title>StackState Mirror Tray</title>
<p>The window's UI has not been built. Run <code>npm run build</code>, then reload this page.</p>`;
