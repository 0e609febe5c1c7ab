// Who holds a port, asked of the real system: a python3 listener in a process of its own is named
// with its pid and command line (Linux: /proc, where this suite runs); a port our own mirror holds is
// recognised as another StackState Mirror Tray by its answer to GET /.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutSecretVariables } from '../server/child-env';
import { startMirror } from '../server/mirror/listen';
import { findPortHolder, holderPhrase, withoutSecrets } from '../server/port-holder';
import { portBusyMessage } from '../server/session/port-busy';
import { createTelemetrySource } from '../server/telemetry';
import { APP_NAME } from '../server/version';
import { holdPort } from './fixtures/port-holder';

test('a port held by python3 is named by program, pid and command line, and not taken for this app', async (t) => {
  if (process.platform !== 'linux') return t.skip(`the /proc lookup is Linux's; this is ${process.platform}`);
  const held = await holdPort(0);
  assert.ok(held, 'python3 could not hold a port');
  try {
    const holder = await findPortHolder(held.port);
    assert.match(holder.program ?? '', /^python3? \(pid \d+\)$/, `holder: ${JSON.stringify(holder)}`);
    assert.match(holder.command ?? '', /python3? -c/);
    assert.equal(holder.isThisApp, false);
    assert.match(
      portBusyMessage({
        port: held.port,
        holder: holder.program,
        command: holder.command,
        heldByThisApp: false,
      }),
      new RegExp(
        `^Port ${held.port} is already in use by python3? \\(pid \\d+\\)\\. Use a free port, stop that program`,
      ),
    );
  } finally {
    held.release();
  }
});

test('a holder’s command line shows no secret option’s value (it goes to stdout and the window)', () => {
  const argv = [
    'node',
    'dist/headless/headless.js',
    '--json',
    '--prometheus-bearer-token',
    'tok-SECRET-1',
    '--ngrok-authtoken=tok-SECRET-2',
    '--prometheus-secret-headers',
    'X-Api-Key: tok-SECRET-3;;Authorization: Bearer tok-SECRET-4',
    '--prometheus-password',
    '-tok-SECRET-5',
    '--port',
    '7007',
  ];
  const shown = withoutSecrets(argv).join(' ');
  assert.doesNotMatch(shown, /SECRET/, `shown: ${shown.replace(/tok-SECRET-\d/g, '<a secret>')}`);
  assert.equal(
    shown,
    'node dist/headless/headless.js --json --prometheus-bearer-token (hidden) --ngrok-authtoken=(hidden) ' +
      '--prometheus-secret-headers (hidden) --prometheus-password (hidden) --port 7007',
  );
  // An option without a value (the next argument is another option) loses nothing.
  assert.deepEqual(withoutSecrets(['app', '--token-file-missing', '--port', '1']), [
    'app',
    '--token-file-missing',
    '--port',
    '1',
  ]);
});

test('a port held by our own mirror is recognised as another StackState Mirror Tray', async () => {
  const source = createTelemetrySource({ kind: 'demo' });
  const mirror = await startMirror({
    host: '127.0.0.1',
    port: 0,
    source: () => source,
    apiKey: () => 'k',
    appInfo: { name: APP_NAME, version: 'test' },
  });
  try {
    const holder = await findPortHolder(mirror.port);
    assert.equal(holder.isThisApp, true);
    if (process.platform === 'linux')
      assert.match(holder.program ?? '', new RegExp(`\\(pid ${process.pid}\\)$`));
    assert.match(holderPhrase(holder), new RegExp(`^ by another ${APP_NAME}`));
  } finally {
    await mirror.close();
  }
});

test('a port nobody holds names nobody', async () => {
  const held = await holdPort(0);
  assert.ok(held);
  const { port } = held;
  held.release();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(await findPortHolder(port), { program: null, command: null, isThisApp: false });
});

test('the programs asked who holds a port (ss, lsof, netstat) get no variable that names a secret', () => {
  const given = withoutSecretVariables({
    PATH: '/usr/bin',
    SystemRoot: 'C:\\Windows',
    LANG: 'en_US.UTF-8',
    NGROK_AUTHTOKEN: 'x',
    PROMETHEUS_PASSWORD: 'x',
    MY_API_KEY: 'x',
    GITHUB_TOKEN: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
  });
  assert.deepEqual(Object.keys(given), ['PATH', 'SystemRoot', 'LANG']);
});
