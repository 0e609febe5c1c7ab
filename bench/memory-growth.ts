// Bench figure d.: resident memory of the headless process over many mixed requests, after a
// warm-up and a full GC, with the heap beside it to tell real growth from the allocator's pages.
import { externalLoad } from './external-load';
import type { BenchRequest } from './load';
import type { ServerProcess } from './processes';
import { fixed, megabytes, type Row } from './report';
import { CONNECTION, DAY, DAY_OF_MINUTES, dimension, HOUR, json, metricRequest, NOW } from './requests';

export const MEMORY_REQUESTS = 100_000;
const MEMORY_WARM_UP_REQUESTS = 10_000;
const CONNECTIONS = 16;

/** Load until `count` requests were answered (wrk runs for a time, so in stretches). */
async function sendAtLeast(port: number, requests: readonly BenchRequest[], count: number, dir: string) {
  let sent = 0;
  while (sent < count) {
    const stretch = await externalLoad(port, requests, { connections: CONNECTIONS, seconds: 3, dir });
    if (stretch.errors > 0) throw new Error(`${stretch.errors} requests failed`);
    sent += stretch.requests;
  }
  return sent;
}

export async function memoryGrowth(
  dir: string,
  headless: ServerProcess,
  log: (line: string) => void,
): Promise<Row[]> {
  const mix = [
    CONNECTION,
    json('/api/field/name', {
      connectionDetails: {},
      query: { conditions: [], startTime: NOW - DAY, endTime: NOW },
    }),
    json('/api/field/value', {
      connectionDetails: {},
      query: {
        conditions: [],
        field: { fieldName: dimension },
        fieldValuePrefix: '',
        startTime: NOW - DAY,
        endTime: NOW,
      },
    }),
    metricRequest(HOUR, 60_000),
    DAY_OF_MINUTES,
  ];
  const sample = () => headless.ask({ type: 'rss' }, 'rss');
  const atStart = await sample();
  await sendAtLeast(headless.port, mix, MEMORY_WARM_UP_REQUESTS, dir);
  const before = await sample();
  const firstCount = await sendAtLeast(headless.port, mix, MEMORY_REQUESTS, dir);
  const after = await sample();
  const secondCount = await sendAtLeast(headless.port, mix, MEMORY_REQUESTS, dir);
  const again = await sample();
  const mb = (bytes: number) => megabytes(bytes);
  log(
    `  RSS (heap) after a GC: start ${mb(atStart.rssBytes)} (${mb(atStart.heapUsedBytes)}), after ${fixed(MEMORY_WARM_UP_REQUESTS)} warm-up ` +
      `${mb(before.rssBytes)} (${mb(before.heapUsedBytes)}), after ${fixed(firstCount)} more ${mb(after.rssBytes)} (${mb(after.heapUsedBytes)}), ` +
      `after ${fixed(secondCount)} more ${mb(again.rssBytes)} (${mb(again.heapUsedBytes)})`,
  );
  return [
    {
      figure: `d. RSS growth over ${fixed(MEMORY_REQUESTS)} mixed requests (after warm-up and GC)`,
      measured: `after ${mb(after.rssBytes)}`,
      baseline: `before ${mb(before.rssBytes)}`,
      value: (after.rssBytes - before.rssBytes) / 1024 / 1024,
      // The heap after a GC tells real growth from the allocator keeping (or returning) pages.
      spread: `next 100k ${((again.rssBytes - after.rssBytes) / 1024 / 1024).toFixed(1)} MB; heap ${(
        (after.heapUsedBytes - before.heapUsedBytes) / 1024 / 1024
      ).toFixed(1)}, ${((again.heapUsedBytes - after.heapUsedBytes) / 1024 / 1024).toFixed(1)} MB`,
      target: { kind: 'below', limit: 20, unit: ' MB' },
    },
  ];
}
