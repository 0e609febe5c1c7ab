// A seeded fuzzer of the four operations over a real socket, in both profiles. It starts from the
// requests StackState and the docs send and breaks them: values of the wrong type or size, huge and
// deep values, prototype keys, dropped keys, cut and spliced bytes, other methods and paths. Every
// answer must be JSON with the key header, a protocol response or error object, never "unexpected";
// and every log entry stays within its bound. Re-run a failure with FUZZ_SEED=<the printed seed>.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RunningMirror } from '../../server/mirror/listen';
import { ENTRY_LIMIT_CHARS, RequestLog } from '../../server/session/request-log';
import { createTelemetrySource } from '../../server/telemetry';
import { type FixtureName, fixture } from './fixtures';
import { keyHeaderOf, send, startTestMirror, TEST_KEY } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS_PER_PROFILE = Number(process.env.FUZZ_REQUESTS ?? 1500);
console.log(
  `# fuzz seed ${SEED} (re-run with FUZZ_SEED=${SEED}), ${REQUESTS_PER_PROFILE} requests per profile`,
);

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES: Array<[path: string, FixtureName]> = [
  ['/api/connection', 'docs-test-connection.request'],
  ['/api/field/name', 'docs-field-names.request'],
  ['/api/field/value', 'docs-field-values.request'],
  ['/api/metric', 'docs-metric-raw.request'],
  ['/api/metric', 'docs-metric-aggregated.request'],
  ['/api/metric', 'sample-metric-aggregated.request'],
  ['/api/field/value', 'sample-field-values.request'],
];

