import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checklist, stepText } from '../../renderer/src/lib/checklist';
import type { SessionState } from '../../renderer/src/lib/contract';
import { makeState } from '../fixtures/session-states';

const statuses = (state: SessionState) => Object.fromEntries(checklist(state).map((s) => [s.id, s.status]));
const none = {
  mirrorRunning: null,
  tunnelOnline: null,
  firstTestConnection: null,
  firstFieldLookup: null,
  firstMetricQuery: null,
};

describe('checklist', () => {
  it('follows the tutorial in order', () => {
    assert.deepEqual(
      checklist(makeState()).map((s) => s.id),
      ['mirror', 'tunnel', 'dataSource', 'stream', 'cleanup'],
    );
  });

  it('marks nothing done and the first step current before anything happened', () => {
    assert.deepEqual(statuses(makeState({ milestones: none })), {
      mirror: 'current',
      tunnel: 'todo',
      dataSource: 'todo',
      stream: 'todo',
      cleanup: 'todo',
    });
  });

  it('ticks the data source when the first Test Connection arrived', () => {
    const before = statuses(makeState());
    assert.equal(before.dataSource, 'current');
    const after = statuses(makeState({ milestones: { firstTestConnection: 3 } }));
    assert.equal(after.dataSource, 'done');
    assert.equal(after.stream, 'current');
  });

  it('ticks the stream only when both the field lookup and the metric query arrived', () => {
    const lookupOnly = makeState({ milestones: { firstTestConnection: 3, firstFieldLookup: 4 } });
    const [stream] = checklist(lookupOnly).filter((s) => s.id === 'stream');
    assert.equal(stream?.status, 'current');
    assert.deepEqual(
      stream?.parts?.map((p) => p.done),
      [true, false],
    );
    const both = makeState({
      milestones: { firstTestConnection: 3, firstFieldLookup: 4, firstMetricQuery: 5 },
    });
    assert.equal(statuses(both).stream, 'done');
    assert.equal(statuses(both).cleanup, 'current');
  });

  it('unticks the tunnel while it is in error or gone, though its milestone stays', () => {
    assert.equal(statuses(makeState({ phase: 'tunnel-error' })).tunnel, 'current');
    assert.equal(statuses(makeState({ phase: 'local' })).tunnel, 'current');
    assert.equal(statuses(makeState({ phase: 'reconnecting' })).tunnel, 'done');
  });

  it('ticks clean-up once a report exists', () => {
    const state = makeState({
      milestones: none,
      phase: 'stopped',
      lastCleanup: { at: 1, steps: [], remainingInStackState: [] },
    });
    assert.equal(statuses(state).cleanup, 'done');
  });

  it('says exactly where to click in StackState', () => {
    const steps = checklist(makeState());
    const dataSource = stepText(steps.find((s) => s.id === 'dataSource')!);
    assert.match(dataSource, /Settings → Telemetry Sources → Mirror sources → ADD MIRROR SOURCE/);
    for (const word of ['Mirror URL', 'Api Key', 'Connection details JSON', 'TEST CONNECTION', 'SAVE']) {
      assert.ok(dataSource.includes(word), word);
    }
    const stream = stepText(steps.find((s) => s.id === 'stream')!);
    assert.match(stream, /Telemetry → ADD NEW STREAM/);
    for (const word of ['Filters', 'Select', '"by"', 'SAVE']) assert.ok(stream.includes(word), word);
  });

  it('talks about Docker, not ngrok, when the tunnel is "none"', () => {
    const step = checklist(makeState({ tunnel: { kind: 'none' } })).find((s) => s.id === 'tunnel')!;
    assert.match(step.title, /StackState in Docker/);
    assert.match(stepText(step), /host\.docker\.internal/);
  });

  it('with the tunnel "none", "reached" ticks only once a request from elsewhere arrived', () => {
    const none = { kind: 'none' as const };
    const before = checklist(makeState({ phase: 'online', tunnel: none })).find((s) => s.id === 'tunnel')!;
    assert.notEqual(before.status, 'done', 'listening is not being reached');
    const after = checklist(
      makeState({ phase: 'online', tunnel: none, milestones: { firstRemoteRequest: 5 } }),
    ).find((s) => s.id === 'tunnel')!;
    assert.equal(after.status, 'done');
  });

  it('asks for the authtoken in the tunnel step when none is saved', () => {
    const state = makeState({ settings: { hasAuthtoken: false }, milestones: { tunnelOnline: null } });
    assert.match(stepText(checklist(state).find((s) => s.id === 'tunnel')!), /authtoken/);
  });
});

describe('the stream step’s example filter', () => {
  it('is the data source’s own: host = a-host for the demo, __name__ = up for Prometheus, none for your own mirror', () => {
    const text = (exampleFilter: string | null) =>
      checklist(makeState({ dataSource: { kind: 'x', description: 'x', exampleFilter } }))
        .find((step) => step.id === 'stream')!
        .how.map((segment) => (typeof segment === 'string' ? segment : segment.ui))
        .join('');
    assert.match(text('host = a-host'), /Filters \(e\.g\. host = a-host\), choose Select/);
    assert.match(text('__name__ = up'), /Filters \(e\.g\. __name__ = up\), choose Select/);
    assert.match(text(null), /Filters, choose Select/);
  });
});
