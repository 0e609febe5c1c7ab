// The "demo" profile, the default: a small, realistic, deterministic catalog.
//
// Catalog. Five hosts (a-host, web-1, web-2, db-1, cache-1), each in one `service` and `region`,
// with `cores` (NUMBER) and `canary` (BOOLEAN); these are the dimension fields. The metric
// fields (NUMBER) are cpu.usage (%), memory.usage (%), requests.rate (req/s), latency.p95 (ms)
// and errors.rate (%). A series is one host's metric: a pure function of (host, metric, time),
// following the time of day in the host's region, plus noise hashed from the timestamp.
// Samples are 10 s apart, at whole multiples of 10 s since the epoch (grid.ts). web-2 is offline
// 03:00–03:30 UTC daily.
//
// Choosing series. `conditions` are ANDed equality filters on the dimension fields (see
// conditions.ts for how StringValue, DoubleValue, BooleanValue, InSetValue and untyped values
// compare). A condition on an unknown key or value matches no series, and the answer is then
// 200 with no points (for every method, SUM and EVENT_COUNT included), not an error: a filter
// that selects nothing is an empty chart.
// `metricField` (StackState's Select field) picks what is measured; without one the query gets
// cpu.usage. Every listed field can be selected:
// - a metric field: the metric's samples;
// - a number dimension (`cores`): its value, per matching host, at each of the host's samples;
// - a string or boolean dimension (`host`, `service`, `region`, `canary`): one event per sample of
//   each matching host, value 1. EVENT_COUNT counts them (hosts × samples), SUM too, MEAN and the
//   percentiles are 1, and a raw query gives the number of matching hosts online at each sample.
// A name that is no field is a MetricNotFoundError listing the fields.
//
// Several matching series.
// - Raw: one point per timestamp at which any matching series has a sample, combining the series
//   by the metric's nature: requests.rate adds up (the total rate); the others are averaged.
//   Dimensions add up (cores online, hosts online).
// - Aggregated: all samples of all matching series in a bucket are pooled, then the method is
//   applied, as if every sample were an event: MEAN is the mean over hosts and time, MAX the
//   highest sample of any host, EVENT_COUNT the number of samples (hosts × 10 s steps).
//
// Buckets. Tumbling buckets aligned to startTime; the last one is kept and ends at endTime
// (aggregate.ts). An empty bucket (web-2 at night) is 0 for SUM and EVENT_COUNT and left out for
// every other method, SUM_NO_ZEROS and EVENT_COUNT_NO_ZEROS included.
//
// Exact at every zoom. Every method is computed over every sample in the bucket, so a bucket's MAX
// is the MAX of its sub-buckets, and SUM and EVENT_COUNT add up across zoom levels; percentiles
// are exact up to EXACT_PERCENTILE_SAMPLES (4096) samples in a bucket and within 1 % beyond
// (demo-buckets.ts says how). The cost stays flat in the window's width because every metric
// series is cached in blocks with their sums, mins, maxes and sketches (demo-series.ts): a wide
// bucket merges blocks; only its edges look at single samples. The cache is bounded (400 blocks,
// 31.5 MB measured with every sketch made). A window that needs more blocks than the cache holds
// (over 37 days of five hosts, 189 days of one) is answered in parts: the widest run of whole
// buckets that fits, with isPartial, and the follow-up from the last point's end carries on
// exactly (evaluating it all at once would take every sample, in the event loop, on every
// request). Only a single bucket wider than that is a RemoteMirrorError "Bucket too wide".
// EVENT_COUNT and the dimensions need no samples and serve any window. Past MAX_BUCKETS buckets,
// likewise, the first MAX_BUCKETS are the answer, with isPartial (aggregate.ts).
//
// Raw queries: the native 10 s grid, at most min(limit, RAW_POINT_CAP) points. When cut,
// isPartial is true and the earliest points are kept: the protocol's follow-up request starts at
// the last point's timestamp.
//
// Field names: every dimension and metric field, whatever the conditions (mirror-api.md §4.2),
// cut to `limit`. Field values: for a dimension, its values among the hosts that match the
// other conditions; for a metric field (a measurement, not something to filter on) or an unknown
// field, none. Then `fieldValuePrefix` (startsWith), `offset`, `limit`.
//
// Incidents (setIncidents): while an incident is active, [start, start + duration), the chosen
// metric of the series that match its dimensions is multiplied by its factor (percentages are
// clamped to 100). Overlapping incidents multiply.
//
// Repeats. An answer depends on nothing but the query and the incidents, so `answerGeneration`
// changes with each new set of incidents, and the mirror may send a repeated query the bytes it
// sent before (answer-cache.ts).
import type {
  AggregationMethod,
  FieldDescriptor,
  FieldValuesQuery,
  FieldValuesResponse,
  RawPoint,
  ValueDescriptor,
} from '../protocol/messages';
import { aggregate, type Bucket, bucketPoints, firstPartEnd, tumblingBuckets } from './aggregate';
import { canonicalText, type DimensionValue, matchesAll } from './conditions';
import { chunksNeeded, MAX_CHUNKS_PER_QUERY, MetricBuckets, needsValues } from './demo-buckets';
import {
  DEFAULT_METRIC,
  DIMENSIONS,
  type Dimension,
  dimensionsOf,
  HOSTS,
  type HostSpec,
  METRICS,
  type MetricSpec,
} from './demo-catalog';
import { CHUNK_SAMPLES, ChunkCache, type Series, sampleValue } from './demo-series';
import { DAY_MILLIS, NATIVE_STEP_MILLIS } from './grid';
import { hashIntegers, seedOf } from './hash';
import { type InstantAnswers, instantSource } from './instant-source';
import { takeFirst } from './page';
import { aggregatedResponse, connectionOk, emptyResponse, fixedFieldNames, rawResponse } from './responses';
import { type Incident, remoteMirrorError, TelemetryError, type TelemetrySource } from './source';

