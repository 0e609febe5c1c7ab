import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  compactBody,
  curlBase,
  curlFor,
  detailActions,
  joinUrl,
  shellQuote,
} from '../../renderer/src/lib/curl';
import { makeState } from '../fixtures/session-states';
import { makeEntry } from './fixtures';

/** What a POSIX shell makes of a word: the real `sh`, so the quoting is checked by the thing that parses it. */
const shellWords = (command: string): string[] =>
  JSON.parse(
    execFileSync('sh', ['-c', `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${command}`], {
      encoding: 'utf8',
    }),
  );

describe('shellQuote', () => {
  it('wraps text in single quotes', () => {
    assert.equal(shellQuote('abc'), "'abc'");
  });

  it("escapes single quotes as '\\''", () => {
    assert.equal(shellQuote("it's"), "'it'\\''s'");
  });

  it('keeps $, backticks, backslashes, double quotes and newlines literal in a real shell', () => {
    const nasty = `a'b"c $HOME \`id\` \\n ! '' end\nline2`;
    assert.deepEqual(shellWords(shellQuote(nasty)), [nasty]);
  });
});

describe('curlFor', () => {
  it('builds the documented command for a metric request', () => {
    const entry = makeEntry(1, {
      requestBody: '{\n  "_type": "MetricsRequest",\n  "metricField": "cpu.usage"\n}',
    });
    assert.equal(
      curlFor(entry, 'https://abc.ngrok-free.app/').command,
      `curl -sS -X POST 'https://abc.ngrok-free.app/api/metric' -H 'Content-Type: application/json' --data-raw '{"_type":"MetricsRequest","metricField":"cpu.usage"}'`,
    );
  });

  it('adds -i when asked, so curl prints the status line and the response headers', () => {
    const entry = makeEntry(1, { requestBody: '{}' });
    const words = shellWords(curlFor(entry, 'http://127.0.0.1:8080', { includeHeaders: true }).command);
    assert.deepEqual(words.slice(0, 5), ['curl', '-sS', '-i', '-X', 'POST']);
    assert.equal(curlFor(entry, 'http://127.0.0.1:8080').command.includes(' -i '), false);
  });

  it('quotes single quotes inside the body, and the shell gives the body back exactly', () => {
    const body = JSON.stringify({ conditions: [{ key: 'host', value: "o'brien's host" }] }, null, 2);
    const { command, complete } = curlFor(makeEntry(2, { requestBody: body }), 'http://127.0.0.1:7007/');
    assert.ok(complete);
    assert.match(command, /o'\\''brien'\\''s host/);
    const words = shellWords(command.replace(/^curl /, ''));
    assert.deepEqual(words, [
      '-sS',
      '-X',
      'POST',
      'http://127.0.0.1:7007/api/metric',
      '-H',
      'Content-Type: application/json',
      '--data-raw',
      compactBody(body),
    ]);
    assert.deepEqual(JSON.parse(words.at(-1)!), JSON.parse(body));
  });

  it('keeps a body that is not JSON as it is', () => {
    const { command } = curlFor(makeEntry(3, { requestBody: 'not json' }), 'http://x/');
    assert.ok(command.endsWith("--data-raw 'not json'"));
  });

  it('sends no body for GET', () => {
    const { command } = curlFor(makeEntry(4, { method: 'GET', url: '/', requestBody: '' }), 'http://x/');
    assert.equal(command, "curl -sS -X GET 'http://x/'");
  });

  it('says when the logged request body was truncated', () => {
    const entry = makeEntry(5, { requestTruncated: true, requestBody: '{\n  "a": 1\n… (truncated)' });
    assert.equal(curlFor(entry, 'http://x/').complete, false);
  });
});

describe('curlBase and joinUrl', () => {
  it('uses the URL StackState uses', () => {
    assert.equal(curlBase(makeState()), 'https://abc.ngrok-free.app/');
  });

  it('falls back to the local URL when there is none', () => {
    const state = makeState({ connection: { mirrorUrl: null } });
    assert.equal(curlBase(state), 'http://127.0.0.1:7007/');
  });

  it('uses the local URL instead of host.docker.internal, which only resolves inside Docker', () => {
    const state = makeState({ connection: { mirrorUrl: 'http://host.docker.internal:7007/' } });
    assert.equal(curlBase(state), 'http://127.0.0.1:7007/');
  });

  it('joins with exactly one slash', () => {
    assert.equal(joinUrl('http://a/', '/api/metric'), 'http://a/api/metric');
    assert.equal(joinUrl('http://a', 'api/metric'), 'http://a/api/metric');
    assert.equal(joinUrl('http://a/base/', '//api/field/name'), 'http://a/base/api/field/name');
  });
});

describe('a cut response', () => {
  it('leaves the command complete', () => {
    const cutResponse = makeEntry(6, {
      responseTruncated: true,
      responseBody: `{${'x'.repeat(10)}\n… (truncated)`,
    });
    assert.equal(curlFor(cutResponse, 'http://x/').complete, true);
  });
});

describe('detailActions', () => {
  const down = makeState({
    phase: 'stopped',
    mirror: { port: null, localUrl: null },
    connection: { mirrorUrl: null },
  });

  it('enables both for a whole entry while the mirror runs', () => {
    assert.deepEqual(detailActions(makeEntry(1), makeState()), { copy: true, replay: true });
  });

  it('disables both while the mirror is down, and enables them again when it is back', () => {
    assert.deepEqual(detailActions(makeEntry(1), down), { copy: false, replay: false });
    assert.deepEqual(detailActions(makeEntry(1), makeState({ phase: 'local' })), {
      copy: true,
      replay: true,
    });
  });

  it('cannot replay a cut request, but can still copy it (with a warning)', () => {
    assert.deepEqual(detailActions(makeEntry(1, { requestTruncated: true }), makeState()), {
      copy: true,
      replay: false,
    });
  });

  it('does nothing without an entry or a state', () => {
    assert.deepEqual(detailActions(null, makeState()), { copy: false, replay: false });
    assert.deepEqual(detailActions(makeEntry(1), null), { copy: false, replay: false });
  });
});
