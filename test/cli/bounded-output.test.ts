// The headless mode's stdout under load: request lines go out in a few writes, not one each, and soon.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoundedOutput } from '../../server/cli/bounded-output';

function recordingStdout() {
  const writes: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { out, writes };
}

test('a burst of 1,000 request lines over several turns goes out in a handful of writes, in order, within a few ms', async () => {
  const { out, writes } = recordingStdout();
  const output = new BoundedOutput(out, { droppedLine: (count) => `dropped ${count}` });
  for (let i = 0; i < 1000; i++) {
    output.droppable(() => `line ${i}`);
    // Requests arrive over many turns of the event loop, as they do from 16 connections.
    if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
  }
  await sleep(50);
  const lines = writes.join('').split('\n').filter(Boolean);
  assert.deepEqual(
    lines,
    Array.from({ length: 1000 }, (_, i) => `line ${i}`),
    'every line, in order',
  );
  assert.ok(writes.length <= 12, `1,000 lines in ${writes.length} writes: at most a dozen expected`);
});

test('a single request line is printed within a few ms, and an idle output writes nothing', async () => {
  const { out, writes } = recordingStdout();
  const output = new BoundedOutput(out, { droppedLine: (count) => `dropped ${count}` });
  await sleep(30);
  assert.equal(writes.length, 0);
  output.droppable(() => 'alone');
  await sleep(40);
  assert.deepEqual(writes, ['alone\n']);
});
