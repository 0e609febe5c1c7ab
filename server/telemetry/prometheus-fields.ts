// Field names and field values for the prometheus source (the README's "Serving your Prometheus"):
//
// - Field names: `__name__` and every label name of the series that match the conditions in the
//   window (/api/v1/labels with match[], start, end), all STRING, then `value` (NUMBER), cut to
//   `limit`. A label named `value` is hidden by the synthetic field.
// - Field values: /api/v1/label/<field>/values with match[] from the other conditions, the prefix
//   as a regex matcher on the field itself, and the window; then `offset`, `limit` and `isPartial`.
//   `value` and names that are not label names have no values.
//
// Any cardinality stays bounded: `limit` goes to the backend (Prometheus 2.51 and later, Mimir,
// Thanos and VictoriaMetrics send no more; older ones ignore it), the answer is read within the
// 32 MiB cap, and it is ordered and paged where it is parsed (answer-decode.ts), so only the page
// reaches this thread. Values that are all numbers (`le`, `quantile`, status codes) are ordered as
// numbers, `+Inf` last.
import type {
  FieldDescriptor,
  FieldNamesQuery,
  FieldNamesResponse,
  FieldValuesQuery,
  FieldValuesResponse,
} from '../protocol/messages';
import { apiStrings, type PrometheusTarget, promSeconds } from './prometheus-client';
import { TYPED_VALUE_FIELDS } from './prometheus-kinds';
import {
  isLabelName,
  type Matcher,
  NAME_LABEL,
  promqlString,
  quoteRegex,
  selectionOf,
  selectorText,
  VALUE_FIELD,
} from './prometheus-selector';
import type { SourceContext } from './source';

/** Field values when StackState asks for no fewer: its "no limit" is 2^31−1. */
export const MAX_FIELD_VALUES = 10_000;
/** Field names likewise (a series has a few dozen labels; a match over many series, more). */
export const MAX_FIELD_NAMES = 10_000;

const descriptor = (fieldName: string, fieldType: FieldDescriptor['fieldType']): FieldDescriptor => ({
  _type: 'FieldDescriptor',
  fieldName,
  fieldType,
  classified: false,
});

/** `match[]`, `start` and `end` for the metadata endpoints (no match[] when nothing narrows). */
function windowParams(matchers: readonly Matcher[], start: number, end: number): URLSearchParams {
  const params = new URLSearchParams();
  if (matchers.length > 0) params.append('match[]', selectorText(matchers));
  params.set('start', promSeconds(start));
  params.set('end', promSeconds(Math.max(start, end)));
  return params;
}

export async function fieldNames(
  target: PrometheusTarget,
  query: FieldNamesQuery,
  context: SourceContext,
): Promise<FieldNamesResponse> {
  const selection = selectionOf(query.conditions);
  const limit = Math.min(query.limit, MAX_FIELD_NAMES);
  // `__name__` first and `value` after the labels are the mirror's own; the labels fill the room between.
  const room = Math.max(0, limit - 1);
  let labels: string[] = [];
  let more = false;
  if (selection && room > 0) {
    const params = windowParams(selection.matchers, query.startTime, query.endTime);
    params.set('limit', String(room + 3));
    const page = await apiStrings(
      target,
      'labels',
      params,
      { prefix: '', exclude: [NAME_LABEL, VALUE_FIELD], offset: 0, limit: room },
      context,
    );
    labels = page.items;
    more = page.total > room;
  }
  const fields = [
    descriptor(NAME_LABEL, 'STRING'),
    ...labels.map((name) => descriptor(name, 'STRING')),
    descriptor(VALUE_FIELD, 'NUMBER'),
    // So that StackState's stream wizard offers them: the chosen metric read as a counter or a gauge.
    ...TYPED_VALUE_FIELDS.map((name) => descriptor(name, 'NUMBER')),
  ];
  return {
    _type: 'FieldNamesResponse',
    fields: fields.slice(0, limit),
    isPartial: more || fields.length > limit,
  };
}

export async function fieldValues(
  target: PrometheusTarget,
  query: FieldValuesQuery,
  context: SourceContext,
): Promise<FieldValuesResponse> {
  const field = query.field.fieldName;
  const none: FieldValuesResponse = { _type: 'FieldValuesResponse', values: [], isPartial: false };
  if (field === VALUE_FIELD || !isLabelName(field)) return none;
  const selection = selectionOf(query.conditions.filter((c) => c.key !== field));
  if (!selection) return none;
  const limit = Math.min(query.limit, MAX_FIELD_VALUES);
  const prefix = query.fieldValuePrefix;
  const matchers = [...selection.matchers];
  // The prefix narrows at the backend, so its `limit` counts only values that can be returned.
  // `(?s:.*)`: the rest of the value, line breaks included.
  if (prefix !== '') {
    matchers.push({
      label: field,
      op: '=~',
      literal: promqlString(`${quoteRegex(prefix)}(?s:.*)`),
      values: [],
    });
  }
  const params = windowParams(matchers, query.startTime, query.endTime);
  params.set('limit', String(query.offset + limit + 1));
  const page = await apiStrings(
    target,
    `label/${field}/values`,
    params,
    { prefix, exclude: [], offset: query.offset, limit },
    context,
  );
  return {
    _type: 'FieldValuesResponse',
    values: page.items.map((value) => ({ _type: 'CompleteValue', value })),
    isPartial: page.total > query.offset + limit,
  };
}
