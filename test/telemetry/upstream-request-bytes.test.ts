// With --upstream, the user's mirror receives the request StackState sent, byte for byte: its
// spacing, key order, escapes and lenient values ("limit": "2") as they came, not the mirror's
// re-serialisation of what it validated. A real upstream (node:http) records the raw body bytes.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { createUpstreamSource } from '../../server/telemetry/upstream';
import { send, startTestMirror } from '../mirror/helpers';

/** What a client may send: odd spacing, a string for an integer, an escaped and a raw non-ASCII character. */
const REQUESTS = {
  '/api/field/name':
    '{ "query" : {"limit":"2" ,"startTime":1600000000000,\n  "endTime": 1600003600000, "conditions":[{"key":"h\\u00e9","value":{"_type":"StringValue","value":"é"}}]}, "_type":"FieldNamesRequest"}',
  '/api/connection': '{"connectionDetails":{"b":1,"a":[1.50,2e3]}}\n',
  '/api/metric':
    '{"query":{"endTime":1600003600000,"startTime":1600000000000,"limit":5,"metricField":"cpu"},"connectionDetails":{}}   ',
};

test('the upstream receives the request bytes StackState sent, byte for byte', async () => {
  const received: Buffer[] = [];
  const upstream = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(Buffer.concat(chunks));
      response.setHeader('x-mirror-api-key', 'upstream-key');
      response.end('{"_type":"RemoteMirrorError","summary":"recorded"}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/`;
  const { mirror } = await startTestMirror({ source: createUpstreamSource({ url }) });
  try {
    for (const [path, body] of Object.entries(REQUESTS)) {
      received.length = 0;
      const reply = await send(mirror.port, { path, body });
      assert.equal(reply.text, '{"_type":"RemoteMirrorError","summary":"recorded"}', `${path}: relayed`);
      assert.equal(received.length, 1, `${path}: one request reached the upstream`);
      assert.ok(
        received[0]!.equals(Buffer.from(body)),
        `${path}: the upstream received\n${received[0]!.toString()}\ninstead of\n${body}`,
      );
    }
  } finally {
    await mirror.close();
    upstream.close();
  }
});
