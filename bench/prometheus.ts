// The Prometheus row of `npm run bench`: the mirror serving a real Prometheus (Debian's 2.42, days
// of backfilled history: test/telemetry/prometheus-history.ts) against Prometheus computing the
// same exact answer itself with PromQL (query_range, the bucket [t, t+b) at t+b−1 ms over
// `[b−1ms]`), measured in one run, in interleaved turns. Skipped, with the reason, where the
// binaries are absent. Run alone with `npx tsx bench/prometheus.ts`.
import { startMirror } from '../server/mirror/listen';
import type { AggregationMethod } from '../server/protocol/messages';
import { createPrometheusSource } from '../server/telemetry/prometheus';
import { historyMissing, startHistory } from '../test/telemetry/prometheus-history';
import { keepAliveAgent, median, post } from './load';
import { fixed, millis, type Row } from './report';

const HOSTS = 200;
const HOURS = 24;
const TURNS = 5;

interface Case {
  label: string;
  /** The `quarter` label's value for 50 of the 200 hosts, or none for all of them. */
  quarter: string | null;
  method: AggregationMethod;
  bucketMillis: number;
  target: number;
  /** Prometheus's own PromQL for the same exact answer, over `selector` and the range `r`. */
  promql: (selector: string, r: string) => string;
}

const CASES: Case[] = [
  {
    label: '50 series × 24 h, 1-minute MEAN',
    quarter: 'q1',
    method: 'MEAN',
    bucketMillis: 60_000,
    target: 2,
    promql: (s, r) => `sum(sum_over_time(${s}${r})) / sum(count_over_time(${s}${r}))`,
  },
  {
    label: '200 series × 24 h, 5-minute MAX',
    quarter: null,
    method: 'MAX',
    bucketMillis: 300_000,
    target: 3,
    promql: (s, r) => `max(max_over_time(${s}${r}))`,
  },
];

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function prometheusRows(): Promise<Row[]> {
  const missing = historyMissing();
  if (missing) {
    log(`  Prometheus rows skipped: ${missing}`);
    return [];
  }
  log(`  backfilling ${HOSTS} series × ${HOURS} h at 15 s with promtool…`);
  const history = await startHistory({ hosts: HOSTS, hours: HOURS });
  const source = createPrometheusSource({ url: history.url });
  const mirror = await startMirror({
    host: '127.0.0.1',
    port: 0,
    source: () => source,
    apiKey: () => 'bench',
    onExchange: () => {},
    appInfo: { name: 'bench', version: '0' },
  });
  const agent = keepAliveAgent(2);
  const rows: Row[] = [];
  try {
    for (const c of CASES) {
      const startTime = history.start;
      const endTime = startTime + HOURS * 3_600_000;
      const conditions = [
        { _type: 'EqualityCondition', key: '__name__', value: { _type: 'StringValue', value: 'hist_load' } },
        ...(c.quarter
          ? [
              {
                _type: 'EqualityCondition',
                key: 'quarter',
                value: { _type: 'StringValue', value: c.quarter },
              },
            ]
          : []),
      ];
      const body = JSON.stringify({
        _type: 'MetricsRequest',
        connectionDetails: {},
        query: {
          _type: 'MetricsQuery',
          conditions,
          startTime,
          endTime,
          limit: 100_000,
          aggregation: { _type: 'Aggregation', method: c.method, bucketSizeMillis: c.bucketMillis },
        },
      });
      const selector = `hist_load${c.quarter ? `{quarter="${c.quarter}"}` : ''}`;
      const promqlParams = {
        query: c.promql(selector, `[${c.bucketMillis - 1}ms]`),
        start: ((startTime + c.bucketMillis - 1) / 1000).toFixed(3),
        end: ((endTime - 1) / 1000).toFixed(3),
        step: (c.bucketMillis / 1000).toFixed(3),
      };
      const askMirror = async (): Promise<[number, number, number][] | string> => {
        const text = await post(mirror.port, agent, { path: '/api/metric', body }).catch(
          (error: Error) => error.message,
        );
        const answer = JSON.parse(text.startsWith('{') ? text : '{}') as {
          telemetry?: { points: [number, number, number][] };
          summary?: string;
          details?: unknown;
        };
        return (
          answer.telemetry?.points ??
          `${answer.summary ?? text.slice(0, 160)} ${JSON.stringify(answer.details ?? '')}`
        );
      };
      const askPrometheus = async () =>
        (await history.api('query_range', promqlParams)) as { result: { values: [number, string][] }[] };
      const mirrorTimes: number[] = [];
      const promTimes: number[] = [];
      let refused = '';
      let exact = true;
      for (let turn = 0; turn < TURNS; turn++) {
        let t = performance.now();
        const points = await askMirror();
        mirrorTimes.push(performance.now() - t);
        t = performance.now();
        const own = await askPrometheus();
        promTimes.push(performance.now() - t);
        if (typeof points === 'string') {
          refused = points;
          break;
        }
        const expected = own.result[0]?.values ?? [];
        exact &&=
          expected.length === points.length &&
          expected.every(([at, v], i) => {
            const got = points[i];
            return (
              got !== undefined &&
              got[1] === Math.round(at * 1000) - c.bucketMillis + 1 &&
              relativelyEqual(got[0], Number(v))
            );
          });
      }
      const mirrorMillis = median(mirrorTimes);
      const promMillis = median(promTimes);
      log(
        `  ${c.label}: mirror ${millis(mirrorMillis)}, Prometheus's own PromQL ${millis(promMillis)}${refused ? `; refused: ${refused}` : ''}`,
      );
      rows.push({
        figure: `p. Prometheus ${c.label}: mirror vs Prometheus's own PromQL, same exact answer${refused ? ' (REFUSED)' : exact ? '' : ' (NOT EQUAL)'}`,
        measured: refused ? 'refused' : millis(mirrorMillis),
        baseline: millis(promMillis),
        value: refused || !exact ? Number.POSITIVE_INFINITY : mirrorMillis / promMillis,
        spread: `${fixed(TURNS)} turns`,
        target: { kind: 'atMost', limit: c.target, unit: '×' },
      });
    }
  } finally {
    agent.destroy();
    await mirror.close();
    await history.stop();
  }
  return rows;
}

/** Equal up to the last bits of a sum taken in another order. */
const relativelyEqual = (a: number, b: number) =>
  Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./report');
  process.stdout.write(`\n${formatTable(await prometheusRows())}\n`);
}
