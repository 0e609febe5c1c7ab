import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOG_CAPACITY } from '../../renderer/src/lib/contract';
import { EntryList } from '../../renderer/src/lib/entry-list';
import { makeEntry } from './fixtures';

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => makeEntry(from + i));

describe('EntryList', () => {
  it('keeps the log’s bound of 500', () => {
    assert.equal(LOG_CAPACITY, 500);
    assert.equal(new EntryList().capacity, 500);
  });

  it('keeps the newest 500, newest first, when 700 arrive at once', () => {
    const list = new EntryList();
    const change = list.add(range(1, 700));
    assert.equal(list.size, 500);
    assert.equal(list.newest(1)[0]?.id, 700);
    assert.equal(list.newest().at(-1)?.id, 201);
    assert.equal(change.added.length, 500);
    assert.equal(change.added[0]?.id, 700);
    assert.deepEqual(change.removed, []);
    assert.equal(list.get(200), undefined);
    assert.equal(list.get(201)?.id, 201);
  });

  it('keeps the newest 500 across many small batches, and reports what fell off', () => {
    const list = new EntryList();
    const removed: number[] = [];
    for (let start = 1; start <= 1000; start += 50)
      removed.push(...list.add(range(start, start + 49)).removed);
    assert.equal(list.size, 500);
    assert.deepEqual(
      list.newest(3).map((e) => e.id),
      [1000, 999, 998],
    );
    assert.deepEqual(
      [...removed].sort((a, b) => a - b),
      range(1, 500).map((e) => e.id),
    );
  });

  it('ignores entries it already holds (a reconnect sends the log again)', () => {
    const list = new EntryList();
    list.add(range(1, 10));
    const change = list.add(range(5, 12));
    assert.deepEqual(
      change.added.map((e) => e.id),
      [12, 11],
    );
    assert.equal(list.size, 12);
  });

  it('sorts a late straggler into place', () => {
    const list = new EntryList(5);
    list.add([makeEntry(10), makeEntry(12)]);
    list.add([makeEntry(11)]);
    assert.deepEqual(
      list.newest().map((e) => e.id),
      [12, 11, 10],
    );
  });

  it('clears', () => {
    const list = new EntryList();
    list.add(range(1, 3));
    assert.deepEqual(list.clear(), [3, 2, 1]);
    assert.equal(list.size, 0);
    assert.equal(list.get(1), undefined);
  });
});
