// The checklist on its own: which exchanges count as StackState's, where each came from, and who sent it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MirrorExchange } from '../../server/protocol/exchange';
import { Checklist, originOf } from '../../server/session/checklist';
import { SELF_REQUEST_HEADER } from '../../server/session/self-test';
import { makeExchange } from '../fixtures/exchange';

const _MIRROR_PORT = 7007;
const TUNNEL_PORT = 40_123;

const exchange = (overrides: Partial<MirrorExchange> = {}) => makeExchange({ requestBody: {}, ...overrides });

describe('where an exchange came from', () => {
  test('the tunnel-only port is tunnel traffic; its caller is the last X-Forwarded-For entry, trimmed', () => {
    const through = exchange({
      localPort: TUNNEL_PORT,
      // The client may send its own X-Forwarded-For; the tunnel's edge appends the real address last.
      headers: { 'x-forwarded-for': '10.0.0.1, 192.0.2.1,  203.0.113.9 ' },
    });
    assert.deepEqual(originOf(through, TUNNEL_PORT), { origin: 'tunnel', remoteAddress: '203.0.113.9' });
  });

  test('tunnel traffic without X-Forwarded-For keeps the socket address', () => {
    assert.deepEqual(originOf(exchange({ localPort: TUNNEL_PORT }), TUNNEL_PORT), {
      origin: 'tunnel',
      remoteAddress: '127.0.0.1',
    });
  });

  test('elsewhere it is local or network by the peer address, and X-Forwarded-For is not believed', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      assert.equal(originOf(exchange({ remoteAddress: address }), TUNNEL_PORT).origin, 'local', address);
    }
    const spoofed = exchange({ remoteAddress: '172.17.0.2', headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.deepEqual(originOf(spoofed, TUNNEL_PORT), { origin: 'network', remoteAddress: '172.17.0.2' });
  });

  test('with no mirror running (no tunnel port) nothing is tunnel traffic', () => {
    assert.equal(originOf(exchange({ localPort: TUNNEL_PORT }), null).origin, 'local');
  });
});

describe('ticking', () => {
  test("StackState's first successful exchange of each kind ticks its milestone, once", () => {
    const checklist = new Checklist();
    assert.equal(checklist.tickFrom(exchange(), 'tunnel', 1000), true);
    assert.equal(checklist.tickFrom(exchange(), 'tunnel', 2000), false, 'already ticked');
    assert.equal(checklist.tickFrom(exchange({ operation: 'fieldValues' }), 'network', 3000), true);
    assert.equal(checklist.tickFrom(exchange({ operation: 'fieldNames' }), 'network', 3500), false);
    assert.equal(checklist.tickFrom(exchange({ operation: 'metrics' }), 'tunnel', 4000), true);
    assert.deepEqual(checklist.milestones, {
      mirrorRunning: null,
      tunnelOnline: null,
      firstRemoteRequest: 1000,
      firstTestConnection: 1000,
      firstFieldLookup: 3000,
      firstMetricQuery: 4000,
    });
  });

  test('local traffic and the app’s own requests tick nothing; failures and unknown routes only “reached”', () => {
    const checklist = new Checklist();
    const untouched = checklist.milestones;
    assert.equal(checklist.tickFrom(exchange(), 'local'), false, 'curl on this machine is not StackState');
    for (const marker of ['self-test', 'replay-3-abc']) {
      const own = exchange({ headers: { [SELF_REQUEST_HEADER]: marker } });
      assert.equal(checklist.tickFrom(own, 'tunnel'), false, marker);
    }
    assert.deepEqual(checklist.milestones, untouched);
    // A failure or an unknown route still shows that StackState got through, and nothing more.
    assert.equal(checklist.tickFrom(exchange({ status: 400 }), 'tunnel', 10), true, 'first from elsewhere');
    assert.equal(checklist.tickFrom(exchange({ operation: null, status: 200 }), 'tunnel'), false);
    assert.deepEqual(checklist.milestones, { ...untouched, firstRemoteRequest: 10 });
  });

  test('mark ticks once; milestones is a copy; reset starts afresh', () => {
    const checklist = new Checklist();
    assert.equal(checklist.mark('mirrorRunning', 5), true);
    assert.equal(checklist.mark('mirrorRunning', 6), false);
    const copy = checklist.milestones;
    copy.tunnelOnline = 99;
    assert.equal(checklist.milestones.tunnelOnline, null);
    assert.equal(checklist.milestones.mirrorRunning, 5);
    checklist.reset();
    assert.equal(checklist.milestones.mirrorRunning, null);
    assert.equal(checklist.mark('mirrorRunning', 7), true);
  });
});
