// "The mirror is busy." says what the mirror holds: the answers it is making and the bytes waiting
// for clients. Real sockets; a stand-in source that holds its answers until the test lets them go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMirror } from '../../server/mirror/listen';
import { send } from './helpers';
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
  const mirror = await startMirror({
    host: '127.0.0.1',
    port: 0,
    source: () => held,
    apiKey: () => 'k',
    appInfo: { name: 'test', version: '0' } as never,
    answerLimits: { maxUnsentBytes: 64 * 1024, maxAnswerBytes: 32 * 1024 },
  });
  try {
    const query = { query: { startTime: 0, endTime: 1000 } };
    const pending = Array.from({ length: 32 }, () =>
      send(mirror.port, { path: '/api/field/name', body: query }),
    );
    while (release.length < 32) await new Promise((resolve) => setTimeout(resolve, 10));
    const refused = await send(mirror.port, { path: '/api/field/name', body: query });
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.json(), {
      _type: 'RemoteMirrorError',
      summary: 'The mirror is busy.',
      details:
        'It is making 32 answers while 0 MiB of answers wait for clients to take them: all it holds at once. Try again in a few seconds.',
    });
    for (const go of release) go();
    for (const reply of await Promise.all(pending)) assert.equal(reply.status, 200);
    const after = send(mirror.port, { path: '/api/field/name', body: query });
    while (release.length < 33) await new Promise((resolve) => setTimeout(resolve, 10));
    release[32]?.();
    assert.equal((await after).status, 200, 'once they are answered, the next one is made');
  } finally {
    await mirror.close();
  }
});
