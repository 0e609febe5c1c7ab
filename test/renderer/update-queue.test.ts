import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PendingUpdate, UpdateQueue } from '../../renderer/src/lib/update-queue';
import { makeState } from '../fixtures/session-states';
import { makeEntry } from './fixtures';

function harness(capacity?: number) {
  const frames: Array<() => void> = [];
  const flushed: PendingUpdate[] = [];
  const queue = new UpdateQueue(
    (run) => frames.push(run),
    (update) => flushed.push(update),
    capacity,
  );
  const runFrame = () => {
    const pending = frames.splice(0);
    for (const run of pending) run();
  };
  return { queue, frames, flushed, runFrame };
}

describe('UpdateQueue', () => {
  it('asks for one frame however many events arrive, and flushes them together', () => {
    const { queue, frames, flushed, runFrame } = harness();
    for (let i = 1; i <= 30; i++) queue.push({ type: 'log', total: 0, entries: [makeEntry(i)] });
    queue.push({ type: 'state', state: makeState({ phase: 'local' }) });
    queue.push({ type: 'state', state: makeState({ phase: 'online' }) });
    assert.equal(frames.length, 1);
    assert.equal(flushed.length, 0);
    runFrame();
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0]?.entries.length, 30);
    assert.equal(flushed[0]?.state?.phase, 'online', 'the latest state wins');
    assert.equal(flushed[0]?.reset, false);
    queue.push({ type: 'log', total: 0, entries: [makeEntry(31)] });
    assert.equal(frames.length, 1, 'a new frame for the next batch');
  });

  it('holds at most the newest 500 entries while frames do not come (hidden window)', () => {
    const { queue, flushed, runFrame } = harness();
    for (let batch = 0; batch < 100; batch++) {
      queue.push({
        type: 'log',
        total: 0,
        entries: Array.from({ length: 50 }, (_, i) => makeEntry(batch * 50 + i + 1)),
      });
    }
    runFrame();
    const entries = flushed[0]!.entries;
    assert.equal(entries.length, 500);
    assert.equal(entries[0]?.id, 4501);
    assert.equal(entries.at(-1)?.id, 5000);
  });

  it('drops what came before a clear, and marks the update as a reset', () => {
    const { queue, flushed, runFrame } = harness();
    queue.push({ type: 'log', total: 0, entries: [makeEntry(1), makeEntry(2)] });
    queue.push({ type: 'log-cleared' });
    queue.push({ type: 'log', total: 0, entries: [makeEntry(3)] });
    runFrame();
    assert.equal(flushed[0]?.reset, true);
    assert.deepEqual(
      flushed[0]?.entries.map((e) => e.id),
      [3],
    );
  });

  it('replaces the list with a snapshot (reconnect), keeping its newest 500', () => {
    const { queue, flushed, runFrame } = harness();
    queue.push({ type: 'log', total: 0, entries: [makeEntry(1)] });
    queue.push({
      type: 'log-snapshot',
      total: 0,
      entries: Array.from({ length: 600 }, (_, i) => makeEntry(i + 1)),
      hasOlder: true,
    });
    runFrame();
    assert.equal(flushed[0]?.reset, true);
    assert.equal(flushed[0]?.entries.length, 500);
    assert.equal(flushed[0]?.entries[0]?.id, 101);
    assert.equal(flushed[0]?.hasOlder, true, 'what the server said of older entries is passed on');
    queue.push({ type: 'log-cleared' });
    runFrame();
    assert.equal(flushed[1]?.hasOlder, false, 'after a clear nothing is older');
  });

  it('flushNow runs at once, and the frame then has nothing to do', () => {
    const { queue, flushed, runFrame } = harness();
    queue.push({ type: 'state', state: makeState() });
    queue.flushNow();
    assert.equal(flushed.length, 1);
    runFrame();
    assert.equal(flushed.length, 1);
  });

  it('passes on the count since start: the newest a batch said, 0 after a clear, null when none said', () => {
    const { queue, flushed, runFrame } = harness();
    queue.push({ type: 'log', total: 3999, entries: [makeEntry(3999)] });
    queue.push({ type: 'log', total: 4000, entries: [makeEntry(4000)] });
    runFrame();
    assert.equal(flushed[0]?.total, 4000);
    queue.push({ type: 'state', state: makeState() });
    runFrame();
    assert.equal(flushed[1]?.total, null);
    queue.push({ type: 'log-cleared' });
    runFrame();
    assert.equal(flushed[2]?.total, 0);
    queue.push({ type: 'log-snapshot', total: 12, entries: [makeEntry(12)], hasOlder: false });
    runFrame();
    assert.equal(flushed[3]?.total, 12);
  });
});
