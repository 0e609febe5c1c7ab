import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readyText, stateEvent, stateText } from '../../server/cli/output';
import { makeState } from '../fixtures/session-states';

test('a tunnel failure line says when the tunnel is tried again, in text and in --json', () => {
  const now = Date.UTC(2026, 10, 27, 20, 0, 0);
  const state = makeState({
    phase: 'tunnel-error',
    message: 'Cannot reach ngrok: check the internet connection.',
    tunnel: { publicUrl: null, retryAt: now + 4_200 },
  });
  assert.equal(
    stateText(state, now),
    '[tunnel-error] Cannot reach ngrok: check the internet connection. Next try in 5 s (at 20:00:04 UTC).',
  );
  assert.equal(stateEvent(state).nextTunnelTry, '2026-11-27T20:00:04.200Z');

  const settled = makeState({ phase: 'online', tunnel: { retryAt: null } });
  assert.doesNotMatch(stateText(settled, now), /Next try/);
  assert.equal(stateEvent(settled).nextTunnelTry, null);
});

test('the ready text never tells the user to paste "null": a key not known yet says where it will appear', () => {
  const waiting = makeState({ connection: { apiKey: null } });
  const text = readyText(waiting, 'http://127.0.0.1:1/?token=t');
  const line = text.split('\n').find((candidate) => candidate.includes('Api Key')) ?? '';
  assert.doesNotMatch(line, /null/);
  assert.match(line, /the window below shows it after its first answer/);
  const known = readyText(makeState({ connection: { apiKey: 'k-123' } }), 'http://127.0.0.1:1/?token=t');
  assert.match(known, /^ {2}Api Key {18}k-123$/m);
});
