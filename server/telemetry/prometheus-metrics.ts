// The prometheus source's metric answers (/api/metric); docs/prometheus.md says it for users.
//
// - The metric: `__name__ = <metric>` (or an InSetValue of names) among the conditions, or the
//   metric's name as the Select field (metricField); `value` or none means "the sample value of the
//   metric the conditions choose"; `__counter__` / `__gauge__` the same, read as a counter or a
//   gauge (prometheus-kinds.ts); `~<PromQL>` an expression (prometheus-field.ts). Any other label
//   as the Select field is counted: one event, value 1, per sample of each series that carries it.
// - Aggregated: computed in Prometheus where it pools exactly (prometheus-promql.ts), otherwise on
//   the samples, chunk by chunk (prometheus-chunks.ts). Several series: the log says how many, by
//   which method, and the labels in which they differ (prometheus-pooling.ts).
// - Raw: the samples of one series (several are refused, naming the labels in which they differ),
//   counters as per-second rates between samples, cut to the cap with isPartial; a window holding
//   too many samples is answered from an earlier part of it that holds some.
import type { MetricsQuery, MetricsResponse } from '../protocol/messages';
import { type Bucket, bucketPoints, firstPartEnd, PERCENTILES, tumblingBuckets } from './aggregate';
import { takeFirst } from './page';
import { exactBuckets, sketchNote } from './prometheus-chunks';
import { apiGet, type PrometheusTarget, promSeconds, type Series, stringList } from './prometheus-client';
import { isPromqlField, promqlFieldAnswer } from './prometheus-field';
import { forcedKind, kindsOf } from './prometheus-kinds';
import { type LabelSets, labelSetsOf, poolingNote } from './prometheus-pooling';
import {
  bucketExpression,
  evaluateBuckets,
  type MetricGroup,
  promqlCanEvaluate,
  type SeriesKind,
} from './prometheus-promql';
import { rawAnswer } from './prometheus-raw';
import { asRates, COUNTER_LOOKBACK_MILLIS, samplesFrom } from './prometheus-samples';
import {
  hasLabelMatcher,
  isLabelName,
  type Matcher,
  metricNamesOf,
  NAME_LABEL,
  nameMatcher,
  selectionOf,
  selectorText,
  VALUE_FIELD,
} from './prometheus-selector';
import { aggregatedResponse, emptyResponse } from './responses';
import { remoteMirrorError, type SourceContext } from './source';

/** The most raw points one query returns, whatever its `limit`. */
export const RAW_POINT_CAP = 10_000;
/** The most metric names one query may pool (an InSetValue on `__name__`). */
export const MAX_METRICS = 20;
/** The most metric names a counted label may span. */
export const MAX_COUNTED_METRICS = 200;

/** Where aggregated answers are computed: in Prometheus where it can, or always on samples (tests). */
export type AggregateIn = 'prometheus' | 'samples';

/** What the query asks for: which series, how to read them. */
interface Subject {
  selector: string;
  groups: MetricGroup[];
  kinds: Map<string, SeriesKind>;
}

/** Empty first parts of a window cut short that are skipped before the answer gives up (see metrics). */
const MAX_EMPTY_PARTS = 5;

/**
 * The answer to a metrics query. A window past MAX_BUCKETS is answered in parts (isPartial), and
 * StackState continues from the last point; a first part without one would leave it nowhere to
 * continue from, so the next parts are tried (a few: 50,000 buckets in all) before the answer
 * ends without isPartial and the log says why.
 */
export async function metrics(
  target: PrometheusTarget,
  query: MetricsQuery,
  context: SourceContext,
  aggregateIn: AggregateIn = 'prometheus',
): Promise<MetricsResponse> {
  let part = query;
  for (let tried = 1; ; tried++) {
    const answer = await metricsPart(target, part, context, aggregateIn);
    const { points, isPartial } = answer.telemetry;
    if (points.length > 0 || !isPartial || !part.aggregation) return answer;
    const next = firstPartEnd(part.startTime, part.endTime, part.aggregation.bucketSizeMillis);
    if (tried === MAX_EMPTY_PARTS) {
      context.note({
        id: 'empty-parts',
        severity: 'warn',
        message: `No samples in the first ${tried} parts of this window (up to ${new Date(next).toISOString()}): answered as empty. Ask for a later or narrower window.`,
      });
      return aggregatedResponse([], false);
    }
    part = { ...part, startTime: next };
  }
}

