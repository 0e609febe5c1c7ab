// The desktop command line: the headless mode's mirror options, two desktop options, and nothing
// else (Electron, Chromium and test drivers add switches of their own).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesktopArgs } from '../../electron/args';

test('mirror options as in the headless mode, desktop options, and foreign switches ignored', () => {
  const args = parseDesktopArgs([
    '/path/to/app',
    '--no-sandbox',
    '--remote-debugging-port=0',
    '--tunnel',
    'none',
    '--port=0',
    '--allow-cidr',
    '10.0.0.0/8',
    '--hidden',
    '--user-data-dir',
    '/tmp/tray',
    '--settings',
    '/tmp/headless.json',
  ]);
  assert.deepEqual(args, {
    hidden: true,
    userDataDir: '/tmp/tray',
    overrides: { tunnel: 'none', mirrorPort: 0, allowCidrs: ['10.0.0.0/8'] },
    uiPort: 0,
    error: null,
    warnings: [],
  });
});

test('a secret on the desktop command line is warned of, as in the headless mode', () => {
  const args = parseDesktopArgs([
    '--profile',
    'prometheus',
    '--prometheus-url',
    'http://127.0.0.1:9090',
    '--prometheus-bearer-token',
    'tok-secret',
  ]);
  assert.equal(args.error, null);
  assert.equal(args.warnings.length, 1, JSON.stringify(args.warnings).replace('tok-secret', '<the secret>'));
  assert.match(args.warnings[0] ?? '', /--prometheus-bearer-token/);
  assert.doesNotMatch(args.warnings[0] ?? '', /tok-secret/, 'the warning names the option, not its value');
});

test('a bad mirror option: the app starts without overrides and says why', () => {
  const args = parseDesktopArgs(['--profile', 'production', '--user-data-dir=/tmp/x']);
  assert.deepEqual(args.overrides, {});
  assert.equal(args.userDataDir, '/tmp/x');
  assert.match(args.error ?? '', /^--profile must be one of demo, tutorial/);
});
