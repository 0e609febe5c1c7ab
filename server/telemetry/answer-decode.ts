// Turning a Prometheus API answer's bytes into checked data, as a pure function of the bytes, so it
// runs the same on the main thread (small answers) and in the parse worker (large ones;
// answer-parser.ts). Memory stays in proportion to the bytes: JSON nested deeper than any
// Prometheus answer, or holding more arrays and objects than a 32 MiB answer of samples can, is
// refused by a scan over the bytes before anything is built. A matrix's samples come back as two
// Float64Arrays per series, which cross from the worker without a copy; a list of strings (label
// names, label values) is ordered and paged here, so only the page crosses.

/** Deeper than any answer of Prometheus's API (a matrix is 5 levels). */
export const MAX_ANSWER_DEPTH = 32;
/** More arrays and objects than 32 MiB of samples can hold (a sample takes at least 16 bytes). */
export const MAX_ANSWER_CONTAINERS = 3_000_000;

/** What to do with the answer's data besides checking it. */
export interface DecodeRequest {
  /** The data is a list of strings: keep the distinct ones that start with `prefix`, ordered, paged. */
  strings?: { prefix: string; exclude: readonly string[]; offset: number; limit: number };
}

/** One page of a string list, and how many distinct values matched in all. */
export interface StringPage {
  items: string[];
  total: number;
}

/** A matrix series with its samples as epoch ms and numbers (NaN and ±Inf kept as they came). */
export interface CompactSeries {
  labels: Record<string, string>;
  times: Float64Array;
  values: Float64Array;
}

export interface CompactMatrix {
  resultType: 'matrix';
  compact: CompactSeries[];
}

export type Decoded =
  | { kind: 'success'; data: unknown; warnings: string[] }
  | { kind: 'error'; errorType: string; error: string }
  | { kind: 'invalid'; what: string };

/**
 * A scan of an answer's bytes, fed in pieces as they arrive, for what no Prometheus answer holds:
 * nesting deeper than MAX_ANSWER_DEPTH, more than MAX_ANSWER_CONTAINERS arrays and objects. It
 * sees such an answer in its first kilobytes, so the rest is never read.
 */
export class NestingScan {
  #depth = 0;
  #containers = 0;
  #inString = false;
  #escaped = false;

  /** Scans the next bytes: the problem once one is seen, else null. */
  feed(bytes: Uint8Array): string | null {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (byte === 0x5c) this.#escaped = true;
        else if (byte === 0x22) this.#inString = false;
      } else if (byte === 0x22) {
        this.#inString = true;
      } else if (byte === 0x5b || byte === 0x7b) {
        if (++this.#depth > MAX_ANSWER_DEPTH) return `JSON nested deeper than ${MAX_ANSWER_DEPTH} levels`;
        if (++this.#containers > MAX_ANSWER_CONTAINERS) {
          return `JSON with more than ${MAX_ANSWER_CONTAINERS.toLocaleString('en')} arrays and objects`;
        }
      } else if (byte === 0x5d || byte === 0x7d) {
        this.#depth--;
      }
    }
    return null;
  }
}

/** Why the bytes cannot be a Prometheus answer by their nesting alone, or null. */
export const shapeProblem = (bytes: Uint8Array): string | null => new NestingScan().feed(bytes);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The answer checked: Prometheus's envelope, its data (compacted or paged), or what is wrong. */
export function decodeAnswer(bytes: Uint8Array, request: DecodeRequest): Decoded {
  const problem = shapeProblem(bytes);
  if (problem) return { kind: 'invalid', what: problem };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { kind: 'invalid', what: 'a body that is not JSON' };
  }
  if (!isRecord(body)) return { kind: 'invalid', what: 'a JSON answer that is not an object' };
  if (body.status === 'error') {
    return {
      kind: 'error',
      errorType: typeof body.errorType === 'string' ? body.errorType.slice(0, 40) : 'error',
      error: typeof body.error === 'string' ? body.error.slice(0, 500) : '(no message)',
    };
  }
  if (body.status !== 'success') return { kind: 'invalid', what: 'no "status" of success or error' };
  const warnings = Array.isArray(body.warnings)
    ? body.warnings.filter((w): w is string => typeof w === 'string').map((w) => w.slice(0, 300))
    : [];
  if (request.strings) {
    const list = body.data === null ? [] : body.data;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
      return { kind: 'invalid', what: 'a list that is not a list of strings' };
    }
    return { kind: 'success', data: pageOf(list as string[], request.strings), warnings };
  }
  if (isRecord(body.data) && body.data.resultType === 'matrix') {
    const compact = compactMatrix(body.data.result);
    if (typeof compact === 'string') return { kind: 'invalid', what: compact };
    return { kind: 'success', data: { resultType: 'matrix', compact } satisfies CompactMatrix, warnings };
  }
  return { kind: 'success', data: body.data, warnings };
}

