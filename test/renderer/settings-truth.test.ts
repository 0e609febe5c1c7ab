// What the Settings tab says after a save, and where it says a value comes from. Pure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiKeyProblem, commandLineValues, savedMessage } from '../../renderer/src/lib/settings-form';
import { makeState } from '../fixtures/session-states';

describe('savedMessage', () => {
  it('a port in use: the save is reported as having left the mirror down, with the session’s reason', () => {
    const state = makeState({
      phase: 'error',
      message: 'The mirror is not running: Port 7008 is already in use.',
      mirror: { port: null, localUrl: null },
    });
    const said = savedMessage({ mirrorPort: 7008 }, state);
    assert.equal(said.tone, 'error');
    assert.equal(
      said.text,
      'Saved, but the mirror is down now. The mirror is not running: Port 7008 is already in use.',
    );
    assert.doesNotMatch(said.text, /restarted/);
  });

  it('names what restarted, or that nothing needed to', () => {
    assert.equal(
      savedMessage({ mirrorPort: 7010 }, makeState({ mirror: { port: 7010 } })).text,
      'Saved. The mirror restarted on port 7010.',
    );
    assert.equal(savedMessage({ allowCidrs: [] }, makeState()).text, 'Saved. The tunnel was reopened.');
    assert.equal(
      savedMessage({ requestTimeoutSeconds: 5 }, makeState()).text,
      'Saved. It applies from the next request; nothing needed a restart.',
    );
    assert.equal(
      savedMessage({ mirrorPort: 1 }, makeState({ phase: 'stopped' })).text,
      'Saved. It takes effect at the next Start.',
    );
  });
});

describe('commandLineValues', () => {
  it('lists what this run takes from the command line, with the option as typed', () => {
    const state = makeState({
      settings: {
        tunnel: 'none',
        mirrorPort: 0,
        sources: { ...makeState().settings.sources, tunnel: 'command-line', mirrorPort: 'command-line' },
      },
      mirror: { port: 41234 },
    });
    assert.deepEqual(commandLineValues(state.settings), [
      'Mirror port (--port 0: any free port)',
      'Tunnel (--tunnel none)',
    ]);
    assert.deepEqual(commandLineValues(makeState().settings), []);
  });
});

describe('apiKeyProblem', () => {
  it('takes the tutorial’s api_key and 200 ASCII characters; names what is wrong with anything else', () => {
    assert.equal(apiKeyProblem('api_key'), null);
    assert.equal(apiKeyProblem('x'.repeat(200)), null);
    const rule = '1 to 200 ASCII letters, digits or punctuation, no spaces';
    assert.equal(apiKeyProblem(''), `The Api Key is empty; it must be ${rule}.`);
    assert.equal(apiKeyProblem('two words'), `The Api Key must have no spaces; it must be ${rule}.`);
    // Too long is said with the length typed, not cut to 200 without a word.
    assert.equal(
      apiKeyProblem('x'.repeat(201)),
      'The Api Key is 201 characters long; it may have at most 200.',
    );
    // "é" is printable: the rule is ASCII, and the message says so, quoting the character.
    assert.equal(
      apiKeyProblem('clé'),
      'The Api Key may hold only ASCII letters, digits and punctuation: “é” is not one.',
    );
  });
});
