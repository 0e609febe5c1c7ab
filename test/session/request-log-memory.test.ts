// The log keeps at most its bounded text per entry, in memory as well as in size: a 4 KiB cut of a
// 1 MB body must not keep the megabyte alive (V8 keeps a slice as a view of the whole string).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MirrorExchange } from '../../server/protocol/exchange';
import { RequestLog } from '../../server/session/request-log';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The JS heap and the Buffers outside it (where raw answers are kept). */
const heapAfterGc = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

function hugeExchange(i: number): MirrorExchange {
  // A fresh 1 MB string each time, as each request's body is.
  const key = `${i}`.padEnd(1_000_000, 'k');
  const body = { query: { conditions: [{ key, value: { _type: 'StringValue', value: 'a-host' } }] } };
  return {
    startedAt: 0,
    durationMillis: 1,
    operation: 'metrics',
    method: 'POST',
    url: `/api/metric?${key}`,
    status: 200,
    requestBody: body,
    responseIsJson: false,
    summary: `metric ${key}`,
    resultCount: 0,
    rawRequest: '',
    rawResponse: Buffer.alloc(0),
    responseHeaders: {},
    error: `RemoteMirrorError: ${key}`,
    localPort: 1,
    remoteAddress: '127.0.0.1',
    headers: {},
  };
}

test('200 entries cut from 1 MB requests keep a few MB, not 200', () => {
  const log = new RequestLog();
  const before = heapAfterGc();
  for (let i = 0; i < 200; i++) log.append(hugeExchange(i), 'tunnel', '203.0.113.9');
  const grown = (heapAfterGc() - before) / 1024 / 1024;
  assert.equal(log.size, 200);
  assert.ok(
    grown < 40,
    `the log holds ${grown.toFixed(0)} MB for 200 entries: cut text still keeps its original`,
  );
});

test('raw bodies keep no more memory than the byte budget, however many arrive', () => {
  const budget = 8 * 1024 * 1024;
  /** The heap a log keeps after 64 exchanges of 1 MB request and 1 MB response, raw text included. */
  const heapKept = (rawBudgetBytes: number) => {
    const log = new RequestLog({ rawBudgetBytes });
    const before = heapAfterGc();
    for (let i = 0; i < 64; i++) {
      // Fresh strings each time, as each exchange's are.
      const rawRequest = `${i}`.padEnd(1_000_000, 'q');
      const rawResponse = Buffer.from(`${i}`.padEnd(1_000_000, 'r'));
      log.append({ ...hugeExchange(i), rawRequest, rawResponse }, 'local', '::1');
    }
    const grown = heapAfterGc() - before;
    assert.ok(
      log.rawBytesKept <= rawBudgetBytes,
      `the log counts ${log.rawBytesKept} raw bytes, above ${rawBudgetBytes}`,
    );
    log.clear();
    return grown;
  };
  const withoutRaw = heapKept(0);
  const withRaw = heapKept(budget);
  const rawMiB = (withRaw - withoutRaw) / 1024 / 1024;
  assert.ok(
    rawMiB < 8.5,
    `128 MB of raw bodies passed through an 8 MiB budget, and the raw text kept ${rawMiB.toFixed(1)} MiB of heap`,
  );
});
