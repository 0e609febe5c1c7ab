// The "demo" profile, the default: a small, realistic, deterministic catalog.
//
// Catalog. Five hosts (a-host, web-1, web-2, db-1, cache-1), each in one `service` and `region`,
// with `cores` (NUMBER) and `canary` (BOOLEAN); these are the dimension fields. The metric
// fields (NUMBER) are cpu.usage (%), memory.usage (%), requests.rate (req/s), latency.p95 (ms)
// and errors.rate (%). A series is one host's metric: a pure function of (host, metric, time),
// following the time of day in the host's region, plus noise hashed from the timestamp.
// Samples are 1 s apart, at whole seconds since the epoch. web-2 is offline 03:00–03:30 UTC daily.
//
// Choosing series. `conditions` are ANDed equality filters on the dimension fields (see
// conditions.ts for how StringValue, DoubleValue, BooleanValue, InSetValue and untyped values
// compare). A condition on an unknown key or value matches no series, and the answer is then
// 200 with no points (for every method, SUM and EVENT_COUNT included), not an error: a filter
// that selects nothing is an empty chart.
// `metricField` picks the metric; without one the query gets cpu.usage. A name that is not a
// metric (a dimension, or unknown) is a MetricNotFoundError naming it.
//
// Several matching series.
// - Raw: one point per timestamp at which any matching series has a sample, combining the series
//   by the metric's nature: requests.rate adds up (the total rate); the others are averaged.
// - Aggregated: all samples of all matching series in a bucket are pooled, then the method is
//   applied, as if every sample were an event: MEAN is the mean over hosts and time, MAX the
//   highest sample of any host, EVENT_COUNT the number of samples (hosts × seconds).
//
// Buckets. Tumbling buckets aligned to startTime; the last one is kept and ends at endTime
// (aggregate.ts). An empty bucket (web-2 at night) is 0 for SUM and EVENT_COUNT and left out for
// every other method, SUM_NO_ZEROS and EVENT_COUNT_NO_ZEROS included.
//
// Cost grows with the points returned, not the window.
// - Aggregated: per bucket and series, at most SAMPLES_PER_SERIES_PER_BUCKET (8) samples are
//   evaluated, strided evenly over the bucket (grid.ts: sampleIndices), each standing for its
//   stride of grid points. When a bucket holds no more than that, every sample is used and all
//   14 methods are exact. Otherwise EVENT_COUNT stays exact (grid arithmetic), SUM is the
//   weighted sample sum (mean × exact count), MEAN is exact in expectation, and MIN, MAX and the
//   percentiles are those of the sample. A bucket is also cut at incident boundaries, with at
//   least one sample each side, so a spike always shows.
//   Why 1 s and 8: a 1-hour window in 500 buckets holds 7 or 8 samples per series and bucket, so
//   a 30-day window in 500 buckets (8 each) costs about the same (measured 1.1–1.2×). A coarser
//   grid or a bigger budget would let the wide window cost many times the narrow one.
//   More than MAX_BUCKETS buckets is a RemoteMirrorError "Bucket size too small".
// - Raw: the native 1 s grid, at most min(limit, RAW_POINT_CAP) points. When cut, isPartial is
//   true and the earliest points are kept: the protocol's follow-up request starts at the last
//   point's timestamp.
//
// Field names: every dimension and metric field, whatever the conditions (mirror-api.md §4.2),
// cut to `limit`. Field values: for a dimension, its values among the hosts that match the
// other conditions; for a metric field (a measurement, not something to filter on) or an unknown
// field, none. Then `fieldValuePrefix` (startsWith), `offset`, `limit`.
//
// Incidents (setIncidents): while an incident is active, [start, start + duration), the chosen
// metric of the series that match its dimensions is multiplied by its factor (percentages are
// clamped to 100). Overlapping incidents multiply.
import type {
  AggregationMethod,
  FieldDescriptor,
  FieldValuesQuery,
  FieldValuesResponse,
  RawPoint,
  ValueDescriptor,
} from '../mirror/protocol';
import { aggregate, type Bucket, bucketPoints, checkedBuckets } from './aggregate';
import { canonicalText, type DimensionValue, matchesAll } from './conditions';
import {
  DEFAULT_METRIC,
  DIMENSIONS,
  dailyLoad,
  dimensionsOf,
  HOSTS,
  type HostSpec,
  METRICS,
  type MetricSpec,
} from './demo-catalog';
import { type IndexRange, NATIVE_STEP_MILLIS, sampleIndices } from './grid';
import { hashIntegers, seedOf, unitHash } from './hash';
import { type InstantAnswers, instantSource } from './instant-source';
import { takeFirst } from './page';
import { aggregatedResponse, connectionOk, emptyResponse, fixedFieldNames, rawResponse } from './responses';
import { type Incident, TelemetryError, type TelemetrySource } from './source';

export { MAX_BUCKETS } from './aggregate';

/** The most samples of one series evaluated for one bucket (see the top of this file). */
export const SAMPLES_PER_SERIES_PER_BUCKET = 8;
/** The most points one raw query returns, whatever its `limit`. */
export const RAW_POINT_CAP = 10_000;

/** One matching series, ready to evaluate: a host's metric with the incidents that touch it. */
interface Series {
  host: HostSpec;
  metric: MetricSpec;
  seed: number;
  incidents: readonly ActiveWindow[];
}

interface ActiveWindow {
  start: number;
  end: number;
  factor: number;
}

