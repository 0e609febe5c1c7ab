// `node --import ./register.mjs main.js`: makes `import … from 'electron'` load the stand-in below.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
