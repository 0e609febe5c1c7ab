// The protocol's equality conditions (mirror-api.md §3.3) as a PromQL series selector.
//
// Every condition becomes one label matcher: StringValue, DoubleValue (as JavaScript prints it:
// 4.0 → "4") and BooleanValue ("true"/"false") an exact match `key="…"`; InSetValue a regex match
// `key=~"…|…"` of its values, each regex-quoted (Go's regexp.QuoteMeta), so every value is
// matched literally. Every value is then escaped as a PromQL string (backslash, double quote,
// control characters), so no input can end the string and inject PromQL.
//
// What no selector can express makes the answer "no series" (an empty answer, not an error): a
// condition key that is not a valid Prometheus label name, or an InSetValue with no values.
// A condition on `value` (the synthetic NUMBER field) selects nothing and is left out.
import type { ConditionValue, EqualityCondition } from '../protocol/messages';

/** The synthetic NUMBER field: a sample's value. */
export const VALUE_FIELD = 'value';
/** Prometheus's label for the metric name. */
export const NAME_LABEL = '__name__';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const isLabelName = (name: string): boolean => LABEL_NAME.test(name);

/** One label matcher, already escaped. */
export interface Matcher {
  label: string;
  op: '=' | '=~' | '!=';
  /** The escaped PromQL string literal, quotes included. */
  literal: string;
  /** The values this matcher accepts, unescaped (one for `=`, several for `=~`). */
  values: readonly string[];
}

/** A selector, or `null` when the conditions can match no series at all. */
export type Selection = { matchers: Matcher[] } | null;

/** The value's text, as the condition means it. */
export function conditionTexts(condition: ConditionValue): string[] {
  const value = condition.value;
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** A PromQL double-quoted string literal for `text`: nothing in `text` can end it. */
export function promqlString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\') out += '\\\\';
    else if (char === '"') out += '\\"';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** Go's regexp.QuoteMeta: `text` as a regular expression that matches exactly `text`. */
export function quoteRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The matcher for one condition, or `null` when it can match nothing. */
function matcherFor(condition: EqualityCondition): Matcher | null {
  if (!isLabelName(condition.key)) return null;
  const texts = conditionTexts(condition.value);
  if (Array.isArray(condition.value.value)) {
    if (texts.length === 0) return null;
    // Prometheus anchors the regex; the group keeps the alternation inside the anchors.
    const regex = `(?:${texts.map(quoteRegex).join('|')})`;
    return { label: condition.key, op: '=~', literal: promqlString(regex), values: texts };
  }
  const text = texts[0] ?? '';
  return { label: condition.key, op: '=', literal: promqlString(text), values: [text] };
}

/** The matchers for `conditions` (the `value` field left out), or null when they select nothing. */
export function selectionOf(conditions: readonly EqualityCondition[]): Selection {
  const matchers: Matcher[] = [];
  for (const condition of conditions) {
    if (condition.key === VALUE_FIELD) continue;
    const matcher = matcherFor(condition);
    if (!matcher) return null;
    matchers.push(matcher);
  }
  return { matchers };
}

/** An exact match on the metric name. */
export const nameMatcher = (name: string): Matcher => ({
  label: NAME_LABEL,
  op: '=',
  literal: promqlString(name),
  values: [name],
});

/** Series that carry `label` (with a non-empty value): Prometheus has no other way to say "has". */
export const hasLabelMatcher = (label: string): Matcher => ({ label, op: '!=', literal: '""', values: [] });

/**
 * The selector text, e.g. `{__name__="up",job=~"(?:a|b)"}`. Prometheus refuses a selector whose
 * every matcher accepts the empty string, so one without a name matcher gets `__name__=~".+"`.
 */
export function selectorText(matchers: readonly Matcher[]): string {
  const named = matchers.some((m) => m.label === NAME_LABEL);
  const all = named ? matchers : [{ label: NAME_LABEL, op: '=~', literal: '".+"' }, ...matchers];
  return `{${all.map((m) => `${m.label}${m.op}${m.literal}`).join(',')}}`;
}

/** The metric names a selection pins down (every `__name__` matcher must accept them). */
export function metricNamesOf(matchers: readonly Matcher[]): string[] | null {
  let names: string[] | null = null;
  for (const matcher of matchers) {
    if (matcher.label !== NAME_LABEL) continue;
    const next: string[] = [...new Set(matcher.values)];
    names = names === null ? next : names.filter((name) => next.includes(name));
  }
  return names;
}
