// A source that never answers, over a real socket: the mirror answers at the deadline with a protocol
// error and the key header, and the source's signal fires; StackState hanging up fires it too.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { ClientGoneError } from '../../server/mirror/deadline';
import type { SourceContext, TelemetrySource } from '../../server/telemetry/source';
import { assertMirrorError, send, startTestMirror } from './helpers';
import { createStandInSource } from './stand-in-source';

/** A source whose metric queries never settle; it records the signal each one got. */
function neverAnswering(): { source: TelemetrySource; contexts: SourceContext[] } {
  const contexts: SourceContext[] = [];
  const source: TelemetrySource = {
    ...createStandInSource(),
    metrics: (_query, context) => {
      contexts.push(context);
      return new Promise(() => {});
    },
  };
  return { source, contexts };
}

const metricQuery = { query: { startTime: 0, endTime: 60_000, metricField: 'field3' } };

test('a source that never answers is cut off at the deadline with a protocol error and the key header', async () => {
  const { source, contexts } = neverAnswering();
  const { mirror, exchanges } = await startTestMirror({ source, deadlineMillis: 400 });
  try {
    const started = Date.now();
    const reply = await send(mirror.port, { path: '/api/metric', body: metricQuery });
    const elapsed = Date.now() - started;
    assertMirrorError(
      { status: reply.status, headers: reply.headers, body: reply.json() },
      { status: 500, summary: 'Metric values timed out after 0.4 s.' },
    );
    assert.ok(elapsed >= 380 && elapsed < 3000, `answered after ${elapsed} ms against a 400 ms deadline`);
    assert.equal(contexts.length, 1);
    assert.equal(contexts[0]?.signal.aborted, true, 'the source was told to stop');
    assert.match(exchanges.at(-1)?.error ?? '', /timed out after 0\.4 s/, 'the log says it timed out');
  } finally {
    await mirror.close();
  }
});

test('the source gets the connection details StackState sent with the request', async () => {
  const { source, contexts } = neverAnswering();
  const { mirror } = await startTestMirror({ source, deadlineMillis: 100 });
  try {
    await send(mirror.port, {
      path: '/api/metric',
      body: { ...metricQuery, connectionDetails: { prometheusUrl: 'http://127.0.0.1:9' } },
    });
    assert.deepEqual(contexts[0]?.connectionDetails, { prometheusUrl: 'http://127.0.0.1:9' });
  } finally {
    await mirror.close();
  }
});

test('StackState hanging up mid-request aborts the source at once, long before the deadline', async () => {
  const { source, contexts } = neverAnswering();
  const { mirror } = await startTestMirror({ source, deadlineMillis: 60_000 });
  try {
    const body = JSON.stringify(metricQuery);
    const client = request({ host: '127.0.0.1', port: mirror.port, method: 'POST', path: '/api/metric' });
    client.on('error', () => {});
    client.end(body);
    while (contexts.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const signal = contexts[0]!.signal;
    assert.equal(signal.aborted, false, 'the source is still working while StackState waits');
    client.destroy();
    const started = Date.now();
    while (!signal.aborted && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(signal.aborted, true, 'the source was not told that StackState hung up');
    assert.ok(signal.reason instanceof ClientGoneError, `abort reason: ${signal.reason}`);
  } finally {
    await mirror.close();
  }
});

test("StackState's own requestTimeout (3 s) gets the mirror's error before StackState gives up, saying what to raise", async () => {
  const { source } = neverAnswering();
  // The mirror's own setting is longer (its default): StackState's 3 s is the tighter one.
  const { mirror } = await startTestMirror({ source, deadlineMillis: 12_000 });
  try {
    const started = Date.now();
    const reply = await send(mirror.port, {
      path: '/api/metric',
      body: { ...metricQuery, requestTimeout: 3000 },
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3000, `answered after ${elapsed} ms: StackState had given up at 3000 ms`);
    assert.ok(elapsed >= 2000, `answered after ${elapsed} ms: sooner than the source was allowed`);
    const body = reply.json() as { summary: string; details: string };
    assertMirrorError(
      { status: reply.status, headers: reply.headers, body },
      { status: 500, summary: 'Metric values timed out after 2.4 s.' },
    );
    assert.match(body.details, /StackState allows 3 s for this request \(its requestTimeout\)/);
    assert.match(body.details, /raise "Request timeout ui" of the Mirror data source in StackState/);
  } finally {
    await mirror.close();
  }
});

test("a requestTimeout of 0, or one looser than the setting, leaves the mirror's own deadline, and its error names that setting", async () => {
  const { source } = neverAnswering();
  const { mirror } = await startTestMirror({ source, deadlineMillis: 300 });
  try {
    for (const requestTimeout of [0, 15_000, '15000', 'soon']) {
      const reply = await send(mirror.port, {
        path: '/api/metric',
        body: { ...metricQuery, requestTimeout },
      });
      const body = reply.json() as { summary: string; details: string };
      assert.equal(body.summary, 'Metric values timed out after 0.3 s.', `requestTimeout ${requestTimeout}`);
      assert.match(
        body.details,
        /the mirror's request time-out\. To wait longer, raise it \(the window's Settings/,
      );
    }
  } finally {
    await mirror.close();
  }
});