/** The buffers a decoded answer can hand over without a copy. */
export function transferablesOf(decoded: Decoded): ArrayBuffer[] {
  if (decoded.kind !== 'success' || !isCompactMatrix(decoded.data)) return [];
  return decoded.data.compact.flatMap((series) => [
    series.times.buffer as ArrayBuffer,
    series.values.buffer as ArrayBuffer,
  ]);
}

export const isCompactMatrix = (data: unknown): data is CompactMatrix =>
  isRecord(data) && data.resultType === 'matrix' && Array.isArray(data.compact);

function compactMatrix(result: unknown): CompactSeries[] | string {
  if (!Array.isArray(result)) return 'a query result that is not a matrix';
  const series: CompactSeries[] = [];
  for (const item of result) {
    if (!isRecord(item) || !isRecord(item.metric) || !Array.isArray(item.values)) {
      return 'a matrix entry without metric and values';
    }
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(item.metric)) {
      if (typeof value !== 'string') return 'a label value that is not a string';
      labels[name] = value;
    }
    const times = new Float64Array(item.values.length);
    const values = new Float64Array(item.values.length);
    for (let i = 0; i < item.values.length; i++) {
      const sample: unknown = item.values[i];
      if (!Array.isArray(sample) || typeof sample[0] !== 'number' || typeof sample[1] !== 'string') {
        return 'a sample that is not [seconds, "value"]';
      }
      times[i] = Math.round(sample[0] * 1000);
      values[i] = sampleValue(sample[1]);
    }
    series.push({ labels, times, values });
  }
  return series;
}

/** A sample's text as a number: Prometheus writes "+Inf", "-Inf" and "NaN" besides plain numbers. */
function sampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return text.trim() === '' ? Number.NaN : Number(text);
}

function pageOf(list: string[], spec: NonNullable<DecodeRequest['strings']>): StringPage {
  const excluded = new Set(spec.exclude);
  const keep = (value: string) => value.startsWith(spec.prefix) && !excluded.has(value);
  // Prometheus sends its values sorted and distinct: then duplicates (from another backend) sit
  // side by side, and no set of two million values is needed to drop them.
  const sorted = list.every((value, i) => i === 0 || list[i - 1]! <= value);
  const seen = sorted ? null : new Set<string>();
  const matching: string[] = [];
  for (const value of list) {
    if (!keep(value)) continue;
    if (seen ? seen.has(value) : matching.at(-1) === value) continue;
    seen?.add(value);
    matching.push(value);
  }
  const items = orderLabelValues(matching, sorted).slice(spec.offset, spec.offset + spec.limit);
  return { items, total: matching.length };
}

/**
 * A label's values in order, in place: as numbers when every one is a number (`le`, `quantile`,
 * status codes: 0.1, 0.2, 1, 20, 120, +Inf), else by code unit, as Prometheus lists them (the
 * built-in sort's own order, which is fast on a list that comes sorted).
 */
export function orderLabelValues(values: string[], sorted = false): string[] {
  if (values.length === 0 || !values.every((v) => !Number.isNaN(numberOf(v)))) {
    return sorted ? values : values.sort();
  }
  const numbers = new Map(values.map((v) => [v, numberOf(v)]));
  return values.sort((a, b) => numbers.get(a)! - numbers.get(b)! || byCodeUnit(a, b));
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A label value as a number (Prometheus's `+Inf` included), NaN when it is not one. */
function numberOf(text: string): number {
  if (!/^[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|Inf)$/i.test(text)) return Number.NaN;
  return sampleValue(text);
}
