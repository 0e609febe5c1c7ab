// What a source notes about an exchange reaches the request log and the --json output, bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestEvent } from '../../server/cli/output';
import { FIELD_LIMIT_CHARS, MAX_FINDINGS_KEPT, RequestLog } from '../../server/session/request-log';
import type { TelemetrySource } from '../../server/telemetry/source';
import { send, startTestMirror } from './helpers';
import { createStandInSource } from './stand-in-source';

test('a source’s notes ride on the log entry and the --json request event, at most 10, each cut', async () => {
  const standIn = createStandInSource();
  const source: TelemetrySource = {
    ...standIn,
    metrics: async (query, context) => {
      context.note({ id: 'counter-as-rate', severity: 'info', message: 'Served as a per-second rate.' });
      for (let i = 0; i < 50; i++)
        context.note({ id: `rule-${i}`, severity: 'warn', message: 'x'.repeat(5000) });
      return standIn.metrics(query, context);
    },
  };
  const { mirror, exchanges } = await startTestMirror({ source });
  try {
    const reply = await send(mirror.port, {
      path: '/api/metric',
      body: { query: { startTime: 0, endTime: 60_000, metricField: 'field3' } },
    });
    assert.equal(reply.status, 200);
    const exchange = exchanges.at(-1)!;
    assert.ok((exchange.findings?.length ?? 0) <= 20, 'the mirror keeps a bounded list per exchange');
    const entry = new RequestLog().append(exchange, 'tunnel', '203.0.113.9');
    assert.equal(entry.findings.length, MAX_FINDINGS_KEPT);
    assert.deepEqual(entry.findings[0], {
      id: 'counter-as-rate',
      severity: 'info',
      message: 'Served as a per-second rate.',
    });
    assert.ok(entry.findings.every((finding) => finding.message.length <= FIELD_LIMIT_CHARS.finding));
    assert.deepEqual(requestEvent(entry).findings, entry.findings);
  } finally {
    await mirror.close();
  }
});
