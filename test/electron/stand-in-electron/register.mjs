// `node --import ./register.mjs main.js`: makes `import … from 'electron'` load the stand-in below.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);

// A test device, not Electron: STAND_IN_PLATFORM=darwin makes process.platform say so before the
// app loads, so that its macOS-only rules (the Dock, the tray click) can run here.
if (process.env.STAND_IN_PLATFORM) {
  Object.defineProperty(process, 'platform', { value: process.env.STAND_IN_PLATFORM });
}
