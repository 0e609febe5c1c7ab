import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyAllText } from '../../renderer/src/lib/connection-text';
import {
  errorLine,
  formatDuration,
  plural,
  resultLabel,
  rowView,
  splitLinks,
  truncationNote,
} from '../../renderer/src/lib/format';
import { formValues, friendlyActionError, settingsPatch } from '../../renderer/src/lib/settings-form';
import { takeToken } from '../../renderer/src/lib/token';
import { makeState } from '../fixtures/session-states';
import { makeEntry } from './fixtures';

describe('takeToken', () => {
  it('takes the token from the address and gives the address without it', () => {
    assert.deepEqual(takeToken('http://127.0.0.1:5000/?token=abc&x=1#top', null), {
      token: 'abc',
      cleanUrl: 'http://127.0.0.1:5000/?x=1#top',
    });
  });

  it('prefers a token in the address over a stored one (a new launch)', () => {
    assert.equal(takeToken('http://127.0.0.1:5000/?token=new', 'old').token, 'new');
  });

  it('falls back to the stored token after the address was cleaned (a reload)', () => {
    assert.deepEqual(takeToken('http://127.0.0.1:5000/', 'kept'), { token: 'kept', cleanUrl: null });
    assert.deepEqual(takeToken('http://127.0.0.1:5000/', null), { token: null, cleanUrl: null });
  });
});

describe('copyAllText', () => {
  it('gives the form’s three labels and values in order', () => {
    assert.equal(
      copyAllText(makeState().connection),
      'Mirror URL: https://abc.ngrok-free.app/\nApi Key: mirror-key\nConnection details JSON: {}',
    );
  });

  it('is null while there is no URL yet', () => {
    assert.equal(copyAllText(makeState({ connection: { mirrorUrl: null } }).connection), null);
  });
});

describe('rows', () => {
  it('summarises an entry', () => {
    const entry = makeEntry(7);
    const row = rowView(entry, entry.time + 60_000);
    assert.equal(row.operation, 'Metric values');
    assert.equal(row.results, '1,440 points');
    assert.equal(row.status, '200');
    assert.equal(row.statusTone, 'ok');
    assert.equal(row.originLabel, 'tunnel');
    assert.match(row.time, /^\d\d:\d\d:\d\d$/, 'today: the clock only');
    assert.match(
      rowView(entry, entry.time + 2 * 86_400_000).time,
      /^\S+ \S+ \d\d:\d\d:\d\d$/,
      'another day: the date first',
    );
  });

  it('names unknown paths by method and URL, and colours errors', () => {
    const row = rowView(makeEntry(8, { operation: null, method: 'GET', url: '/nope', status: 404 }));
    assert.equal(row.operation, 'GET /nope');
    assert.equal(row.statusTone, 'warn');
    assert.equal(rowView(makeEntry(9, { status: 500 })).statusTone, 'error');
  });

  it('flags findings worth a look, and only those: a broken rule is red, a warning amber, a note nothing', () => {
    const note = { id: 'counter-as-rate', severity: 'info', message: 'Served as a rate.' } as const;
    const warn = { id: 'slow', severity: 'warn', message: 'Took 12 s.' } as const;
    const fail = { id: 'key-header', severity: 'fail', message: 'No X-MIRROR-API-KEY.' } as const;
    assert.equal(rowView(makeEntry(10, { findings: [note] })).flag, null);
    assert.deepEqual(rowView(makeEntry(11, { findings: [note, warn] })).flag, {
      label: '⚑ 1',
      tone: 'warn',
      title: 'Took 12 s.',
    });
    assert.equal(rowView(makeEntry(12, { findings: [warn, fail] })).flag?.tone, 'error');
  });

  it('labels result counts per operation', () => {
    assert.equal(resultLabel({ operation: 'fieldNames', resultCount: 1 }), '1 field');
    assert.equal(resultLabel({ operation: 'fieldValues', resultCount: 3 }), '3 values');
    assert.equal(resultLabel({ operation: 'connection', resultCount: null }), '');
  });

  it('formats durations', () => {
    assert.equal(formatDuration(0.2), '<1 ms');
    assert.equal(formatDuration(12.4), '12 ms');
    assert.equal(formatDuration(1234), '1.23 s');
  });

  it('finds https links in messages, without trailing punctuation', () => {
    assert.deepEqual(
      splitLinks('Get it at https://dashboard.ngrok.com/get-started/your-authtoken. Then retry.'),
      [
        { text: 'Get it at ' },
        {
          text: 'https://dashboard.ngrok.com/get-started/your-authtoken',
          href: 'https://dashboard.ngrok.com/get-started/your-authtoken',
        },
        { text: '. Then retry.' },
      ],
    );
    assert.deepEqual(splitLinks('javascript:alert(1) http://x'), [{ text: 'javascript:alert(1) http://x' }]);
  });
});

