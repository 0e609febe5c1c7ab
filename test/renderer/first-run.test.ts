import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionState } from '../../renderer/src/lib/contract';
import { authtokenSavedMessage, firstRunView } from '../../renderer/src/lib/first-run';
import { makeState } from '../fixtures/session-states';

const noToken = { hasAuthtoken: false, authtokenHint: null } as Partial<SessionState['settings']>;
const local = (): SessionState =>
  makeState({ phase: 'local', settings: noToken, tunnel: { status: { state: 'closed' }, publicUrl: null } });
const stopped = (settings: Partial<SessionState['settings']> = {}): SessionState =>
  makeState({ phase: 'stopped', settings, mirror: { port: null, localUrl: null } });

describe('firstRunView', () => {
  it('asks unasked for a token only while the mirror runs with ngrok and none is saved', () => {
    const view = firstRunView(local(), false);
    assert.equal(view.visible, true);
    assert.equal(view.cancellable, false);
    assert.equal(view.title, 'Connect the tunnel');
    assert.equal(view.saveLabel, 'Save and connect');
    assert.equal(firstRunView(makeState(), false).visible, false, 'a token is saved');
    assert.equal(firstRunView(stopped(noToken), false).visible, false, 'not while stopped');
  });

  it('opened on request, it shows while stopped too, with Cancel, and says when the token is used', () => {
    for (const settings of [{}, noToken]) {
      const view = firstRunView(stopped(settings), true);
      assert.equal(view.visible, true);
      assert.equal(view.cancellable, true);
      assert.match(view.intro, /It is used at the next Start\.$/);
      assert.doesNotMatch(view.intro, /did not work|at once/);
      assert.equal(view.saveLabel, 'Save');
    }
  });

  it('says the token was refused only when ngrok refused it, never for a network failure', () => {
    const refused = firstRunView(
      makeState({ phase: 'tunnel-error', tunnel: { authtokenRefused: true } }),
      true,
    );
    assert.equal(
      refused.intro,
      'The saved authtoken (…abcd) was refused by ngrok. Paste a new one; the tunnel tries it at once.',
    );
    assert.equal(refused.title, 'Replace the ngrok authtoken');
    const fromEnv = firstRunView(
      makeState({
        phase: 'tunnel-error',
        tunnel: { authtokenRefused: true },
        settings: { authtokenSource: 'environment' },
      }),
      true,
    );
    assert.match(fromEnv.intro, /^The authtoken from NGROK_AUTHTOKEN \(…abcd\) was refused/);
    const offline = firstRunView(
      makeState({ phase: 'tunnel-error', tunnel: { authtokenRefused: false } }),
      true,
    );
    assert.doesNotMatch(offline.intro, /refused|did not work/, 'ERR_TUNNEL_NETWORK is not the token');
    // ('local' is not here: the session serves locally with ngrok only when no token is saved.)
    for (const phase of ['online', 'connecting', 'reconnecting'] as const) {
      const view = firstRunView(makeState({ phase }), true);
      assert.equal(view.intro, 'Paste a new authtoken; the tunnel tries it at once.', phase);
      assert.equal(view.cancellable, true, phase);
    }
  });

  it('with the tunnel "none", says the token waits for the tunnel setting', () => {
    const view = firstRunView(makeState({ tunnel: { kind: 'none' } }), true);
    assert.match(view.intro, /“none” now/);
    assert.equal(view.saveLabel, 'Save');
  });

  it('is hidden once neither asked nor needed', () => {
    assert.equal(firstRunView(stopped(), false).visible, false);
    assert.equal(firstRunView(makeState({ phase: 'tunnel-error' }), false).visible, false);
  });
});

describe('authtokenSavedMessage', () => {
  it('says what happens next with the saved token', () => {
    assert.match(authtokenSavedMessage(makeState({ phase: 'connecting' })), /Opening the tunnel/);
    assert.match(authtokenSavedMessage(stopped()), /next Start/);
    assert.match(authtokenSavedMessage(makeState({ tunnel: { kind: 'none' } })), /not used yet/);
  });

  it('never says "Opening the tunnel" once the tunnel has already failed or opened', () => {
    const failed = authtokenSavedMessage(makeState({ phase: 'tunnel-error' }));
    assert.equal(failed, 'Authtoken saved, but the tunnel did not open: see the status card.');
    assert.equal(
      authtokenSavedMessage(makeState({ phase: 'online' })),
      'Authtoken saved. The tunnel is open.',
    );
  });
});
