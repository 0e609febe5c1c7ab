// A backend that answers 30 MB of JSON, four at a time and again and again, while StackState tests
// the connection and the window asks for the state: both keep answering within 200 ms (before, each
// such answer was parsed on the main thread and stalled it for seconds), and memory stays far from
// the 2.5 GB those answers once took. Deeply nested JSON is refused as it arrives; a valid 30 MB
// list is parsed and paged in the worker thread. Real sockets on 127.0.0.1; the
// backend is a python3 process of its own (fixtures/hostile-prometheus.py).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestRuntime } from '../fixtures/runtime';
import { fixtureText } from '../mirror/fixtures';

const PYTHON = 'python3';
const pythonMissing = spawnSync(PYTHON, ['--version']).status === 0 ? false : `${PYTHON} is not installed`;

/** Starts the hostile backend; resolves with its port and a count of the big answers it began. */
async function startHostileBackend(
  mode: 'deep' | 'wide',
): Promise<{ port: number; sent: () => number; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./fixtures/hostile-prometheus.py', import.meta.url));
  const child = spawn(PYTHON, [script, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let sent = 0;
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the hostile backend exited (${code})`)));
    lines.once('line', (line) => resolve(Number(line)));
  });
  lines.on('line', () => sent++);
  return { port, sent: () => sent, child };
}

/** The `p` quantile of `list` (1 is the worst), in whole ms. */
const percentile = (list: readonly number[], p: number) =>
  Math.round([...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(p * list.length))] ?? 0);

const latencies = (list: readonly number[]) =>
  `median ${percentile(list, 0.5)} ms, 90th percentile ${percentile(list, 0.9)} ms, worst ${percentile(list, 1)} ms over ${list.length}`;

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

/**
 * `clients` ask for field values again and again while the backend answers each with 30 MB;
 * Test Connection and the control API are timed meanwhile. Resolves with the clients' answers.
 */
async function underLoad(
  t: TestContext,
  mode: 'deep' | 'wide',
  clients: number,
  bounds: { median: number; worst: number; rssMB: number },
): Promise<string[]> {
  const backend = await startHostileBackend(mode);
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

  // Clients that ask for field values again and again (a tenth of a second apart, as a user
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
  const asking = Array.from({ length: clients }, client);

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
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
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
  await Promise.all(asking);

  loopDelay.disable();
  const rss = `RSS +${Math.round((rssPeak - rssBefore) / 1e6)} MB`;
  t.diagnostic(
    `${backend.sent()} big answers; Test Connection ${latencies(connection)}; control API ${latencies(state)}; event loop delay worst ${Math.round(loopDelay.max / 1e6)} ms; ${rss}`,
  );
  assert.ok(backend.sent() >= clients, `the backend began only ${backend.sent()} big answers`);
  for (const [what, list] of [
    ['Test Connection', connection],
    ['the control API', state],
  ] as const) {
    assert.ok(
      percentile(list, 0.5) < bounds.median,
      `${what}: ${latencies(list)}, the median past ${bounds.median} ms`,
    );
    assert.ok(percentile(list, 1) < bounds.worst, `${what}: ${latencies(list)}, one past ${bounds.worst} ms`);
  }
  const delay = Math.round(loopDelay.max / 1e6);
  assert.ok(delay < bounds.worst, `the event loop stalled for ${delay} ms`);
  assert.deepEqual([...statuses].sort(), ['Test Connection 200', 'control API 200']);
  assert.ok(
    rssPeak - rssBefore < bounds.rssMB * 1e6,
    `RSS grew by ${Math.round((rssPeak - rssBefore) / 1e6)} MB`,
  );
  return failures;
}

test('30 MB of nested JSON ×4 from the backend: Test Connection and the control API answer within 200 ms', {
  skip: pythonMissing,
  timeout: 120_000,
}, async (t) => {
  // Half the probes within 200 ms, and none past a second. On this machine, shared with other test
  // runs and with the stand-in's own threads, a probe can meet a scheduling pause of a few hundred
  // ms; a parse on the main thread stalls every probe it meets for seconds (18 s before this change).
  const answers = await underLoad(t, 'deep', 4, { median: 200, worst: 1000, rssMB: 300 });
  // StackState learns what was wrong with the answer, in words.
  assert.match(answers[0] ?? '', /nested deeper than 32 levels/);
});

test('a 30 MB list of 2 million label values, two at a time: parsed and paged off the main thread, which keeps answering', {
  skip: pythonMissing,
  timeout: 120_000,
}, async (t) => {
  // The parse worker competes with this thread for the machine's two cores, so the bounds are
  // wider; the old main-thread parse and sort of 2 million values stalled it for about 7 s.
  // Memory: the worker's heap ceiling (PARSE_WORKER_HEAP_MB, 640) and two 30 MB bodies, at most.
  const answers = await underLoad(t, 'wide', 2, { median: 500, worst: 3000, rssMB: 760 });
  // Under load a call may pass its 10 s time-out while its answer waits for the worker: find a page.
  const page = answers.find((answer) => answer.includes('"values"')) ?? answers[0] ?? '{}';
  const first = JSON.parse(page) as { values?: { value: string }[]; isPartial?: boolean };
  assert.deepEqual(
    first.values?.slice(0, 3).map((v) => v.value),
    ['value-0000000', 'value-0000001', 'value-0000002'],
    `an answer: ${page.slice(0, 300)}`,
  );
  assert.equal(first.values?.length, 100);
  assert.equal(first.isPartial, true);
});
