import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorReason, rowView } from '../../renderer/src/lib/format';
import {
  isErrorEntry,
  isFiltering,
  matchesFilter,
  NO_FILTER,
  PauseBuffer,
} from '../../renderer/src/lib/log-filter';
import { makeEntry } from './fixtures';

const validationError = makeEntry(5, {
  status: 500,
  error: 'RemoteMirrorError: Request validation errors.',
  responseBody: JSON.stringify(
    {
      _type: 'RemoteMirrorError',
      summary: 'Request validation errors.',
      details: ['query.startTime: must be an integer', 'query.endTime: is required'],
    },
    null,
    2,
  ),
});

describe('log filter', () => {
  it('shows everything by default', () => {
    assert.equal(isFiltering(NO_FILTER), false);
    assert.equal(matchesFilter(makeEntry(1), NO_FILTER), true);
  });

  it('keeps only errors (4xx/5xx, or an error recorded) when asked', () => {
    const filter = { ...NO_FILTER, errorsOnly: true };
    assert.equal(isFiltering(filter), true);
    assert.equal(matchesFilter(makeEntry(1), filter), false);
    assert.equal(matchesFilter(makeEntry(2, { status: 404 }), filter), true);
    assert.equal(matchesFilter(makeEntry(3, { status: 200, error: 'upstream said no' }), filter), true);
    assert.equal(isErrorEntry(makeEntry(4, { status: 399 })), false);
  });

  it('keeps one operation, with "other" for paths that are none of the four', () => {
    const metrics = { ...NO_FILTER, operation: 'metrics' as const };
    assert.equal(matchesFilter(makeEntry(1), metrics), true);
    assert.equal(matchesFilter(makeEntry(2, { operation: 'connection' }), metrics), false);
    const other = { ...NO_FILTER, operation: 'other' as const };
    assert.equal(matchesFilter(makeEntry(3, { operation: null, url: '/nope' }), other), true);
    assert.equal(matchesFilter(makeEntry(4), other), false);
  });

  it('keeps one origin, or the replays, or the self-tests', () => {
    const tunnel = { ...NO_FILTER, source: 'tunnel' as const };
    assert.equal(matchesFilter(makeEntry(1, { origin: 'tunnel' }), tunnel), true);
    assert.equal(matchesFilter(makeEntry(2, { origin: 'local' }), tunnel), false);
    const replays = { ...NO_FILTER, source: 'replay' as const };
    assert.equal(
      matchesFilter(makeEntry(3, { origin: 'local', purpose: 'replay', replayOf: 1 }), replays),
      true,
    );
    assert.equal(matchesFilter(makeEntry(4, { origin: 'local', purpose: 'self-test' }), replays), false);
    const selfTests = { ...NO_FILTER, source: 'self-test' as const };
    assert.equal(matchesFilter(makeEntry(5, { purpose: 'self-test' }), selfTests), true);
  });

  it('combines its parts: an error of one operation from one origin', () => {
    const filter = { errorsOnly: true, operation: 'metrics' as const, source: 'network' as const };
    assert.equal(matchesFilter(makeEntry(1, { status: 500, origin: 'network' }), filter), true);
    assert.equal(matchesFilter(makeEntry(2, { status: 500, origin: 'tunnel' }), filter), false);
    assert.equal(matchesFilter(makeEntry(3, { status: 200, origin: 'network' }), filter), false);
  });
});

describe('pause buffer', () => {
  it('counts what arrived while paused and gives it back newest first', () => {
    const buffer = new PauseBuffer(500);
    buffer.hold([makeEntry(2), makeEntry(1)]);
    buffer.hold([makeEntry(3)]);
    assert.equal(buffer.count, 3);
    assert.deepEqual(
      buffer.release().map((e) => e.id),
      [3, 2, 1],
    );
    assert.equal(buffer.count, 0);
  });

  it('never holds more than the log keeps, however long the pause', () => {
    const buffer = new PauseBuffer(500);
    for (let id = 1; id <= 4000; id++) buffer.hold([makeEntry(id)]);
    assert.equal(buffer.count, 500);
    const held = buffer.release();
    assert.equal(held[0]?.id, 4000, 'the newest is kept');
    assert.equal(held.at(-1)?.id, 3501, 'the oldest ones went, as they went from the log');
  });

  it('forgets entries the log let go', () => {
    const buffer = new PauseBuffer(10);
    buffer.hold([makeEntry(3), makeEntry(2), makeEntry(1)]);
    buffer.forget([1, 2]);
    assert.equal(buffer.count, 1);
  });
});

describe('error reasons', () => {
  it("reads the reason from the error body's details, which the one-line error leaves out", () => {
    assert.equal(
      errorReason(validationError),
      'query.startTime: must be an integer; query.endTime: is required',
    );
    const row = rowView(validationError);
    assert.equal(
      row.error,
      'RemoteMirrorError: Request validation errors: query.startTime: must be an integer; query.endTime: is required',
    );
    assert.equal(row.summary, validationError.summary, 'the summary stays whole, apart from the error');
  });

  it('reads a Test Connection failure, and a body cut short at the log bound', () => {
    const failed = makeEntry(6, {
      status: 500,
      error: 'MetricStoreConnectionError',
      responseBody:
        '{"_type":"TestConnectionResponse","status":"FAILURE","error":{"_type":"MetricStoreConnectionError","details":"Prometheus is down."}}',
    });
    assert.equal(errorReason(failed), 'Prometheus is down.');
    const cut = makeEntry(7, {
      status: 500,
      error: 'RemoteMirrorError: Unexpected error in the mirror.',
      responseBody: '{\n  "_type": "RemoteMirrorError",\n  "details": "socket hang up",\n  "more": "xxxxxxxx',
      responseTruncated: true,
    });
    assert.equal(errorReason(cut), 'socket hang up');
  });

  it('says nothing for a success, or when the details repeat the error', () => {
    assert.equal(errorReason(makeEntry(8)), null);
    const same = makeEntry(9, {
      status: 404,
      error: 'MetricNotFoundError: cpu: Metric is not configured.',
      responseBody: '{"_type":"MetricNotFoundError","metric":"cpu","details":"Metric is not configured."}',
    });
    assert.equal(errorReason(same), null);
  });

  it('marks replays and self-tests on the row, and names the request a replay replays', () => {
    assert.equal(rowView(makeEntry(1)).purpose, null);
    const replay = rowView(makeEntry(2, { purpose: 'replay', replayOf: 1 }));
    assert.equal(replay.purpose, 'replay');
    assert.equal(replay.replayOf, 1);
    assert.equal(rowView(makeEntry(3, { purpose: 'self-test' })).purpose, 'self-test');
  });
});
