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
