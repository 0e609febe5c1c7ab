// The request log keeps the newest 500 exchanges by default: counted through the real control API
// of a real runtime, after more than 500 real requests to the real mirror.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { LogSnapshot } from '../../server/contract/contract';
import { startTestRuntime } from '../fixtures/runtime';

/** The promised default, written out: not read from the code's own constant. */
const PROMISED_CAPACITY = 500;
const SENT = PROMISED_CAPACITY + 20;

/** One Test Connection to the mirror; resolves with the status. */
function testConnection(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ _type: 'TestConnectionRequest', connectionDetails: {} });
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/connection',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

test(`the request log keeps the newest ${PROMISED_CAPACITY} exchanges by default (real control API)`, async (t) => {
  const { runtime } = await startTestRuntime(t);
  const mirrorPort = runtime.session.state.mirror.port;
  assert.ok(mirrorPort, `the mirror is up: ${runtime.session.state.message}`);
  for (let sent = 0; sent < SENT; sent += 20) {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => testConnection(mirrorPort)));
    assert.ok(
      statuses.every((status) => status === 200),
      `every request answered: ${statuses}`,
    );
  }
  const response = await fetch(`http://127.0.0.1:${runtime.control.port}/control/log`, {
    headers: { authorization: `Bearer ${runtime.control.token}` },
  });
  assert.equal(response.status, 200);
  const { entries, total } = (await response.json()) as LogSnapshot;
  assert.equal(total, SENT, 'the log counts every request since start, not only those it keeps');
  assert.equal(
    entries.length,
    PROMISED_CAPACITY,
    `broken promise: the request log keeps the newest ${PROMISED_CAPACITY} exchanges by default, but after ${SENT} requests the control API lists ${entries.length}`,
  );
  assert.deepEqual(
    [entries[0]?.id, entries.at(-1)?.id],
    [SENT - PROMISED_CAPACITY + 1, SENT],
    'the oldest are dropped first',
  );
});