describe('settingsPatch', () => {
  const saved = makeState().settings;

  it('sends only what changed', () => {
    const values = { ...formValues(saved), mirrorPort: '7010', allowCidrs: '203.0.113.0/24\n\n 10.0.0.0/8 ' };
    assert.deepEqual(settingsPatch(values, saved), {
      patch: { mirrorPort: 7010, allowCidrs: ['203.0.113.0/24', '10.0.0.0/8'] },
    });
    assert.deepEqual(settingsPatch(formValues(saved), saved), { patch: {} });
  });

  it('turns an empty domain into null and strips a pasted scheme', () => {
    const withDomain = { ...saved, ngrokDomain: 'me.ngrok-free.app' };
    assert.deepEqual(settingsPatch({ ...formValues(withDomain), ngrokDomain: ' ' }, withDomain), {
      patch: { ngrokDomain: null },
    });
    assert.deepEqual(settingsPatch({ ...formValues(saved), ngrokDomain: 'https://you.ngrok.app/' }, saved), {
      patch: { ngrokDomain: 'you.ngrok.app' },
    });
  });

  it('refuses a port that is not a number, before asking the app', () => {
    assert.ok('error' in settingsPatch({ ...formValues(saved), mirrorPort: 'abc' }, saved));
  });
});

describe('friendlyActionError', () => {
  it('names fields as the form labels them', () => {
    assert.equal(
      friendlyActionError('mirrorPort must be a port from 0 to 65535; allowCidrs must be a list of CIDRs'),
      'Mirror port must be a port from 0 to 65535; IP allow-list must be a list of CIDRs',
    );
    assert.equal(friendlyActionError('no logged request with id 3'), 'no logged request with id 3');
  });
});

describe('truncationNote', () => {
  it('counts the log’s bound in characters, as the log does', () => {
    assert.equal(truncationNote(makeEntry(1)), null);
    const request = truncationNote(makeEntry(1, { requestTruncated: true, responseTruncated: true }));
    assert.match(request ?? '', /first 4,096 characters/);
    assert.match(request ?? '', /cannot send the same request/);
    assert.match(truncationNote(makeEntry(1, { responseTruncated: true })) ?? '', /after 4,096 characters/);
    assert.doesNotMatch(`${request}`, /KiB/);
  });
});

describe('counts and plurals', () => {
  it('one noun agrees with its count, and counts use the locale’s separators (en-US: the suite’s)', () => {
    assert.equal(plural(1, 'point'), '1 point');
    assert.equal(plural(10_000, 'point'), '10,000 points');
    assert.equal(plural(2, 'simulated incident'), '2 simulated incidents');
    assert.equal(plural(0, 'request'), '0 requests');
  });
});

describe('error rows', () => {
  it('are written one way: "Type: summary: reason", with no stray ".:", whatever wrote them', () => {
    assert.equal(
      errorLine('RemoteMirrorError: Malformed JSON body.', 'The body is not JSON.'),
      'RemoteMirrorError: Malformed JSON body: The body is not JSON.',
    );
    assert.equal(
      errorLine('RemoteMirrorError (The upstream answered 502)', null),
      'RemoteMirrorError: The upstream answered 502',
    );
    assert.equal(
      errorLine('MetricStoreConnectionError: Nothing answers at a:1.', null),
      'MetricStoreConnectionError: Nothing answers at a:1.',
    );
    assert.equal(errorLine(null, null), '');
  });
});
