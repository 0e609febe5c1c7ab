// How the window holds up under a busy mirror: with the page open on the Requests tab (the worst
// case: rows are laid out and painted), send 500 requests/s to the mirror for 10 s and watch the
// page's main thread. Prints the longest task, how many ran over 100 ms, the frame rate, the rows
// rendered and how far behind the list was at the end.
//
//   npx tsx bench/ui-load.ts [--rate 500] [--seconds 10] [--window-minutes 60]
//
// The app runs in this process (as in the end-to-end tests); Chromium is a separate process, so its
// main thread measures the UI alone. A figure, not a pass/fail test: machines differ.

import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { browserSkip, launchBrowser, metricRequestBody, openPage, startApp } from '../test/e2e/harness';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    'window-minutes': { type: 'string', default: '60' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WINDOW_MILLIS = Number(values['window-minutes']) * 60_000;

if (browserSkip) {
  console.log(`ui-load: skipped: ${browserSkip}`);
  process.exit(0);
}

interface PageFigures {
  longTasks: number[];
  frames: number;
  renderedRows: number;
  countLabel: string;
}

const app = await startApp();
const browser = await launchBrowser();
try {
  const { page, context } = await openPage(browser, app);
  await page.getByTestId('status-pill').filter({ hasText: 'Local only' }).waitFor();
  await page.getByTestId('tab-requests').click();
  // Long tasks and frames, counted in the page from here on. (A string: tsx would wrap named functions
  // in a helper that does not exist in the page.)
  await page.evaluate(`(() => {
    const bench = { longTasks: [], frames: 0, counting: true };
    window.__bench = bench;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: false });
    requestAnimationFrame(function tick() {
      if (!bench.counting) return;
      bench.frames++;
      requestAnimationFrame(tick);
    });
  })()`);

  const mirror = new URL('api/metric', app.mirrorUrl());
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let sent = 0;
  let answered = 0;
  let failed = 0;
  const send = () => {
    sent++;
    const body = metricRequestBody(Date.now(), WINDOW_MILLIS);
    const req = request(
      mirror,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? answered++ : failed++));
      },
    );
    req.on('error', () => failed++);
    req.setTimeout(20_000, () => req.destroy());
    req.end(body);
  };

  // A fixed schedule (every 10 ms, the share of requests due by then), so a slow tick catches up.
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(RATE * SECONDS, Math.floor((elapsed / 1000) * RATE));
      while (sent < due) send();
      if (elapsed >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const loadMillis = performance.now() - started;

  // How long until the page shows the newest entry the mirror logged.
  while (answered + failed < sent && performance.now() - started < SECONDS * 1000 + 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const lastId = app.session.log.list().at(-1)?.id;
  const caughtUpFrom = performance.now();
  await page.locator(`[data-testid="request-list"] li[data-id="${lastId}"]`).waitFor({ state: 'attached' });
  const catchUpMillis = performance.now() - caughtUpFrom;

  const figures = await page.evaluate((): PageFigures => {
    const w = window as unknown as { __bench: { longTasks: number[]; frames: number; counting: boolean } };
    w.__bench.counting = false;
    return {
      longTasks: w.__bench.longTasks,
      frames: w.__bench.frames,
      renderedRows: document.querySelectorAll('[data-testid="request-list"] > li').length,
      countLabel: document.querySelector('[data-testid="request-count"]')?.textContent ?? '',
    };
  });
  const measuredSeconds = (performance.now() - started) / 1000;
  await context.close();
  agent.destroy();

  const longest = Math.max(0, ...figures.longTasks);
  const over100 = figures.longTasks.filter((d) => d > 100).length;
  const rows: Array<[string, string]> = [
    [
      'requests sent',
      `${sent} in ${(loadMillis / 1000).toFixed(1)} s (${Math.round(sent / (loadMillis / 1000))}/s)`,
    ],
    ['answered 200 / failed', `${answered} / ${failed}`],
    ['long tasks (>50 ms)', String(figures.longTasks.length)],
    [
      'longest main-thread task',
      figures.longTasks.length === 0
        ? 'none over 50 ms (the long-task threshold)'
        : `${Math.round(longest)} ms`,
    ],
    ['tasks over 100 ms', String(over100)],
    ['long tasks, ms', figures.longTasks.map((d) => Math.round(d)).join(' ') || '—'],
    ['frames painted', `${figures.frames} (${Math.round(figures.frames / measuredSeconds)} fps)`],
    ['rows rendered', String(figures.renderedRows)],
    ['list says', figures.countLabel],
    ['newest entry shown after the last answer', `${Math.round(catchUpMillis)} ms`],
  ];
  console.log(`ui-load: ${RATE} requests/s for ${SECONDS} s, metric window ${WINDOW_MILLIS / 60_000} min`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(42)} ${value}`);
  console.log(
    JSON.stringify({
      rate: RATE,
      seconds: SECONDS,
      sent,
      answered,
      failed,
      longTasks: figures.longTasks.length,
      longestTaskMillis: Math.round(longest),
      tasksOver100Millis: over100,
      fps: Math.round(figures.frames / measuredSeconds),
      renderedRows: figures.renderedRows,
      catchUpMillis: Math.round(catchUpMillis),
    }),
  );
} finally {
  await browser.close();
  await app.stop();
}
