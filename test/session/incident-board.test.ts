// The incident board on its own, against a stand-in for the source's catalog and incident overlay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActionError } from '../../server/session/action-error';
import { IncidentBoard, MAX_ACTIVE_INCIDENTS } from '../../server/session/incident-board';
import type { IncidentCatalog, IncidentTarget } from '../../server/session/telemetry';
import type { Incident } from '../../server/telemetry/source';

class StandInTarget implements IncidentTarget {
  readonly overlays: (readonly Incident[])[] = [];
  catalog(): IncidentCatalog {
    return { dimensions: { host: ['a-host', 'b-host'], service: ['web'] }, metrics: ['cpu.usage'] };
  }
  setIncidents(incidents: readonly Incident[]): void {
    this.overlays.push(incidents);
  }
}

function board() {
  const target = new StandInTarget();
  let expired = 0;
  const incidents = new IncidentBoard(target, () => expired++);
  return { incidents, target, expired: () => expired };
}

const request = { series: { host: 'a-host' }, metric: 'cpu.usage', durationMinutes: 5 };

test('a valid incident runs, reaches the source, and takes the default factor', () => {
  const { incidents, target } = board();
  const started = incidents.start(request);
  assert.match(started.id, /^incident-\d+-[0-9a-f]{8}$/);
  assert.equal(started.factor, 3);
  assert.equal(started.durationMillis, 300_000);
  assert.deepEqual(incidents.active(), [started]);
  assert.deepEqual(target.overlays.at(-1), [started]);
  incidents.clear();
  assert.deepEqual(incidents.active(), []);
  assert.deepEqual(target.overlays.at(-1), []);
});

test('an unknown metric, series or value is refused with an ActionError that names it (cut short)', () => {
  const { incidents, target } = board();
  assert.throws(() => incidents.start({ ...request, metric: 'disk.full' }), {
    name: 'ActionError',
    message: 'unknown metric "disk.full"',
  });
  assert.throws(
    () => incidents.start({ ...request, metric: 'm'.repeat(500) }),
    (error: Error) => {
      assert.ok(error instanceof ActionError);
      assert.ok(error.message.length < 120, `${error.message.length} characters`);
      return true;
    },
  );
  assert.throws(
    () => incidents.start({ ...request, series: { host: 'z-host' } }),
    /unknown series host = z-host/,
  );
  assert.throws(() => incidents.start({ ...request, series: { zone: 'a' } }), /unknown series zone = a/);
  assert.equal(target.overlays.length, 0, 'nothing reached the source');
});

test('series named after Object.prototype keys are unknown series, checked by own keys only', () => {
  const { incidents } = board();
  for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    const series = JSON.parse(`{"${key}":"x"}`) as Record<string, string>;
    assert.throws(() => incidents.start({ ...request, series }), /unknown series/, key);
  }
});

test('a duration outside (0, 1440] minutes is refused', () => {
  const { incidents } = board();
  for (const durationMinutes of [0, -1, 1441, Number.NaN]) {
    assert.throws(
      () => incidents.start({ ...request, durationMinutes }),
      /durationMinutes must be between 0 and 1440/,
      String(durationMinutes),
    );
  }
  assert.equal(incidents.start({ ...request, durationMinutes: 1440 }).durationMillis, 86_400_000);
});

test(`at most ${MAX_ACTIVE_INCIDENTS} run at once; an ended one frees its place, and its end is announced`, async () => {
  const { incidents, expired } = board();
  // 0.001 minutes is 60 ms: the first incident ends by itself during the test.
  incidents.start({ ...request, durationMinutes: 0.001 });
  for (let i = 1; i < MAX_ACTIVE_INCIDENTS; i++) incidents.start(request);
  assert.throws(() => incidents.start(request), {
    name: 'ActionError',
    message: `at most ${MAX_ACTIVE_INCIDENTS} incidents can run at once; end one (or all) before starting another`,
  });
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.equal(expired(), 1, 'the end was announced');
  assert.equal(incidents.active().length, MAX_ACTIVE_INCIDENTS - 1);
  incidents.start(request);
  assert.equal(incidents.active().length, MAX_ACTIVE_INCIDENTS);
});
