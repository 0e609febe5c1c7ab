// Saying what is pooled. When the conditions match several series, the request log's entry says
// how many, by which method, and the labels in which they differ; a raw query over several series
// is refused with those labels named, since their points interleaved into one line would draw a
// sawtooth no one can read.
import type { ExchangeFinding } from '../protocol/exchange';
import type { AggregationMethod } from '../protocol/messages';
import { apiGet, isRecord, type PrometheusTarget, promSeconds } from './prometheus-client';
import type { SeriesKind } from './prometheus-promql';
import { remoteMirrorError, type SourceContext } from './source';

/** The most label names a message lists. */
const MAX_LISTED = 8;

/** The most label sets read to say what is pooled: enough to name what they differ in. */
export const MAX_LABEL_SETS = 1000;

/** The label sets of the series `selector` matches in the window, the first `max` of them. */
export interface LabelSets {
  sets: Record<string, string>[];
  /** More series matched than `sets` holds. */
  more: boolean;
}

/**
 * The label sets of the series `selector` matches in the window (Prometheus's series API), at most
 * `max`: a broad selector can match hundreds of thousands, and the sets only say what is pooled.
 * Prometheus ≥ 2.51 honours `limit` and stops there; an older one sends all, cut here.
 */
export async function labelSetsOf(
  target: PrometheusTarget,
  selector: string,
  window: { start: number; end: number },
  context: SourceContext,
  max = MAX_LABEL_SETS,
): Promise<LabelSets> {
  const params = new URLSearchParams({
    'match[]': selector,
    start: promSeconds(window.start),
    end: promSeconds(window.end),
    // One more than kept: whether there were more is then known.
    limit: String(max + 1),
  });
  const data = await apiGet(target, 'series', params, context);
  if (!Array.isArray(data))
    throw remoteMirrorError('Prometheus answered its series API with something else.');
  const sets = data
    .slice(0, max)
    .filter(isRecord)
    .map((set) => {
      const labels: Record<string, string> = {};
      for (const [name, value] of Object.entries(set)) if (typeof value === 'string') labels[name] = value;
      return labels;
    });
  return { sets, more: data.length > max };
}

/** The label names whose values are not the same in every set (absent counts as a value), sorted. */
export function differingLabels(sets: readonly Record<string, string>[]): string[] {
  const names = new Set(sets.flatMap((set) => Object.keys(set)));
  const first = sets[0] ?? {};
  return [...names].filter((name) => sets.some((set) => set[name] !== first[name])).sort();
}

const listed = (labels: readonly string[]) =>
  labels.length <= MAX_LISTED
    ? labels.join(', ')
    : `${labels.slice(0, MAX_LISTED).join(', ')} and ${labels.length - MAX_LISTED} more`;

/** How `method` pools the series of these kinds, in words. */
export function poolingWords(method: AggregationMethod, kinds: ReadonlySet<SeriesKind>): string {
  if (kinds.has('counted')) return `${method} of their samples counted as events`;
  const counters = !kinds.has('gauge');
  if (counters && method === 'SUM') return 'SUM: their increases added';
  if (counters && method === 'MEAN') return 'MEAN: their per-second rates added';
  if (method.startsWith('PERCENTILE') && kinds.has('histogram'))
    return `${method}: histogram_quantile over their buckets added by le`;
  if (method === 'SUM' || method.startsWith('EVENT_COUNT') || method === 'SUM_NO_ZEROS')
    return `${method}: added`;
  return `${method} over the samples of all of them together`;
}

/** The log's note for an answer that pools the series matched (none when one or none). */
export function poolingNote(
  { sets, more }: LabelSets,
  method: AggregationMethod,
  kinds: ReadonlySet<SeriesKind>,
): ExchangeFinding | null {
  if (sets.length < 2) return null;
  const count = more ? `More than ${sets.length.toLocaleString('en')}` : `${sets.length}`;
  const among = more ? ` (among the first ${sets.length.toLocaleString('en')})` : '';
  return {
    id: 'pooled-series',
    severity: 'info',
    message: `${count} series pooled by ${poolingWords(method, kinds)}; they differ in ${listed(differingLabels(sets))}${among}.`,
  };
}

/** The refusal of raw points from several series. */
export function severalSeriesError(sets: readonly Record<string, string>[]): Error {
  return remoteMirrorError(
    `The conditions match ${sets.length} series; raw points of several series cannot be one line.`,
    `They differ in ${listed(differingLabels(sets))}. Add a condition on ${differingLabels(sets).length > 1 ? 'these labels' : 'this label'} to choose one series, or ask for an aggregation, which pools them.`,
  );
}
