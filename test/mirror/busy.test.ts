// "The mirror is busy." says what the mirror holds: the answers it is making and the bytes waiting
// for clients. Real sockets; a stand-in source that holds its answers until the test lets them go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertMirrorError, send, startTestMirror } from './helpers';
import { createStandInSource } from './stand-in-source';

test('past the answers it makes at once, a query is refused with a 503 that counts them', async () => {
  const release: Array<() => void> = [];
  const stand = createStandInSource();
  const held = {
    ...stand,
    fieldNames: async (...args: Parameters<typeof stand.fieldNames>) => {
      await new Promise<void>((resolve) => release.push(resolve));
      return stand.fieldNames(...args);
    },
  };
  // 64 KiB of budget, one answer at most 32 KiB: 1 KiB a request being answered, so 32 at once.
  const { mirror } = await startTestMirror({
    source: held,
    answerLimits: { maxUnsentBytes: 64 * 1024, maxAnswerBytes: 32 * 1024 },
  });
  /** Until `count` answers are being made (held by the source), for at most 5 s. */
  const making = async (count: number) => {
    const by = Date.now() + 5000;
    while (release.length < count && Date.now() < by) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(release.length, count, `${count} answers being made at once`);
  };
  try {
    const query = { query: { startTime: 0, endTime: 1000 } };
    const pending = Array.from({ length: 32 }, () =>
      send(mirror.port, { path: '/api/field/name', body: query }),
    );
    await making(32);
    const refused = await send(mirror.port, { path: '/api/field/name', body: query });
    const body = assertMirrorError(
      { status: refused.status, headers: refused.headers, body: refused.json() },
      { status: 503, summary: 'The mirror is busy.' },
    );
    assert.equal(
      body.details,
      'It is making 32 answers while 0 MiB of answers wait for clients to take them: all it holds at once. Try again in a few seconds.',
    );
    for (const go of release) go();
    for (const reply of await Promise.all(pending)) assert.equal(reply.status, 200);
    const after = send(mirror.port, { path: '/api/field/name', body: query });
    await making(33);
    release[32]?.();
    assert.equal((await after).status, 200, 'once they are answered, the next one is made');
  } finally {
    await mirror.close();
  }
});
