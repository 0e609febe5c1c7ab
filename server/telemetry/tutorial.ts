// The "tutorial" profile: the same shapes as StackState's sample mirror (mirror_server.py in
// StackVista/mirror-integration-tutorial; mirror-api.md §4, §10, §11), so a user following the
// tutorial sees what it describes. Differences from the sample, all deliberate:
// - values are a hash of the timestamp, not a shared random stream: the same query gives the
//   same answer, whatever was asked before;
// - aggregated queries honour `method` and `bucketSizeMillis`: each bucket aggregates the raw points
//   the same window would return (so aggregating the raw answer gives the aggregated answer);
// - `limit`, and for field values `fieldValuePrefix` and `offset`, are applied. With the defaults
//   StackState sends, the answers are exactly the sample's.
// Like the sample, it ignores `conditions` and `metricField`: every listed field (field1 STRING,
// field2 BOOLEAN, field3 NUMBER) is a valid Select field and selects that same stream, so the
// tutorial's own "field1 by Event count" counts its points (test/telemetry/select-fields.test.ts).
import type {
  FieldDescriptor,
  MetricsQuery,
  MetricsResponse,
  RawPoint,
  ValueDescriptor,
} from '../protocol/messages';
import { aggregate, bucketPoints, firstPartEnd, tumblingBuckets } from './aggregate';
import { unitHash } from './hash';
import { type InstantAnswers, instantSource } from './instant-source';
import { takeFirst } from './page';
import { aggregatedResponse, connectionOk, emptyResponse, fixedFieldNames, rawResponse } from './responses';
import type { TelemetrySource } from './source';

/** The sample spreads about this many points over any window. */
export const TUTORIAL_POINTS_PER_WINDOW = 50;
/** The sample's step when the window is too short for 50 whole milliseconds per point. */
export const TUTORIAL_FALLBACK_STEP_MILLIS = 1000;

export const TUTORIAL_FIELDS: readonly FieldDescriptor[] = [
  { _type: 'FieldDescriptor', fieldName: 'field1', fieldType: 'STRING', classified: false },
  { _type: 'FieldDescriptor', fieldName: 'field2', fieldType: 'BOOLEAN', classified: false },
  { _type: 'FieldDescriptor', fieldName: 'field3', fieldType: 'NUMBER', classified: false },
];

export const TUTORIAL_VALUES: readonly ValueDescriptor[] = [
  { _type: 'CompleteValue', value: 'value1' },
  { _type: 'FieldValuePattern', value: 'cpu.*' },
];

/** The sample's step: an integer fiftieth of the window, or 1000 ms when that is 0. */
export function tutorialStepMillis(startTime: number, endTime: number): number {
  return Math.floor((endTime - startTime) / TUTORIAL_POINTS_PER_WINDOW) || TUTORIAL_FALLBACK_STEP_MILLIS;
}

/** A value in [0, 100) that depends only on the timestamp. */
export function tutorialValueAt(timestamp: number): number {
  return unitHash(timestamp) * 100;
}

/**
 * Whether a value descriptor can answer what the user has typed. A complete value must start with
 * the prefix; a pattern such as `cpu.*` stays while the prefix and the pattern's fixed part
 * (`cpu.`) agree as far as the shorter goes: `c` and `cpu.user` both keep it, `m` drops it.
 */
export function matchesPrefix(descriptor: ValueDescriptor, prefix: string): boolean {
  if (descriptor._type === 'CompleteValue') return descriptor.value.startsWith(prefix);
  const fixedPart = descriptor.value.replace(/\*.*$/, '');
  return fixedPart.startsWith(prefix) || prefix.startsWith(fixedPart);
}

/** The tutorial sample's answers, computed at once (tests call these directly). */
export function createTutorialAnswers(): InstantAnswers {
  return {
    kind: 'tutorial',
    testConnection: connectionOk,
    fieldNames: fixedFieldNames(TUTORIAL_FIELDS),
    fieldValues: (query) => {
      const matching = TUTORIAL_VALUES.filter((v) => matchesPrefix(v, query.fieldValuePrefix));
      const { items, isPartial } = takeFirst(matching.slice(query.offset), query.limit);
      return { _type: 'FieldValuesResponse', values: items, isPartial };
    },
    metrics: tutorialMetrics,
    catalog: () => ({ dimensions: {}, metrics: [] }),
    setIncidents: () => {},
  };
}

function tutorialMetrics(query: MetricsQuery): MetricsResponse {
  const { startTime, endTime, aggregation } = query;
  if (startTime >= endTime) return emptyResponse(query);
  const step = tutorialStepMillis(startTime, endTime);
  const sampleCount = Math.ceil((endTime - startTime) / step);
  const sampleTime = (i: number) => startTime + i * step;
  if (!aggregation) {
    const { items, isPartial } = takeFirst(rawPoints(sampleCount, sampleTime), query.limit);
    return rawResponse(items, isPartial);
  }
  const partEnd = firstPartEnd(startTime, endTime, aggregation.bucketSizeMillis);
  const buckets = tumblingBuckets(startTime, partEnd, aggregation.bucketSizeMillis);
  const points = bucketPoints(buckets, (bucket) => {
    // The raw samples in [bucket.start, bucket.end), found by arithmetic rather than a scan.
    const first = Math.ceil((bucket.start - startTime) / step);
    const end = Math.min(Math.ceil((bucket.end - startTime) / step), sampleCount);
    const values: number[] = [];
    for (let i = first; i < end; i++) values.push(tutorialValueAt(sampleTime(i)));
    return aggregate(aggregation.method, values);
  });
  const { items, isPartial } = takeFirst(points, query.limit);
  return aggregatedResponse(items, isPartial || partEnd < endTime);
}

function* rawPoints(count: number, timeOf: (i: number) => number): Generator<RawPoint> {
  for (let i = 0; i < count; i++) {
    const t = timeOf(i);
    yield [tutorialValueAt(t), t];
  }
}

export const createTutorialSource = (): TelemetrySource => instantSource(createTutorialAnswers());
