// `npm run check` against our own mirror (every kind: no failure) and against mirrors that each break
// one rule (exactly that rule fails), run as a child process on loopback with a short time-out.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startMirror } from '../../server/mirror/listen';
import { createTelemetrySource, DATA_SOURCE_KINDS } from '../../server/telemetry/registry';
import { type CheckJson, FAULTS, FIXTURE_KEY, failing, runCheck, startFixture } from './fixture-mirrors';

const OWN_KINDS = DATA_SOURCE_KINDS.filter((entry) => entry.options.length === 0).map((entry) => entry.kind);

for (const kind of OWN_KINDS) {
  test(`our own mirror (${kind}) passes every check`, async () => {
    const source = createTelemetrySource({ kind });
    const mirror = await startMirror({
      host: '127.0.0.1',
      port: 0,
      source: () => source,
      apiKey: () => 'own-key',
      appInfo: { name: 'test', version: '0' },
    });
    try {
      const { code, stdout } = await runCheck([
        mirror.localUrl,
        '--api-key',
        'own-key',
        '--json',
        '--timeout',
        '5',
      ]);
      const report = JSON.parse(stdout) as CheckJson;
      assert.deepEqual(failing(report), []);
      assert.equal(report.summary.fail, 0);
      assert.equal(report.summary.warn, 0, JSON.stringify(report.checks.filter((c) => c.status === 'warn')));
      assert.equal(code, 0);
      // A wrong key fails exactly the key rule.
      const wrong = await runCheck([mirror.localUrl, '--api-key', 'other', '--json', '--timeout', '5']);
      assert.deepEqual(failing(JSON.parse(wrong.stdout) as CheckJson), ['key-header']);
      assert.equal(wrong.code, 1);
    } finally {
      await mirror.close();
    }
  });
}

test('a mirror that follows every rule passes (the fixtures’ baseline)', async () => {
  const fixture = await startFixture('none');
  try {
    const { code, stdout } = await runCheck([
      fixture.url,
      '--api-key',
      FIXTURE_KEY,
      '--json',
      '--timeout',
      '2',
    ]);
    assert.deepEqual(failing(JSON.parse(stdout) as CheckJson), []);
    assert.equal(code, 0);
  } finally {
    await fixture.stop();
  }
});

test('each faulty mirror fails exactly its own rule', async (t) => {
  // Concurrently: each run is a child process that mostly waits on its mirror.
  await Promise.all(
    Object.entries(FAULTS).map(([fault, rule]) =>
      t.test(`${fault} → ${rule}`, async () => {
        const fixture = await startFixture(fault as keyof typeof FAULTS);
        try {
          const started = Date.now();
          const args = [fixture.url, '--api-key', FIXTURE_KEY, '--json', '--timeout', '4'];
          const { code, stdout } = await runCheck(args);
          const report = JSON.parse(stdout) as CheckJson;
          assert.deepEqual(failing(report), [rule], stdout);
          assert.equal(report.summary.fail, 1);
          assert.match(report.checks.find((c) => c.id === rule)!.detail, /Sent .*; got .*The protocol asks/);
          assert.equal(code, 1);
          assert.ok(Date.now() - started < 60_000, 'the time-out bounds a hang');
        } finally {
          await fixture.stop();
        }
      }),
    ),
  );
});

test('the text output: one line per check and a summary; nothing listening is one clear line', async () => {
  const fixture = await startFixture('unsorted');
  try {
    const { code, stdout } = await runCheck([fixture.url, '--timeout', '2']);
    assert.equal(code, 1);
    assert.match(stdout, /^FAIL {2}Points are sorted by time \[sorted\]$/m);
    assert.match(stdout, /^pass {2}X-MIRROR-API-KEY on every answer \[key-header\]$/m);
    assert.match(stdout, /14 passed, 1 failed, 0 warned\./);
  } finally {
    await fixture.stop();
  }
  const port = await freePort();
  const nobody = await runCheck([`http://127.0.0.1:${port}/`]);
  assert.equal(nobody.code, 1);
  assert.equal(nobody.stdout, '');
  assert.equal(
    nobody.stderr.trim(),
    `Nothing answers at 127.0.0.1:${port} (connection refused) — is it running?`,
  );
  const bad = await runCheck(['not a url']);
  assert.equal(bad.code, 2);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