/** The demo's answers, computed at once (tests call these directly). */
export function createDemoAnswers(): InstantAnswers {
  let incidents: readonly Incident[] = [];

  const seriesFor = (metric: MetricSpec, hosts: readonly HostSpec[]): Series[] =>
    hosts.map((host) => ({
      host,
      metric,
      seed: hashIntegers(seedOf(host.host), seedOf(metric.name)),
      incidents: incidents
        .filter((i) => i.metric === metric.name && incidentMatches(i, host))
        .map((i) => ({ start: i.startMillis, end: i.startMillis + i.durationMillis, factor: i.factor })),
    }));

  return {
    kind: 'demo',
    testConnection: connectionOk,
    fieldNames: fixedFieldNames(ALL_FIELDS),
    fieldValues: demoFieldValues,
    metrics: (query) => {
      const metric = metricNamed(query.metricField || DEFAULT_METRIC);
      if (query.startTime >= query.endTime) return emptyResponse(query);
      const hosts = HOSTS.filter((h) => matchesAll(dimensionsOf(h), query.conditions));
      const series = seriesFor(metric, hosts);
      if (!query.aggregation) {
        const limit = Math.min(query.limit, RAW_POINT_CAP);
        const { items, isPartial } = takeFirst(rawPoints(series, query.startTime, query.endTime), limit);
        return rawResponse(items, isPartial);
      }
      const { method, bucketSizeMillis } = query.aggregation;
      const buckets = checkedBuckets(query.startTime, query.endTime, bucketSizeMillis);
      // No series is no data at all, not a run of empty buckets: even SUM gets no zeros.
      if (series.length === 0) return emptyResponse(query);
      const points = bucketPoints(buckets, (bucket) => aggregateBucket(series, bucket, method));
      const { items, isPartial } = takeFirst(points, query.limit);
      return aggregatedResponse(items, isPartial);
    },
    catalog: () => ({
      dimensions: Object.fromEntries(DIMENSIONS.map((d) => [d.name, distinctValues(HOSTS.map(d.of))])),
      metrics: METRICS.map((m) => m.name),
    }),
    setIncidents: (next) => {
      incidents = [...next];
    },
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

function metricNamed(name: string): MetricSpec {
  const metric = METRICS.find((m) => m.name === name);
  if (metric) return metric;
  const known = METRICS.map((m) => m.name).join(', ');
  const isDimension = DIMENSIONS.some((d) => d.name === name);
  throw new TelemetryError({
    _type: 'MetricNotFoundError',
    metric: name,
    details: isDimension
      ? `"${name}" is a dimension that selects series, not a metric. Metrics: ${known}.`
      : `No metric "${name}" in the demo catalog. Metrics: ${known}.`,
  });
}

function incidentMatches(incident: Incident, host: HostSpec): boolean {
  const dimensions = dimensionsOf(host);
  return Object.entries(incident.series).every(
    ([key, value]) => Object.hasOwn(dimensions, key) && canonicalText(dimensions[key]!) === value,
  );
}

/** The sample of `series` at grid time `t` (which must be one of its online points). */
function valueAt(series: Series, t: number): number {
  const { host, metric } = series;
  const level = metric.level(dailyLoad(t, host.region), host);
  const noise = unitHash(series.seed, t / NATIVE_STEP_MILLIS) * 2 - 1;
  let value = level * (1 + metric.noise * noise);
  for (const incident of series.incidents) {
    if (t >= incident.start && t < incident.end) value *= incident.factor;
  }
  return metric.isPercentage ? Math.min(Math.max(value, 0), 100) : Math.max(value, 0);
}

/** Raw points: each timestamp at which some series has a sample, combined by the metric's rule. */
function* rawPoints(series: readonly Series[], startTime: number, endTime: number): Generator<RawPoint> {
  if (series.length === 0) return;
  const combineBySum = series[0]!.metric.combine === 'sum';
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
      total += valueAt(s, next);
      count++;
    }
    yield [combineBySum ? total : total / count, next];
    t = next + 1;
  }
}

const nextSampleTime = (series: Series, t: number) =>
  series.host.availability.timeOf(series.host.availability.countBefore(t));

/** One bucket's value: the method over the pooled (strided) samples of every series. */
function aggregateBucket(
  series: readonly Series[],
  bucket: Bucket,
  method: AggregationMethod,
): number | undefined {
  const values: number[] = [];
  const weights: number[] = [];
  const countOnly = method === 'EVENT_COUNT' || method === 'EVENT_COUNT_NO_ZEROS';
  for (const s of series) {
    const { availability } = s.host;
    const strata = cutAtIncidents(s, bucket).map(
      ([from, to]): IndexRange => ({
        first: availability.countBefore(from),
        end: availability.countBefore(to),
      }),
    );
    if (countOnly) {
      // Counting needs no values: one zero standing for all the series' samples in the bucket.
      for (const { first, end } of strata) if (end > first) pushSample(values, weights, 0, end - first);
      continue;
    }
    sampleIndices(strata, SAMPLES_PER_SERIES_PER_BUCKET, (index, weight) => {
      pushSample(values, weights, valueAt(s, availability.timeOf(index)), weight);
    });
  }
  return aggregate(method, values, weights);
}

function pushSample(values: number[], weights: number[], value: number, weight: number): void {
  values.push(value);
  weights.push(weight);
}

/** The bucket as consecutive time ranges, cut where one of the series' incidents starts or ends. */
function cutAtIncidents(series: Series, bucket: Bucket): [number, number][] {
  if (series.incidents.length === 0) return [[bucket.start, bucket.end]];
  const cuts = new Set<number>();
  for (const { start, end } of series.incidents) {
    if (start > bucket.start && start < bucket.end) cuts.add(start);
    if (end > bucket.start && end < bucket.end) cuts.add(end);
  }
  const edges = [bucket.start, ...[...cuts].sort((a, b) => a - b), bucket.end];
  return edges.slice(1).map((to, i): [number, number] => [edges[i]!, to]);
}

export const createDemoSource = (): TelemetrySource => instantSource(createDemoAnswers());
