// The control port's headers time-out, now checked only while a request is arriving: a local client
// that trickles its headers is still cut off, and the window's event stream, a request long since
// answered in part, is not. Real sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningControlServer, startControlServer } from '../../server/control/server';
import { type Runtime, startRuntime } from '../../server/runtime';
import { FileSettingsStore } from '../../server/settings/file-store';

const HEADERS_TIMEOUT = 1000;
/** One check to find it late, and a slow machine. */
const SLACK = 2000;

let runtime: Runtime;
let control: RunningControlServer;
before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-control-slow-'));
  runtime = await startRuntime({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    overrides: { mirrorPort: 0 },
    env: {},
    uiRoot: join(dir, 'no-ui-built'),
  });
  control = await startControlServer({
    session: runtime.session,
    uiRoot: join(dir, 'no-ui-built'),
    headersTimeoutMillis: HEADERS_TIMEOUT,
  });
});
after(async () => {
  await control.close();
  await runtime.stop();
});

/** Connects, writes `text` a byte every 100 ms, and resolves with what came back and how long the socket lived. */
function trickle(text: string, stopAfterMillis: number): Promise<{ received: string; lived: number }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: control.port });
    const started = performance.now();
    let received = '';
    let sent = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => undefined);
    const writer = setInterval(() => {
      if (sent < text.length && !socket.destroyed) socket.write(text[sent++] ?? '');
    }, 100);
    const giveUp = setTimeout(() => socket.destroy(), stopAfterMillis);
    socket.on('close', () => {
      clearInterval(writer);
      clearTimeout(giveUp);
      resolve({ received, lived: performance.now() - started });
    });
  });
}

test('headers sent a byte at a time to the control port are cut off near its headers time-out', async () => {
  const headers = `GET /control/state HTTP/1.1\r\nHost: 127.0.0.1\r\n${'X-Slow: y\r\n'.repeat(50)}`;
  const { received, lived } = await trickle(headers, HEADERS_TIMEOUT + SLACK + 2000);
  assert.match(received, /^HTTP\/1\.1 408 /, `a 408 answer, got:\n${received.slice(0, 300)}`);
  assert.ok(lived >= HEADERS_TIMEOUT - 100, `cut after ${Math.round(lived)} ms, before the time-out`);
  assert.ok(
    lived <= HEADERS_TIMEOUT + SLACK,
    `lived ${Math.round(lived)} ms against a ${HEADERS_TIMEOUT} ms time-out`,
  );
});

test('the window’s event stream stays open well past the headers time-out', async () => {
  const request = `GET /control/events?token=${control.token} HTTP/1.1\r\nHost: 127.0.0.1:${control.port}\r\n\r\n`;
  const socket = connect({ host: '127.0.0.1', port: control.port });
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  let closed = false;
  socket.on('close', () => {
    closed = true;
  });
  socket.write(request);
  await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT * 3 + SLACK));
  try {
    assert.match(received, /^HTTP\/1\.1 200 /, `the stream opened, got:\n${received.slice(0, 300)}`);
    assert.doesNotMatch(received, / 408 /, 'no time-out answer on the stream');
    assert.ok(!closed, 'the event stream is still open');
  } finally {
    socket.destroy();
  }
});