async function metricsPart(
  target: PrometheusTarget,
  query: MetricsQuery,
  context: SourceContext,
  aggregateIn: AggregateIn,
): Promise<MetricsResponse> {
  const { startTime, aggregation } = query;
  if (startTime >= query.endTime) return emptyResponse(query);
  // More buckets than one answer holds: answer the first part, with isPartial (aggregate.ts).
  const endTime = aggregation
    ? firstPartEnd(startTime, query.endTime, aggregation.bucketSizeMillis)
    : query.endTime;
  const cut = endTime < query.endTime;
  const buckets = aggregation ? tumblingBuckets(startTime, endTime, aggregation.bucketSizeMillis) : null;
  if (isPromqlField(query.metricField))
    return promqlFieldAnswer(target, { ...query, endTime }, buckets, RAW_POINT_CAP, context, cut);
  const subject = await subjectOf(target, query, context);
  if (!subject) return emptyResponse(query);
  noteCounters(subject, context);
  const counted = subject.groups.some((g) => g.kind === 'counted');
  const read = reader(subject.kinds, counted);
  // A counter's rate at the window's first sample needs the sample before it.
  const lookbackMillis = subject.groups.some((g) => g.kind === 'counter' || g.kind === 'histogram')
    ? COUNTER_LOOKBACK_MILLIS
    : 0;
  if (!buckets || !aggregation) {
    const window = { from: startTime - lookbackMillis, start: startTime, end: endTime };
    const cap = Math.min(query.limit, RAW_POINT_CAP);
    return rawAnswer(target, subject.selector, window, read, { cap, severalSeries: counted }, context);
  }
  // Only to say what is pooled (and whether one series is): an answer never fails for it.
  const setsPromise = labelSetsOf(
    target,
    subject.selector,
    { start: startTime, end: endTime },
    context,
  ).catch(() => null);
  const method = aggregation.method;
  const promql = aggregateIn === 'prometheus' && promqlCanEvaluate(buckets);
  let expression = promql ? bucketExpression(method, subject.groups, false) : null;
  if (promql && !expression && PERCENTILES[method] !== undefined) {
    expression = bucketExpression(method, subject.groups, isOneSeries(await setsPromise));
  }
  let value: (bucket: Bucket) => number | undefined;
  if (expression) {
    const values = await evaluateBuckets(target, expression, buckets, context);
    if (values.size === 0) return aggregatedResponse([], cut);
    const zeroFilled = method === 'SUM' || method === 'EVENT_COUNT' ? 0 : undefined;
    value = (bucket) => values.get(bucket.start)?.[0] ?? zeroFilled;
  } else {
    if (!promqlCanEvaluate(buckets)) throw remoteMirrorError('Buckets must be at least 2 ms long.');
    const count = bucketExpression('EVENT_COUNT', subject.groups, false);
    if (!count) throw new Error('every kind of series can be counted');
    const exact = await exactBuckets(
      target,
      { selector: subject.selector, count, read, lookbackMillis },
      buckets,
      method,
      context,
    );
    if (!exact.anySamples) return aggregatedResponse([], cut);
    if (exact.sketched > 0) context.note(sketchNote(exact.sketched));
    value = exact.value;
  }
  const note = poolingNote((await setsPromise) ?? NO_SETS, method, new Set(subject.kinds.values()));
  if (note) context.note(note);
  const { items, isPartial } = takeFirst(bucketPoints(buckets, value), query.limit);
  return aggregatedResponse(items, isPartial || cut);
}

/** No label sets: the series API failed, which never fails an answer. */
const NO_SETS: LabelSets = { sets: [], more: false };
const isOneSeries = (matched: LabelSets | null) => matched?.sets.length === 1 && !matched.more;