export { MAX_BUCKETS } from './aggregate';
export { EXACT_PERCENTILE_SAMPLES, MAX_CHUNKS_PER_QUERY } from './demo-buckets';
export { CHUNK_CACHE_LIMIT } from './demo-series';

/** The most points one raw query returns, whatever its `limit`. */
export const RAW_POINT_CAP = 10_000;

/** The demo's answers, computed at once (tests call these directly). */
export function createDemoAnswers(cache = new ChunkCache()): InstantAnswers {
  let incidents: readonly Incident[] = [];
  // Every answer is a pure function of the query and the incidents: a new set is a new generation.
  let generation = 0;

  const seriesFor = (field: SelectField, hosts: readonly HostSpec[]): Series[] =>
    hosts.map((host): Series => {
      if (field.kind === 'dimension') {
        const value = field.dimension.of(host);
        return { kind: 'constant', host, value: typeof value === 'number' ? value : 1 };
      }
      const { metric } = field;
      return {
        kind: 'metric',
        host,
        metric,
        key: `${host.host}\u0000${metric.name}`,
        seed: hashIntegers(seedOf(host.host), seedOf(metric.name)),
        incidents: incidents
          .filter((i) => i.metric === metric.name && incidentMatches(i, host))
          .map((i) => ({ start: i.startMillis, end: i.startMillis + i.durationMillis, factor: i.factor })),
      };
    });

  return {
    kind: 'demo',
    testConnection: connectionOk,
    fieldNames: fixedFieldNames(ALL_FIELDS),
    fieldValues: demoFieldValues,
    metrics: (query) => {
      const field = selectField(query.metricField || DEFAULT_METRIC);
      if (query.startTime >= query.endTime) return emptyResponse(query);
      const hosts = HOSTS.filter((h) => matchesAll(dimensionsOf(h), query.conditions));
      const series = seriesFor(field, hosts);
      if (!query.aggregation) {
        const limit = Math.min(query.limit, RAW_POINT_CAP);
        const combineBySum = field.kind === 'dimension' || field.metric.combine === 'sum';
        const points = rawPoints(series, combineBySum, query.startTime, query.endTime);
        const { items, isPartial } = takeFirst(points, limit);
        return rawResponse(items, isPartial);
      }
      // No series is no data at all, not a run of empty buckets: even SUM gets no zeros.
      if (series.length === 0) return emptyResponse(query);
      const { method, bucketSizeMillis } = query.aggregation;
      const metricSeries = series.flatMap((s) => (s.kind === 'metric' ? [s] : []));
      const evaluator = new MetricBuckets(cache, metricSeries, method);
      const bucketValue =
        field.kind === 'metric'
          ? (bucket: Bucket) => evaluator.value(bucket)
          : (bucket: Bucket) => constantBucket(series, bucket, method);
      // The first part of the window one answer covers (isPartial past it); an empty first part
      // skips to the bucket of the next sample, so a partial answer always has a last point.
      let startTime = query.startTime;
      while (true) {
        let partEnd = firstPartEnd(startTime, query.endTime, bucketSizeMillis);
        if (needsValues(method))
          partEnd = widestExactEnd(metricSeries.length, startTime, partEnd, bucketSizeMillis);
        const points = bucketPoints(tumblingBuckets(startTime, partEnd, bucketSizeMillis), bucketValue);
        const { items, isPartial } = takeFirst(points, query.limit);
        if (items.length > 0 || partEnd >= query.endTime) {
          return aggregatedResponse(items, isPartial || partEnd < query.endTime);
        }
        // No sample in the first part (SUM and EVENT_COUNT would have zeros), so none was missed.
        const next = nextSampleAfter(series, partEnd);
        if (next >= query.endTime) return aggregatedResponse([], false);
        startTime += Math.floor((next - startTime) / bucketSizeMillis) * bucketSizeMillis;
      }
    },
    catalog: () => ({
      dimensions: Object.fromEntries(DIMENSIONS.map((d) => [d.name, distinctValues(HOSTS.map(d.of))])),
      metrics: METRICS.map((m) => m.name),
    }),
    setIncidents: (next) => {
      incidents = [...next];
      generation++;
    },
    answerGeneration: () => generation,
  };
}

