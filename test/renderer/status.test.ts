import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionPhase } from '../../renderer/src/lib/contract';
import { retryLine, statusActions, statusView } from '../../renderer/src/lib/status';
import { makeState } from '../fixtures/session-states';

describe('statusView', () => {
  const expected: Record<SessionPhase, [string, string]> = {
    stopped: ['Stopped', 'idle'],
    starting: ['Starting…', 'info'],
    local: ['Local only', 'warn'],
    connecting: ['Connecting…', 'info'],
    online: ['Online', 'ok'],
    reconnecting: ['Reconnecting…', 'warn'],
    'tunnel-error': ['Tunnel error', 'error'],
    error: ['Mirror down', 'error'],
    stopping: ['Stopping…', 'idle'],
  };
  for (const [phase, [headline, tone]] of Object.entries(expected)) {
    it(`${phase}: "${headline}" in ${tone}`, () => {
      const view = statusView(makeState({ phase: phase as SessionPhase, message: 'The sentence.' }));
      assert.equal(view.headline, headline);
      assert.equal(view.tone, tone);
      assert.equal(view.message, 'The sentence.');
    });
  }

  it('gives errors something to do', () => {
    for (const phase of ['tunnel-error', 'error'] as const) {
      assert.ok(statusView(makeState({ phase })).hint, phase);
    }
  });

  it('keeps the session’s plain-language error message', () => {
    const message =
      'ngrok rejected the authtoken: it is not valid. Copy it again from https://dashboard.ngrok.com/…';
    const view = statusView(
      makeState({
        phase: 'tunnel-error',
        message,
        tunnel: { status: { state: 'error', code: 'ERR_NGROK_105', message } },
      }),
    );
    assert.equal(view.message, message);
    assert.match(view.tunnelLine, /ERR_NGROK_105/);
  });

  it('in local mode, leaves what to do to the session’s message (the first-run form is below it)', () => {
    const message =
      'The mirror runs locally at http://127.0.0.1:7007/. To let a remote StackState reach it, add your ngrok authtoken';
    const view = statusView(makeState({ phase: 'local', message, settings: { hasAuthtoken: false } }));
    assert.equal(view.message, message);
    assert.equal(view.hint, null);
  });

  it('says "Ready" once when online without a tunnel: the session’s sentence says the rest', () => {
    const view = statusView(makeState({ tunnel: { kind: 'none' } }));
    assert.equal(view.headline, 'Ready');
    assert.equal(view.pill, 'Ready');
    assert.equal(view.hint, null, 'no hint repeating the sentence');
    assert.equal(view.tunnelLine, 'Tunnel: none');
  });

  it('counts down to the next try of a tunnel that failed, then says it is trying', () => {
    const failed = makeState({
      phase: 'tunnel-error',
      tunnel: { retryAt: 10_000, status: { state: 'error', code: 'ERR_TUNNEL_NETWORK', message: 'x' } },
    });
    assert.equal(retryLine(failed, 2_500), 'Next try in 8 s.');
    assert.equal(retryLine(failed, 9_999), 'Next try in 1 s.');
    assert.equal(retryLine(failed, 10_000), 'Trying again now…');
    assert.equal(statusView(failed).hint, null, 'the countdown stands where the hint would');
    const trying = makeState({
      phase: 'tunnel-error',
      tunnel: { retryAt: null, status: { state: 'connecting', attempt: 1 } },
    });
    assert.equal(retryLine(trying, 0), 'Trying again now…');
    assert.equal(retryLine(makeState({ phase: 'online' }), 0), null);
  });

  it('passes the network warning on', () => {
    const view = statusView(makeState({ mirror: { networkWarning: 'Listening on 0.0.0.0' } }));
    assert.equal(view.networkWarning, 'Listening on 0.0.0.0');
  });

  it('describes mirror and tunnel', () => {
    const view = statusView(makeState());
    assert.equal(view.mirrorLine, 'Mirror: running at http://127.0.0.1:7007/ (Demo data)');
    assert.equal(view.tunnelLine, 'Tunnel: ngrok, online at https://abc.ngrok-free.app/');
    const stopped = statusView(makeState({ phase: 'stopped', mirror: { port: null, localUrl: null } }));
    assert.equal(stopped.mirrorLine, 'Mirror: not running');
    assert.equal(stopped.running, false);
  });
});

describe('statusActions', () => {
  const ids = (state: Parameters<typeof statusActions>[0]) => statusActions(state).map((a) => a.id);

  it('offers Try again and Settings on a tunnel error, and Change authtoken only when ngrok refused it', () => {
    const offline = statusActions(makeState({ phase: 'tunnel-error' }));
    assert.deepEqual(
      offline.map((a) => a.label),
      ['Try again', 'Settings'],
      'a network failure is not the token’s fault',
    );
    const actions = statusActions(makeState({ phase: 'tunnel-error', tunnel: { authtokenRefused: true } }));
    assert.deepEqual(
      actions.map((a) => a.label),
      ['Try again', 'Change authtoken', 'Settings'],
    );
    assert.deepEqual(
      actions.map((a) => a.primary),
      [true, false, false],
    );
  });

  it('offers Start again and Settings when the mirror could not start', () => {
    const actions = statusActions(makeState({ phase: 'error' }));
    assert.deepEqual(
      actions.map((a) => [a.id, a.label]),
      [
        ['restart', 'Start again'],
        ['settings', 'Settings'],
      ],
    );
  });

  it('keeps the same action ids across phases, so focus can follow them, and has none elsewhere', () => {
    assert.deepEqual(ids(makeState({ phase: 'tunnel-error', tunnel: { kind: 'none' } })), [
      'restart',
      'settings',
    ]);
    for (const phase of ['stopped', 'starting', 'local', 'connecting', 'online', 'stopping'] as const) {
      assert.deepEqual(ids(makeState({ phase })), [], phase);
    }
  });
});
