// Matching the protocol's equality conditions (mirror-api.md §3.3) against a series' dimensions.
//
// Values compare by their canonical text: a number as JavaScript prints it (4.0 → "4"), a boolean
// as "true"/"false". So DoubleValue 4 and StringValue "4" both match `cores = 4`, and BooleanValue
// true and StringValue "true" both match `canary = true`: StackState's value box is free text, and
// the condition's type follows the field's type only by inference. InSetValue matches when the
// canonical text is one of its strings; a value without `_type` is a string (as in S3).
// Conditions are ANDed; a condition on a key the series does not have matches nothing.
import type { ConditionValue, EqualityCondition } from '../protocol/messages';

export type DimensionValue = string | number | boolean;

export function canonicalText(value: DimensionValue): string {
  return String(value);
}

export function conditionAccepts(condition: ConditionValue, actual: DimensionValue): boolean {
  const text = canonicalText(actual);
  const wanted = condition.value;
  return Array.isArray(wanted) ? wanted.includes(text) : canonicalText(wanted) === text;
}

export function matchesAll(
  dimensions: Readonly<Record<string, DimensionValue>>,
  conditions: readonly EqualityCondition[],
): boolean {
  return conditions.every((condition) => {
    const actual = Object.hasOwn(dimensions, condition.key) ? dimensions[condition.key] : undefined;
    return actual !== undefined && conditionAccepts(condition.value, actual);
  });
}