/** A series' samples as the method reads them: events, a counter's rates, or its values. */
function reader(kinds: Map<string, SeriesKind>, counted: boolean): (series: Series, start: number) => Series {
  return (series, start) => {
    if (counted) {
      const from = samplesFrom(series, start);
      return { ...from, values: from.values.map(() => 1) };
    }
    const kind = kinds.get(series.labels[NAME_LABEL] ?? '');
    return kind === 'counter' || kind === 'histogram' ? asRates(series, start) : samplesFrom(series, start);
  };
}

function noteCounters(subject: Subject, context: SourceContext): void {
  const counters = [...subject.kinds].filter(([, kind]) => kind === 'counter' || kind === 'histogram');
  if (counters.length === 0) return;
  const names = counters.map(([name]) => name).join(', ');
  context.note({
    id: 'counter-as-rate',
    severity: 'info',
    message: `${names} ${counters.length === 1 ? 'is a counter' : 'are counters'}: SUM is the increase in each bucket, MEAN the per-second rate over it (Prometheus's increase()); raw points and other methods use the per-second rate between samples (a reset counts from 0).`,
  });
}

/** The metric names among the series `matchers` select in the window (Prometheus's label values). */
async function namesIn(
  target: PrometheusTarget,
  matchers: readonly Matcher[],
  query: MetricsQuery,
  context: SourceContext,
): Promise<string[]> {
  const params = new URLSearchParams({
    'match[]': selectorText(matchers),
    start: promSeconds(query.startTime),
    end: promSeconds(query.endTime),
  });
  return stringList(await apiGet(target, `label/${NAME_LABEL}/values`, params, context), target);
}

/** The series the query asks for, or null when none can match. */
async function subjectOf(
  target: PrometheusTarget,
  query: MetricsQuery,
  context: SourceContext,
): Promise<Subject | null> {
  const selection = selectionOf(query.conditions);
  if (!selection) return null;
  const forced = forcedKind(query.metricField ?? '');
  const metricField = forced ? '' : (query.metricField ?? '');
  const chosen = metricNamesOf(selection.matchers);
  const matchers = [...selection.matchers];
  let counted = false;
  if (metricField !== '' && metricField !== VALUE_FIELD) {
    if (!isLabelName(metricField)) return null;
    if (metricField === NAME_LABEL || (chosen !== null && !chosen.includes(metricField))) {
      counted = true;
    } else if (
      chosen === null &&
      (await namesIn(target, [nameMatcher(metricField)], query, context)).length === 0
    ) {
      // No metric of that name here: the Select field is a label of the series the conditions match.
      counted = true;
    } else {
      matchers.push(nameMatcher(metricField));
    }
    if (counted && metricField !== NAME_LABEL) matchers.push(hasLabelMatcher(metricField));
  }
  let names = metricNamesOf(matchers);
  if (names === null && !counted) {
    throw remoteMirrorError(
      'Which metric?',
      'Choose the metric with a filter __name__ = <metric name>, or name the metric as the Select field (metricField).',
    );
  }
  if (names !== null && names.length > MAX_METRICS) {
    throw remoteMirrorError('Too many metrics', `One query pools at most ${MAX_METRICS} metric names.`);
  }
  if (names === null || (counted && names.length > 1)) {
    // Counted across metrics: each name aggregated on its own (count_over_time drops __name__).
    names = await namesIn(target, matchers, query, context);
    if (names.length > MAX_COUNTED_METRICS) {
      throw remoteMirrorError(
        'Too many metrics',
        `The label ${metricField} is on ${names.length} metrics in this window; this mirror counts over at most ${MAX_COUNTED_METRICS}. Add a condition on __name__.`,
      );
    }
  }
  if (names.length === 0) return null;
  const kinds: Map<string, SeriesKind> = counted
    ? new Map(names.map((name) => [name, 'counted' as const]))
    : await kindsOf(target, names, forced, { start: query.startTime, end: query.endTime }, context);
  const others = matchers.filter((m) => m.label !== NAME_LABEL);
  const groups = names.map((name) => ({
    selector: names!.length === 1 ? selectorText(matchers) : selectorText([nameMatcher(name), ...others]),
    kind: kinds.get(name)!,
  }));
  return { selector: selectorText(matchers), groups, kinds };
}
