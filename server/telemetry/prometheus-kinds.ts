// What each metric is, for the prometheus source: a gauge (its samples), a counter (its increase),
// or a histogram family's `_bucket` series (a counter, whose percentiles are histogram_quantile).
//
// In this order: the user's word (the Select field `__counter__` or `__gauge__`, for the metric the
// conditions choose: StackState's own Prometheus mirror offers the same two fields); a histogram
// family's `_bucket` series, whatever the metadata; Prometheus's metadata (counter; a histogram's
// or summary's `_count` and `_sum`; gauge); without metadata (backfilled data, many compatible
// backends), a `_total` name, or `_count`/`_sum` of a family that has `_bucket` series.
import { apiGet, isRecord, type PrometheusTarget, promSeconds, stringList } from './prometheus-client';
import type { SeriesKind } from './prometheus-promql';
import { nameMatcher, selectorText } from './prometheus-selector';
import { remoteMirrorError, type SourceContext } from './source';

/** Select fields that read the metric the conditions choose as a counter, or as a gauge. */
export const COUNTER_FIELD = '__counter__';
export const GAUGE_FIELD = '__gauge__';

/** What the user said the metric is, from the Select field, or null. */
export const forcedKind = (metricField: string): 'counter' | 'gauge' | null =>
  metricField === COUNTER_FIELD ? 'counter' : metricField === GAUGE_FIELD ? 'gauge' : null;

const FAMILY_PART = /^(.+)_(count|sum|bucket)$/;

/** Each name's kind. */
export async function kindsOf(
  target: PrometheusTarget,
  names: readonly string[],
  forced: 'counter' | 'gauge' | null,
  window: { start: number; end: number },
  context: SourceContext,
): Promise<Map<string, SeriesKind>> {
  const typeOf = async (name: string): Promise<string | undefined> => {
    const data = await apiGet(target, 'metadata', new URLSearchParams({ metric: name }), context);
    if (!isRecord(data)) throw remoteMirrorError('Prometheus answered its metadata with something else.');
    const entries = data[name];
    const first = Array.isArray(entries) ? entries.find(isRecord) : undefined;
    return typeof first?.type === 'string' && first.type !== 'unknown' ? first.type : undefined;
  };
  const hasBuckets = async (family: string): Promise<boolean> => {
    const params = new URLSearchParams({
      'match[]': selectorText([nameMatcher(`${family}_bucket`)]),
      start: promSeconds(window.start),
      end: promSeconds(window.end),
    });
    return stringList(await apiGet(target, 'label/__name__/values', params, context), target).length > 0;
  };
  const kindOf = async (name: string): Promise<SeriesKind> => {
    const [, family, part] = FAMILY_PART.exec(name) ?? [];
    if (forced === 'gauge') return 'gauge';
    if (part === 'bucket') return 'histogram';
    if (forced === 'counter') return 'counter';
    const type = await typeOf(name);
    if (type === 'counter') return 'counter';
    if (type !== undefined) return 'gauge';
    if (family) {
      const familyType = await typeOf(family);
      if (familyType === 'histogram' || familyType === 'summary') return 'counter';
      if (familyType === undefined && (await hasBuckets(family))) return 'counter';
    }
    return name.endsWith('_total') ? 'counter' : 'gauge';
  };
  const kinds = await Promise.all(names.map(kindOf));
  return new Map(names.map((name, i) => [name, kinds[i]!]));
}

/**
 * Fields to offer in field names besides the labels and `value` (NUMBER, like `value`): the
 * metric the conditions choose, read as a counter or as a gauge. (A PromQL field, `~…`, is typed
 * by the user as the Select field: no list can hold every expression.)
 */
export const TYPED_VALUE_FIELDS: readonly string[] = [COUNTER_FIELD, GAUGE_FIELD];
