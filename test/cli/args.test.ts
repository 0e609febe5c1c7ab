import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliArgs } from '../../server/cli/args';

test('no options: nothing overridden, text output', () => {
  assert.deepEqual(parseCliArgs([], { env: {}, readFile: () => '' }), {
    overrides: {},
    warnings: [],
    settingsPath: null,
    uiPort: 0,
    json: false,
    help: false,
    notes: [],
  });
});

test('every option is parsed', () => {
  const options = parseCliArgs([
    '--port=0',
    '--host',
    '0.0.0.0',
    '--api-key',
    'api_key',
    '--profile',
    'tutorial',
    '--tunnel',
    'none',
    '--request-timeout',
    '5',
    '--ngrok-domain',
    'me.ngrok-free.app',
    '--allow-cidr',
    '10.0.0.0/8',
    '--allow-cidr',
    '192.168.1.0/24',
    '--ui-port',
    '7070',
    '--settings',
    '/tmp/s.json',
    '--hidden',
    '--json',
  ]);
  assert.deepEqual(options, {
    overrides: {
      mirrorPort: 0,
      mirrorHost: '0.0.0.0',
      apiKey: 'api_key',
      dataSource: { kind: 'tutorial' },
      tunnel: 'none',
      requestTimeoutSeconds: 5,
      ngrokDomain: 'me.ngrok-free.app',
      allowCidrs: ['10.0.0.0/8', '192.168.1.0/24'],
    },
    warnings: [],
    settingsPath: '/tmp/s.json',
    uiPort: 7070,
    json: true,
    help: false,
    notes: ['--hidden is ignored: the headless mode has no window to hide.'],
  });
});

test('--user-data-dir keeps the headless settings in that folder, and says so; --settings wins over it', () => {
  const inDir = parseCliArgs(['--user-data-dir', '/tmp/tray-data']);
  assert.ok(!('error' in inDir));
  assert.equal(inDir.settingsPath, '/tmp/tray-data/headless-settings.json');
  assert.match(inDir.notes[0] ?? '', /settings are kept in \/tmp\/tray-data\/headless-settings\.json/);
  const both = parseCliArgs(['--user-data-dir', '/tmp/tray-data', '--settings', '/tmp/s.json']);
  assert.ok(!('error' in both));
  assert.equal(both.settingsPath, '/tmp/s.json');
  assert.match(both.notes[0] ?? '', /^--user-data-dir is ignored: --settings \/tmp\/s\.json/);
});

test('bad options give one clear sentence', () => {
  const cases: [string[], RegExp][] = [
    [['--port', 'seven'], /^--port must be a port from 0 to 65535, not "seven"\.$/],
    [['--port', '70000'], /--port must be/],
    [['--profile', 'prod'], /^--profile must be one of demo, tutorial, prometheus, upstream, not "prod"\.$/],
    [['--tunnel', 'frp'], /^--tunnel must be one of ngrok, none/],
    [
      ['--request-timeout', '0'],
      /^--request-timeout must be a whole number of seconds from 1 to 300, not 0\.$/,
    ],
    [['--request-timeout', 'soon'], /^--request-timeout must be a whole number of seconds/],
    [
      ['--allow-cidr', '10.0.0.1'],
      /^--allow-cidr must be a list of CIDRs such as 203\.0\.113\.0\/24, not \["10\.0\.0\.1"\]/,
    ],
    [['--ngrok-domain', 'https://me.ngrok.app/'], /^--ngrok-domain must be a domain name/],
    [['--host', ''], /^--host must be a host address/],
    [['--api-key', 'has space'], /--api-key must be/],
    [['--frobnicate'], /Unknown option '--frobnicate'.*--help/],
  ];
  for (const [argv, message] of cases) {
    const result = parseCliArgs(argv);
    assert.ok('error' in result, `${argv.join(' ')} should fail`);
    assert.match(result.error, message);
  }
});
