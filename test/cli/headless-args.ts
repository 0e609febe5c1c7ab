// How the tests and the soak start the real headless process: JSON output, any free port, no
// tunnel, its settings in a file of its own (never the developer's).
import { join } from 'node:path';

export const headlessJsonArgs = (settingsDir: string): string[] => [
  '--import',
  'tsx',
  'server/cli/headless.ts',
  '--json',
  '--port',
  '0',
  '--tunnel',
  'none',
  '--settings',
  join(settingsDir, 's.json'),
];
