import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RECONNECT, reconnectDelay } from '../../server/tunnel/ngrok';
import {
  AUTHTOKEN_URL,
  describeNgrokError,
  KNOWN_NGROK_CODES,
  NETWORK_MESSAGE,
  TunnelErrorCode,
  timeoutMessage,
} from '../../server/tunnel/ngrok-errors';
import { parseChildMessage, parseParentMessage, redact } from '../../server/tunnel/ngrok-protocol';

const TOKEN = '2fakeTokenABCDEFGHIJKLMNOPQRSTUVW_0123456789abcdefgh';

describe('describeNgrokError', () => {
  const cases: Array<[code: string, mustMention: RegExp, retryable: boolean]> = [
    [
      'ERR_NGROK_4018',
      /needs an authtoken.*dashboard\.ngrok\.com\/get-started\/your-authtoken.*Settings.*NGROK_AUTHTOKEN/s,
      false,
    ],
    ['ERR_NGROK_105', /rejected the authtoken: it is not valid/, false],
    ['ERR_NGROK_106', /rejected the authtoken/, false],
    ['ERR_NGROK_107', /rejected the authtoken.*reset or revoked/, false],
    ['ERR_NGROK_300', /rejected the authtoken/, false],
    ['ERR_NGROK_108', /free plan allows only one.*Stop the other ngrok/, true],
    ['ERR_NGROK_348', /Stop the other ngrok/, true],
    ['ERR_NGROK_319', /not reserved on your ngrok account/, false],
    ['ERR_NGROK_354', /not reserved on your ngrok account/, false],
    ['ERR_NGROK_320', /belongs to another ngrok account/, false],
    ['ERR_NGROK_305', /plan does not allow this domain/, false],
    ['ERR_NGROK_306', /plan does not allow this domain/, false],
    ['ERR_NGROK_313', /plan does not allow this domain/, false],
    ['ERR_NGROK_314', /plan does not allow this domain/, false],
    ['ERR_NGROK_315', /plan does not allow this domain/, false],
    ['ERR_NGROK_326', /not a valid domain name/, false],
    ['ERR_NGROK_327', /not a valid domain name/, false],
    ['ERR_NGROK_328', /not a valid domain name/, false],
    ['ERR_NGROK_329', /not a valid domain name/, false],
    ['ERR_NGROK_330', /not a valid domain name/, false],
    ['ERR_NGROK_331', /not a valid domain name/, false],
    ['ERR_NGROK_347', /not a valid domain name/, false],
    ['ERR_NGROK_355', /not a valid domain name/, false],
    ['ERR_NGROK_334', /already online in another ngrok agent/, true],
    ['ERR_NGROK_362', /IP allow-list.*CIDR/, false],
    ['ERR_NGROK_102', /suspended/, false],
    ['ERR_NGROK_103', /suspended/, false],
    ['ERR_NGROK_247', /suspended/, false],
    ['ERR_NGROK_337', /suspended/, false],
    ['ERR_NGROK_338', /suspended/, false],
    ['ERR_NGROK_123', /verify the email address/, false],
    ['ERR_NGROK_120', /Update the app/, false],
    ['ERR_NGROK_121', /Update the app/, false],
    ['ERR_NGROK_115', /does not accept agent connections from this network/, false],
    ['ERR_NGROK_116', /does not accept agent connections from this network/, false],
    ['ERR_NGROK_9040', /does not accept agent connections from this network/, false],
  ];

  test('every known code has a case here', () => {
    assert.deepEqual(new Set(cases.map(([code]) => code)), new Set(KNOWN_NGROK_CODES));
  });

  for (const [code, mustMention, retryable] of cases) {
    test(`${code} → a sentence that says what to do`, () => {
      const raw = `failed to connect session: authentication failed: Your authtoken: ${TOKEN}\n\nerror_code: ${code}`;
      const described = describeNgrokError(code, raw);
      assert.equal(described.code, code);
      assert.match(described.message, mustMention);
      assert.equal(described.retryable, retryable);
      assert.ok(!described.message.includes(TOKEN), 'a known code never quotes what ngrok said');
      assert.ok(!described.message.includes('ERR_NGROK_'), 'no jargon for known codes');
    });
  }

  test('finds the code in the message when the SDK did not set errorCode', () => {
    const described = describeNgrokError(
      null,
      'authentication failed: The authtoken…\n\nerror_code: ERR_NGROK_107',
    );
    assert.equal(described.code, 'ERR_NGROK_107');
  });

  test('no authtoken sentence links to the dashboard', () => {
    assert.ok(describeNgrokError('ERR_NGROK_4018', '').message.includes(AUTHTOKEN_URL));
  });

  test('an unknown ERR_NGROK code quotes the first line of ngrok and links its page', () => {
    const described = describeNgrokError('ERR_NGROK_9999', 'Something new happened.\nsecond line');
    assert.equal(described.code, 'ERR_NGROK_9999');
    assert.match(described.message, /ngrok refused the tunnel \(ERR_NGROK_9999\): Something new happened\./);
    assert.match(described.message, /https:\/\/ngrok\.com\/docs\/errors\/err_ngrok_9999\//);
    assert.ok(!described.message.includes('second line'));
    assert.equal(described.retryable, false);
  });

  for (const raw of [
    'failed to connect session: failed to establish tcp connection',
    'failed to connect session: tls handshake error: invalid peer certificate',
    'getaddrinfo ENOTFOUND connect.ngrok-agent.com',
    'connect ECONNREFUSED 1.2.3.4:443',
    'network is unreachable',
  ]) {
    test(`network failure: ${raw}`, () => {
      const described = describeNgrokError(null, raw);
      assert.equal(described.code, TunnelErrorCode.network);
      assert.equal(described.message, NETWORK_MESSAGE);
      assert.match(
        described.message,
        /^Cannot reach ngrok: check the internet connection, or a firewall or proxy/,
      );
      assert.equal(described.retryable, true);
    });
  }

  test('the ngrok module failing to load says to reinstall', () => {
    const described = describeNgrokError(TunnelErrorCode.moduleLoad, "Cannot find module '@ngrok/ngrok'");
    assert.equal(described.code, TunnelErrorCode.moduleLoad);
    assert.match(described.message, /could not be loaded.*Reinstall the app/);
  });

  test('anything else keeps its text, prefixed', () => {
    const described = describeNgrokError(null, 'the listener closed');
    assert.equal(described.code, TunnelErrorCode.unknown);
    assert.equal(described.message, 'ngrok could not open the tunnel: the listener closed');
  });

  test('the time-out sentence gives the time in seconds', () => {
    assert.match(timeoutMessage(20_000), /^ngrok did not answer within 20 s: check the internet connection/);
    assert.match(timeoutMessage(1500), /within 1\.5 s/);
  });
});

describe('redact', () => {
  test('replaces every occurrence of a secret', () => {
    assert.equal(redact(`a ${TOKEN} b ${TOKEN}`, [TOKEN, null, '']), 'a *** b ***');
  });

  test('hides whatever follows "authtoken:" even when the secret is unknown', () => {
    assert.equal(redact('Your authtoken: abc123xyz\nnext', []), 'Your authtoken: ***\nnext');
    assert.equal(redact(`Your authtoken: ${TOKEN}`, [TOKEN]), 'Your authtoken: ***');
  });
});

describe('IPC messages', () => {
  test('parse only well-formed messages', () => {
    assert.deepEqual(parseChildMessage({ type: 'online', url: 'https://x' }), {
      type: 'online',
      url: 'https://x',
    });
    assert.deepEqual(parseChildMessage({ type: 'status', status: 'disconnected' }), {
      type: 'status',
      status: 'disconnected',
    });
    assert.equal(parseChildMessage({ type: 'status', status: 'weird' }), null);
    assert.equal(parseChildMessage({ type: 'error', code: 1, message: 'x' }), null);
    assert.equal(parseChildMessage('online'), null);
    assert.deepEqual(parseParentMessage({ type: 'close' }), { type: 'close' });
    assert.equal(parseParentMessage({ type: 'start', config: { addr: '127.0.0.1:1' } }), null);
    const config = {
      authtoken: null,
      addr: '127.0.0.1:1',
      domain: null,
      allowCidrs: ['10.0.0.0/8'],
      serverAddr: null,
    };
    assert.deepEqual(parseParentMessage({ type: 'start', config }), { type: 'start', config });
  });
});

describe('reconnectDelay', () => {
  test('doubles from the initial delay and stops at the cap, without jitter', () => {
    const policy = { initialDelayMillis: 100, maxDelayMillis: 1000, maxAttempts: 10 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelay(attempt, policy)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(reconnectDelay(1, DEFAULT_RECONNECT), DEFAULT_RECONNECT.initialDelayMillis);
  });
});
