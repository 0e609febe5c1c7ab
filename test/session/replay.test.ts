// Replay on its own: a small HTTP server plays the mirror, logging every request it gets, and a
// stranger's request logged just before the replay's must not be taken for it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { MirrorExchange } from '../../server/protocol/exchange';
import { Replayer } from '../../server/session/replay';
import { RequestLog } from '../../server/session/request-log';
import { SELF_REQUEST_HEADER } from '../../server/session/self-test';
import { makeExchange } from '../fixtures/exchange';

const exchange = (overrides: Partial<MirrorExchange> = {}) =>
  makeExchange({ startedAt: Date.now(), ...overrides });

const log = new RequestLog();
const replays = new Replayer(log);
const received: { url: string; body: string }[] = [];
let server: Server;
let localUrl = '';

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ url: request.url ?? '', body });
      response.end('{}');
      // Someone else's request lands in the log first, as on a busy mirror.
      log.append(exchange({ url: '/api/metric' }), 'tunnel', '203.0.113.9');
      const marker = request.headers[SELF_REQUEST_HEADER];
      const entry = log.append(exchange({ url: request.url ?? '' }), 'local', '127.0.0.1');
      replays.recorded(typeof marker === 'string' ? marker : undefined, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  localUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
after(() => server.close());

test('sends the logged body again and returns the entry its marker found', async () => {
  const original = log.append(exchange({ url: '/api/connection?x=1' }), 'tunnel', '203.0.113.9');
  const replayed = await replays.replay(original.id, localUrl, 5000);
  assert.equal(replayed.url, '/api/connection?x=1');
  assert.equal(replayed.origin, 'local', 'the entry the marker found, not the stranger logged before it');
  assert.deepEqual(JSON.parse(received.at(-1)?.body ?? ''), { connectionDetails: {} });
});

test('only the path and query go, and only to this mirror', async () => {
  const absolute = log.append(
    exchange({ url: 'http://198.51.100.7:9/api/connection' }),
    'local',
    '127.0.0.1',
  );
  await assert.rejects(replays.replay(absolute.id, localUrl, 5000), /not addressed to this mirror/);
  const slashes = log.append(exchange({ url: '//\\api/connection' }), 'local', '127.0.0.1');
  await replays.replay(slashes.id, localUrl, 5000);
  assert.equal(received.at(-1)?.url, '/api/connection');
});

test('a body cut in the log is replayed exactly from its raw text while the log keeps it', async () => {
  const long = `{"connectionDetails":{"note":"${'x'.repeat(10_000)}"}}`;
  const cut = log.append(exchange({ requestBody: JSON.parse(long), rawRequest: long }), 'local', '127.0.0.1');
  assert.equal(cut.requestTruncated, true, 'the logged (pretty) body is cut');
  await replays.replay(cut.id, localUrl, 5000);
  assert.equal(received.at(-1)?.body, long, 'the replay sends the body as first received, byte for byte');
});

test('what cannot be replayed exactly is refused with a reason', async () => {
  await assert.rejects(replays.replay(99_999, localUrl, 5000), /no logged request with id 99999/);
  // A log whose raw budget is too small for the body: only the cut text is left.
  const smallLog = new RequestLog({ rawBudgetBytes: 1000 });
  const smallReplays = new Replayer(smallLog);
  const long = 'x'.repeat(10_000);
  const cut = smallLog.append(exchange({ requestBody: long, rawRequest: long }), 'local', '127.0.0.1');
  assert.equal(cut.rawKept, false);
  await assert.rejects(smallReplays.replay(cut.id, localUrl, 5000), /cut short in the log/);
  const fine = log.append(exchange(), 'local', '127.0.0.1');
  await assert.rejects(replays.replay(fine.id, null, 5000), /the mirror is not running/);
});
