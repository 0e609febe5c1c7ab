// A backend that answers 30 MB of deeply nested JSON, four at a time and again and again, while
// StackState tests the connection and the window asks for the state: both keep answering within
// 200 ms (before, each such answer was parsed on the main thread and stalled it for seconds), and
// memory stays far from the 2.5 GB those answers once took. Real sockets on 127.0.0.1; the
// backend is a python3 process of its own (fixtures/hostile-prometheus.py).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestRuntime } from '../fixtures/runtime';
import { fixtureText } from '../mirror/fixtures';

const PYTHON = 'python3';
const pythonMissing = spawnSync(PYTHON, ['--version']).status === 0 ? false : `${PYTHON} is not installed`;

/** Starts the hostile backend; resolves with its port and a count of the big answers it began. */
async function startHostileBackend(): Promise<{ port: number; sent: () => number; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./fixtures/hostile-prometheus.py', import.meta.url));
  const child = spawn(PYTHON, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let sent = 0;
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the hostile backend exited (${code})`)));
    lines.once('line', (line) => resolve(Number(line)));
  });
  lines.on('line', () => sent++);
  return { port, sent: () => sent, child };
}

const valuesRequest = JSON.stringify({
  _type: 'FieldValuesRequest',
  connectionDetails: {},
  query: {
    _type: 'FieldValuesQuery',
    conditions: [],
    field: { _type: 'FieldDescriptor', fieldName: 'job', fieldType: 'STRING', classified: false },
    fieldValuePrefix: '',
    startTime: 0,
    endTime: 60_000,
    limit: 100,
    offset: 0,
  },
});

test('30 MB of nested JSON ×4 from the backend: Test Connection and the control API answer within 200 ms', {
  skip: pythonMissing,
  timeout: 90_000,
}, async (t) => {
  const backend = await startHostileBackend();
  t.after(() => backend.child.kill('SIGKILL'));
  const { runtime } = await startTestRuntime(t, {
    overrides: { mirrorPort: 0, dataSource: { kind: 'prometheus', url: `http://127.0.0.1:${backend.port}` } },
  });
  const mirror = runtime.session.state.mirror.localUrl;
  assert.ok(mirror, 'the mirror is running');
  const control = `http://127.0.0.1:${runtime.control.port}/control/state`;
  const token = runtime.control.token;

  const probeConnection = () =>
    fetch(`${mirror}/api/connection`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixtureText('docs-test-connection.request'),
    });
  const probeState = () => fetch(control, { headers: { authorization: `Bearer ${token}` } });
  // Once before the load, so that first-call costs (connections, compilation) are not counted.
  await (await probeConnection()).arrayBuffer();
  await (await probeState()).arrayBuffer();

  // Four clients that ask for field values again and again (a tenth of a second apart, as a user
  // would: a flood is another test's matter): each answer is 30 MB of nesting.
  let loading = true;
  const failures: string[] = [];
  const client = async () => {
    while (loading) {
      const response = await fetch(`${mirror}/api/field/value`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: valuesRequest,
      });
      failures.push(await response.text());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const clients = Array.from({ length: 4 }, client);

  const timed = async (call: () => Promise<Response>) => {
    const started = performance.now();
    const response = await call();
    await response.arrayBuffer();
    return { status: response.status, millis: performance.now() - started };
  };
  const connection: number[] = [];
  const state: number[] = [];
  const statuses = new Set<string>();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const until = Date.now() + 6_000;
  while (Date.now() < until || backend.sent() < 4) {
    const test = await timed(probeConnection);
    connection.push(test.millis);
    statuses.add(`Test Connection ${test.status}`);
    const read = await timed(probeState);
    state.push(read.millis);
    statuses.add(`control API ${read.status}`);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (Date.now() > until + 60_000) break;
  }
  loading = false;
  await Promise.all(clients);

  const worst = (list: number[]) => Math.round(Math.max(...list));
  t.diagnostic(
    `${backend.sent()} big answers; Test Connection worst ${worst(connection)} ms over ${connection.length}, control API worst ${worst(state)} ms; RSS +${Math.round((rssPeak - rssBefore) / 1e6)} MB`,
  );
  assert.ok(backend.sent() >= 4, `the backend began only ${backend.sent()} big answers`);
  assert.ok(worst(connection) < 200, `Test Connection took up to ${worst(connection)} ms`);
  assert.ok(worst(state) < 200, `the control API took up to ${worst(state)} ms`);
  assert.deepEqual([...statuses].sort(), ['Test Connection 200', 'control API 200']);
  assert.ok(rssPeak - rssBefore < 400e6, `RSS grew by ${Math.round((rssPeak - rssBefore) / 1e6)} MB`);
  // StackState learns what was wrong with the answer, in words.
  assert.match(failures[0] ?? '', /nested deeper than 32 levels/);
});
