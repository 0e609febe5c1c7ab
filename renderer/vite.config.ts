// The window's UI: plain TypeScript and DOM, built to dist/renderer (served by the control API and
// loaded by the desktop window). No inline scripts: the control API's CSP allows 'self' only.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: 'public',
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: { host: '127.0.0.1' },
});
