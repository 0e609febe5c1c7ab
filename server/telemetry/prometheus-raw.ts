// Raw answers of the prometheus source: the stored samples of the window, in time order, cut to the
// point cap with isPartial. A window of more than MAX_SAMPLES samples is answered from an earlier
// part of it that holds between 1 and MAX_SAMPLES of them, found by halving: never an empty answer
// marked partial, which would leave StackState no last point to continue from.
import type { MetricsResponse } from '../protocol/messages';
import { takeFirst } from './page';
import type { PrometheusTarget, Series } from './prometheus-client';
import { severalSeriesError } from './prometheus-pooling';
import { fetchSamples, MAX_SAMPLES, mergedPoints, sampleCount } from './prometheus-samples';
import { rawResponse } from './responses';
import type { SourceContext } from './source';

/** The most count queries spent looking for a window that holds some but not too many samples. */
const MAX_HALVINGS = 48;

/**
 * An end in `(from, end)` such that `[from, cut)` holds between 1 and `maxSamples` samples, given
 * that `[from, end)` holds `total` > maxSamples. Counts only grow with the end, so halving finds one.
 */
export async function partialEnd(
  countTo: (end: number) => Promise<number>,
  from: number,
  end: number,
  total: number,
  maxSamples: number,
): Promise<number> {
  let low = from; // holds too few (none, or not yet checked)
  let high = end; // holds too many
  // First guess: as if the samples were spread evenly.
  let guess = Math.max(from + 1, from + Math.floor(((end - from) * maxSamples) / total));
  for (let i = 0; i < MAX_HALVINGS && high - low > 1; i++) {
    const count = await countTo(guess);
    if (count > maxSamples) high = guess;
    else if (count === 0) low = guess;
    else return guess;
    guess = low + Math.floor((high - low) / 2);
  }
  // More than maxSamples samples share one millisecond: answer that millisecond anyway.
  return high;
}

export async function rawAnswer(
  target: PrometheusTarget,
  selector: string,
  window: { from: number; start: number; end: number },
  read: (series: Series, start: number) => Series,
  points: { cap: number; severalSeries: boolean },
  context: SourceContext,
  maxSamples = MAX_SAMPLES,
): Promise<MetricsResponse> {
  const { from, start } = window;
  let end = window.end;
  let cut = false;
  const total = await sampleCount(target, selector, from, end, context);
  if (total > maxSamples) {
    const countTo = (to: number) => sampleCount(target, selector, start, to, context);
    end = await partialEnd(countTo, start, end, total, maxSamples);
    cut = true;
  }
  const { series, dropped } = await fetchSamples(target, selector, from, end, context);
  if (dropped > 0) {
    context.note({
      id: 'non-finite-dropped',
      severity: 'info',
      message: `${dropped} NaN or infinite sample(s) left out: JSON cannot carry them.`,
    });
  }
  const shown = series.map((s) => read(s, start)).filter((s) => s.times.length > 0);
  if (shown.length > 1 && !points.severalSeries) throw severalSeriesError(shown.map((s) => s.labels));
  const { items, isPartial } = takeFirst(mergedPoints(shown), points.cap);
  // Cut, but no point in [start, end): a counter's first sample gives no rate. Nothing is left out.
  return rawResponse(items, isPartial || (cut && items.length > 0));
}