// ---------- fields ----------

const ALL_FIELDS: readonly FieldDescriptor[] = [
  ...DIMENSIONS.map((d) => descriptor(d.name, d.fieldType)),
  ...METRICS.map((m) => descriptor(m.name, 'NUMBER')),
];

function descriptor(fieldName: string, fieldType: FieldDescriptor['fieldType']): FieldDescriptor {
  return { _type: 'FieldDescriptor', fieldName, fieldType, classified: false };
}

function demoFieldValues(query: FieldValuesQuery): FieldValuesResponse {
  const dimension = DIMENSIONS.find((d) => d.name === query.field.fieldName);
  const otherConditions = query.conditions.filter((c) => c.key !== query.field.fieldName);
  const hosts = HOSTS.filter((h) => matchesAll(dimensionsOf(h), otherConditions));
  const values = dimension ? distinctValues(hosts.map(dimension.of)) : [];
  const matching = values
    .filter((v) => v.startsWith(query.fieldValuePrefix))
    .map((value): ValueDescriptor => ({ _type: 'CompleteValue', value }));
  const { items, isPartial } = takeFirst(matching.slice(query.offset), query.limit);
  return { _type: 'FieldValuesResponse', values: items, isPartial };
}

/** Canonical texts, each once: numbers in numeric order, everything else by code unit (locale-free). */
function distinctValues(values: readonly DimensionValue[]): string[] {
  const byText = (a: DimensionValue, b: DimensionValue) => {
    const [x, y] = [canonicalText(a), canonicalText(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const unique = [...new Set(values)];
  unique.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : byText(a, b)));
  return unique.map(canonicalText);
}

// ---------- metrics ----------

/** What the Select field (`metricField`) names: a metric, or a dimension read as one. */
type SelectField = { kind: 'metric'; metric: MetricSpec } | { kind: 'dimension'; dimension: Dimension };

function selectField(name: string): SelectField {
  const metric = METRICS.find((m) => m.name === name);
  if (metric) return { kind: 'metric', metric };
  const dimension = DIMENSIONS.find((d) => d.name === name);
  if (dimension) return { kind: 'dimension', dimension };
  const known = ALL_FIELDS.map((f) => f.fieldName).join(', ');
  throw new TelemetryError({
    _type: 'MetricNotFoundError',
    metric: name,
    details: `No field "${name}" in the demo catalog. Fields: ${known}.`,
  });
}

function incidentMatches(incident: Incident, host: HostSpec): boolean {
  const dimensions = dimensionsOf(host);
  return Object.entries(incident.series).every(
    ([key, value]) => Object.hasOwn(dimensions, key) && canonicalText(dimensions[key]!) === value,
  );
}

/** Raw points: each timestamp at which some series has a sample, combined by the metric's rule. */
function* rawPoints(
  series: readonly Series[],
  combineBySum: boolean,
  startTime: number,
  endTime: number,
): Generator<RawPoint> {
  if (series.length === 0) return;
  let t = startTime;
  while (true) {
    // The next timestamp is the earliest next sample of any series: this steps over outages at once.
    let next = Number.POSITIVE_INFINITY;
    for (const s of series) next = Math.min(next, nextSampleTime(s, t));
    if (next >= endTime) return;
    let total = 0;
    let count = 0;
    for (const s of series) {
      if (nextSampleTime(s, next) !== next) continue;
      total += sampleValue(s, next);
      count++;
    }
    yield [combineBySum ? total : total / count, next];
    t = next + 1;
  }
}

const nextSampleTime = (series: Series, t: number) =>
  series.host.availability.timeOf(series.host.availability.countBefore(t));

/**
 * The end of the widest run of whole buckets from `startTime` (up to `endTime`) whose samples fit
 * in the block cache at once (demo-buckets.ts): the rest of the window is a follow-up's. Refuses
 * only a single bucket too wide to compute exactly.
 */
function widestExactEnd(
  seriesCount: number,
  startTime: number,
  endTime: number,
  bucketSizeMillis: number,
): number {
  const fits = (end: number) => chunksNeeded(seriesCount, startTime, end) <= MAX_CHUNKS_PER_QUERY;
  if (fits(endTime)) return endTime;
  // The largest whole number of buckets that fits, by bisection (the blocks needed grow with the end).
  let low = 0;
  let high = Math.ceil((endTime - startTime) / bucketSizeMillis);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(startTime + middle * bucketSizeMillis)) low = middle;
    else high = middle;
  }
  if (low > 0) return startTime + low * bucketSizeMillis;
  const chunkDays = (CHUNK_SAMPLES * NATIVE_STEP_MILLIS) / DAY_MILLIS;
  const widest = Math.floor((MAX_CHUNKS_PER_QUERY / seriesCount - 1) * chunkDays);
  throw remoteMirrorError(
    'Bucket too wide',
    `The demo computes every sample of ${seriesCount} series in a bucket exactly, and one ` +
      `${Math.round(bucketSizeMillis / DAY_MILLIS)}-day bucket holds more than it keeps at once. ` +
      `Use buckets of at most ${widest} days for ${seriesCount} series, or filter to fewer hosts.`,
  );
}

/** The time of the first sample at or after `t` of any of `series` (Infinity if none). */
function nextSampleAfter(series: readonly Series[], t: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const s of series) next = Math.min(next, nextSampleTime(s, t));
  return next;
}

/**
 * One bucket of dimensions read as metrics: each host's value stands for all its samples in the
 * bucket, so every method, percentiles included, is exact from one (value, count) pair per host.
 */
function constantBucket(
  series: readonly Series[],
  bucket: Bucket,
  method: AggregationMethod,
): number | undefined {
  const values: number[] = [];
  const counts: number[] = [];
  for (const s of series) {
    const { availability } = s.host;
    const count = availability.countBefore(bucket.end) - availability.countBefore(bucket.start);
    if (count === 0 || s.kind !== 'constant') continue;
    values.push(s.value);
    counts.push(count);
  }
  return aggregate(method, values, counts);
}

export const createDemoSource = (): TelemetrySource => instantSource(createDemoAnswers());
