// Failure paths of the session that a user can reach, over real parts: every one ends in a true
// state from which Start works again, and nothing a caller sends reaches Object.prototype.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROUTES } from '../../server/contract/contract';
import { isPortFree } from '../../server/ports';
import { type Runtime, startRuntime } from '../../server/runtime';
import { MAX_ACTIVE_INCIDENTS } from '../../server/session';
import { FileSettingsStore } from '../../server/settings/file-store';
import { listeningAddresses, NO_SOCKET_TABLE } from '../os-sockets';

const runtimes: Runtime[] = [];
after(async () => {
  for (const runtime of runtimes) await runtime.stop();
});

async function start(settingsPath?: string): Promise<Runtime> {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-faults-'));
  const runtime = await startRuntime({
    store: new FileSettingsStore(settingsPath ?? join(dir, 'settings.json')),
    overrides: { mirrorPort: 0, tunnel: 'none', mirrorHost: '127.0.0.1' },
    env: {},
    uiRoot: join(dir, 'no-ui'),
  });
  runtimes.push(runtime);
  return runtime;
}

async function control(runtime: Runtime, method: string, path: string, body?: unknown) {
  const response = await fetch(`http://127.0.0.1:${runtime.control.port}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${runtime.control.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('clean-up that cannot forget the authtoken still stops everything, says which step failed, and Start works', async () => {
  // A settings "folder" that is a file: every write to it fails for real (ENOTDIR), even as root.
  const dir = await mkdtemp(join(tmpdir(), 'mirror-faults-'));
  await writeFile(join(dir, 'not-a-folder'), 'x');
  const runtime = await start(join(dir, 'not-a-folder', 'settings.json'));
  const port = runtime.session.state.mirror.port;
  assert.ok(port, 'the mirror runs before the clean-up');

  const report = await control(runtime, 'POST', ROUTES.cleanup, { forgetAuthtoken: true });
  assert.equal(report.status, 200, `clean-up answered ${report.status}: ${JSON.stringify(report.body)}`);
  const steps = report.body.steps as Array<{ what: string; ok: boolean; detail: string }>;
  const forget = steps.find((step) => step.what === 'ngrok authtoken forgotten');
  assert.ok(forget, `the report names the step: ${JSON.stringify(steps)}`);
  assert.equal(forget.ok, false, 'the failed step is reported as failed');
  assert.match(forget.detail, /Could not save the settings .*a file is in the way \(EEXIST\)/);
  assert.ok(await isPortFree(port, '127.0.0.1'), `the mirror port ${port} is free after the clean-up`);

  const state = (await control(runtime, 'GET', ROUTES.state)).body;
  assert.equal(state.phase, 'stopped', `the session is ${state.phase}, not stopped`);
  assert.match(String(state.message), /ngrok authtoken forgotten/, 'the message names the failed step');

  const restarted = (await control(runtime, 'POST', ROUTES.start)).body;
  assert.ok(
    ['local', 'online', 'connecting'].includes(String(restarted.phase)),
    `Start after a failed clean-up gave ${restarted.phase}`,
  );
});

test('an incident series named after an Object.prototype key is an unknown series, not a crash', async () => {
  const runtime = await start();
  for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const reply = await control(runtime, 'POST', ROUTES.incidents, {
      series: JSON.parse(`{"${key}":"x"}`),
      metric: 'cpu.usage',
      durationMinutes: 5,
    });
    assert.equal(reply.status, 400, `${key}: answered ${reply.status} ${JSON.stringify(reply.body)}`);
    // The control API's JSON parser refuses `__proto__` keys outright; the others reach the catalog check.
    assert.match(String(reply.body.error), /unknown series|not valid JSON/, `${key}: ${reply.body.error}`);
  }
});

test(`at most ${MAX_ACTIVE_INCIDENTS} incidents run at once; the next is refused with a reason`, async () => {
  const runtime = await start();
  const incident = { series: { host: 'a-host' }, metric: 'cpu.usage', durationMinutes: 5 };
  for (let i = 0; i < MAX_ACTIVE_INCIDENTS; i++) {
    const reply = await control(runtime, 'POST', ROUTES.incidents, incident);
    assert.equal(reply.status, 200, `incident ${i + 1}: ${JSON.stringify(reply.body)}`);
  }
  const refused = await control(runtime, 'POST', ROUTES.incidents, incident);
  assert.equal(refused.status, 400);
  assert.match(String(refused.body.error), new RegExp(`at most ${MAX_ACTIVE_INCIDENTS} incidents`));
  const state = (await control(runtime, 'GET', ROUTES.state)).body;
  assert.equal((state.incidents as unknown[]).length, MAX_ACTIVE_INCIDENTS);
});

test('--host 127.0.0.1 with no tunnel listens on 127.0.0.1 only, as asked', async (t) => {
  const runtime = await start();
  const port = runtime.session.state.mirror.port;
  assert.ok(port);
  const addresses = await listeningAddresses(port);
  if (addresses === null) return t.skip(NO_SOCKET_TABLE);
  assert.deepEqual(addresses, ['127.0.0.1'], `the mirror port ${port} listens on ${addresses.join(', ')}`);
});
