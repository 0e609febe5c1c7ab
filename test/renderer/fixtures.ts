// Builders for the renderer's unit tests: a LogEntry with sensible defaults. SessionState fixtures
// come from the shared, checked builder in test/fixtures/session-states.ts.
import type { LogEntry } from '../../renderer/src/lib/contract';

export function makeEntry(id: number, overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id,
    time: 1_700_000_000_000 + id,
    operation: 'metrics',
    method: 'POST',
    url: '/api/metric',
    status: 200,
    durationMillis: 3,
    summary: 'cpu.usage · host = a-host · MEAN per 1 min · last 24 h',
    resultCount: 1440,
    origin: 'tunnel',
    remoteAddress: '203.0.113.9',
    error: null,
    findings: [],
    requestBody: '{\n  "_type": "MetricsRequest"\n}',
    responseBody: '{\n  "_type": "MetricsResponse"\n}',
    requestTruncated: false,
    responseTruncated: false,
    purpose: 'caller',
    replayOf: null,
    requestHeaders: [['content-type', 'application/json']],
    responseHeaders: [],
    rawKept: false,
    ...overrides,
  };
}