const RESPONSE_TYPES = new Set([
  'TestConnectionResponse',
  'FieldNamesResponse',
  'FieldValuesResponse',
  'MetricsResponse',
]);
const ERROR_TYPES = new Set([
  'RemoteMirrorError',
  'MetricNotFoundError',
  'MetricStoreConnectionError',
  'UnsupportedFieldTypeError',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class Fuzzer {
  constructor(readonly next: () => number) {}
  int = (max: number) => Math.floor(this.next() * max);
  pick = <T>(items: readonly T[]): T => items[this.int(items.length)]!;

  value(depth = 0): Json {
    switch (this.int(depth > 3 ? 9 : 12)) {
      case 0:
        return null;
      case 1:
        return this.next() < 0.5;
      case 2:
        return this.pick([0, -1, 1.5, -0, 2 ** 53 + 1, 1e308, -1e308, 2147483647, 8.64e15, 1e21]);
      case 3:
        return this.int(2_000_000_000_000);
      case 4:
        return this.pick(['', 'a-host', 'cpu.usage', 'MEAN', 'STRING', '1000', '\u0000\r\n', '💥']);
      case 5:
        // Large values only at the top of a generated value, so one body stays under the 1 MiB limit.
        return 'x'.repeat(depth === 0 ? this.pick([100, 10_000, 200_000]) : 100);
      case 6:
        return this.pick(['__proto__', 'constructor', 'toString', 'prototype']);
      case 7:
        return this.pick(['StringValue', 'InSetValue', 'DoubleValue', 'BooleanValue', 'Aggregation']);
      case 8:
        return `${this.int(10 ** 15)}`;
      case 9:
        return depth === 0 && this.next() < 0.2
          ? Array.from({ length: 1000 }, () => this.int(100))
          : Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      case 10: {
        const object: { [key: string]: Json } = {};
        for (let i = this.int(4); i > 0; i--) object[String(this.value(4))] = this.value(depth + 1);
        return object;
      }
      default:
        return this.deep();
    }
  }

  /** An array nested past the mirror's depth limit (built without recursion). */
  deep(): Json {
    let node: Json = [];
    for (let i = this.pick([40, 70, 3000]); i > 0; i--) node = [node];
    return node;
  }

  /** Every path to a value in `node` (down to 6 levels), as key lists. */
  paths(node: Json, prefix: string[] = []): string[][] {
    if (node === null || typeof node !== 'object' || prefix.length >= 6) return [prefix];
    const children = Object.entries(node).flatMap(([key, child]) => this.paths(child, [...prefix, key]));
    return [prefix, ...children];
  }

  mutate(body: Json): Json {
    const copy = structuredClone(body);
    for (let n = 1 + this.int(3); n > 0; n--) {
      const path = this.pick(this.paths(copy));
      if (path.length === 0) continue;
      const parent = path
        .slice(0, -1)
        .reduce<Json>((node, key) => (node as Record<string, Json>)[key]!, copy);
      const key = path.at(-1)!;
      const container = parent as Record<string, Json>;
      switch (this.int(3)) {
        case 0:
          container[key] = this.value();
          break;
        case 1:
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete container[key];
          break;
        default:
          // A new key on an object; on an array a new item (a numeric key could make it 2^32 long).
          if (Array.isArray(parent)) parent.push(this.value());
          else container[String(this.value(4))] = this.value();
      }
    }
    return copy;
  }

  /** The body as bytes: usually the JSON, sometimes cut, spliced, or with a prototype key spelled out. */
  text(body: Json): string {
    const json = JSON.stringify(body);
    switch (this.int(10)) {
      case 0:
        return json.slice(0, this.int(json.length));
      case 1: {
        const at = this.int(json.length);
        return `${json.slice(0, at)}${this.pick(['"', '{', ']', ',', '\\', '\u0000', '1e999'])}${json.slice(at)}`;
      }
      case 2:
        return json.replace('{', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},');
      default:
        return json;
    }
  }
}

for (const profile of ['demo', 'tutorial'] as const) {
  describe(`fuzzing the ${profile} profile (seed ${SEED})`, () => {
    let mirror: RunningMirror;
    const log = new RequestLog();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    before(async () => {
      ({ mirror } = await startTestMirror({ source: createTelemetrySource({ kind: profile }), log }));
    });
    after(async () => {
      agent.destroy();
      await mirror.close();
    });

    test(`${REQUESTS_PER_PROFILE} broken requests: JSON, the key header, a protocol object, a bounded log`, async () => {
      const fuzz = new Fuzzer(random(SEED + (profile === 'demo' ? 0 : 1)));
      const bases = BASES.map(([path, name]) => [path, fixture(name) as Json] as const);
      const failures: string[] = [];
      for (let i = 0; i < REQUESTS_PER_PROFILE && failures.length < 5; i++) {
        const [basePath, base] = fuzz.pick(bases);
        const path =
          fuzz.next() < 0.9
            ? basePath
            : fuzz.pick([`/${basePath}/`, `${basePath}?a=1`, basePath.toUpperCase(), '/api', '/']);
        const method = fuzz.next() < 0.95 ? 'POST' : fuzz.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
        const text = fuzz.text(fuzz.mutate(base));
        const headers: Record<string, string> =
          fuzz.next() < 0.5 ? {} : { 'content-type': fuzz.pick(['application/json', 'text/plain', 'x/y']) };
        const reply = await send(mirror.port, { method, path, body: text, headers, agent });
        const what = `#${i} ${method} ${path} ${text.slice(0, 120)}… → ${reply.status} ${reply.text.slice(0, 200)}`;
        if (keyHeaderOf(reply.headers) !== TEST_KEY) failures.push(`no key header: ${what}`);
        let body: { _type?: unknown; summary?: unknown } | null = null;
        try {
          body = JSON.parse(reply.text);
        } catch {
          if (!(method === 'GET' && path === '/')) failures.push(`not JSON: ${what}`);
          continue;
        }
        const type = String(body?._type ?? '');
        if (reply.status === 200 && !RESPONSE_TYPES.has(type) && path !== '/')
          failures.push(`200 without a response type: ${what}`);
        if (reply.status >= 400 && !ERROR_TYPES.has(type))
          failures.push(`an error that is no protocol error object: ${what}`);
        if (body?.summary === 'Unexpected error in the mirror.') failures.push(`unexpected error: ${what}`);
      }
      assert.deepEqual(failures, [], `seed ${SEED}:\n${failures.join('\n')}`);
      const largest = Math.max(...log.list().map((entry) => JSON.stringify(entry).length));
      assert.ok(largest <= ENTRY_LIMIT_CHARS + 500, `a log entry keeps ${largest} characters (seed ${SEED})`);
      assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false, 'Object.prototype was polluted');
    });
  });
}
