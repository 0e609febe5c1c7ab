// What the Requests tab's browser suites (log-list, log-detail) share: the window sizes and schemes,
// requests to make, and what to read off the page (cut text, sideways overflow, columns, chart pixels).
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { LogEntry } from '../../server/contract/contract';
import { metricRequestBody, type TestApp } from './harness';

// What the Requests suites take from the harness, with the rest of what they share.
export {
  browserForSuite,
  browserSkip,
  type OpenedPage,
  openPage,
  postMirror,
  SCHEMES,
  SIZES,
  screenshot,
  TEST_CONNECTION_BODY,
  text,
} from './harness';

/** A metric request about one series; `method` null asks for raw points. */
export function metricBody(options: {
  method: string | null;
  windowMillis: number;
  conditions?: unknown[];
  /** Where the window ends (epoch ms); now when absent. */
  endMillis?: number;
}): string {
  const body = JSON.parse(metricRequestBody(options.endMillis ?? Date.now(), options.windowMillis));
  if (options.conditions) body.query.conditions = options.conditions;
  if (options.method === null) delete body.query.aggregation;
  else body.query.aggregation.method = options.method;
  return JSON.stringify(body);
}

/** Calls the control API as the window does (bearer token). */
export async function control<T>(app: TestApp, method: 'GET' | 'POST', route: string): Promise<T> {
  const response = await fetch(`${app.controlOrigin}${route}`, {
    method,
    headers: { authorization: `Bearer ${app.token}` },
  });
  assert.ok(response.ok, `${method} ${route}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export const last = (app: TestApp): LogEntry => app.session.log.list().at(-1)!;
export const rowOf = (page: Page, id: number) =>
  page.locator(`[data-testid="request-list"] li[data-id="${id}"]`);

export async function openRequests(page: Page): Promise<void> {
  await page.getByTestId('tab-requests').click();
  await page.locator('[data-testid="request-list"] li').first().waitFor();
}

/** What sticks out past the window's right edge (a cause of sideways scroll), named for the failure message. */
export const overflowing = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('*')]
      .filter(
        (el) =>
          el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 ||
          (el.scrollWidth > el.clientWidth + 1 &&
            getComputedStyle(el).overflowX === 'visible' &&
            el.clientWidth > 0),
      )
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${el.className} "${el.textContent?.slice(0, 30)}" ${Math.round(el.getBoundingClientRect().right)}`,
      )
      .slice(0, 5),
  );

/** Text inside the list that is cut (clipped or ellipsised) or runs out of its row: it should be none. */
export const cutText = (page: Page) =>
  page.evaluate(() => {
    const cut: string[] = [];
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid="request-list"] button.row')) {
      const box = row.getBoundingClientRect();
      for (const el of row.querySelectorAll<HTMLElement>('*')) {
        const style = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        const clipped = style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1;
        const ellipsis = style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth;
        const outside = r.right > box.right + 1 || r.left < box.left - 1;
        if (clipped || ellipsis || outside) cut.push(`${el.className}: ${el.textContent?.slice(0, 60)}`);
      }
    }
    return cut;
  });

/** The right edges of each row's cells of one class: one value when the column is straight. */
export const rightEdges = (page: Page, cell: string) =>
  page.evaluate(
    (selector) => [
      ...new Set(
        [...document.querySelectorAll(`[data-testid="request-list"] ${selector}`)].map((el) =>
          Math.round(el.getBoundingClientRect().right),
        ),
      ),
    ],
    cell,
  );

/** Pixels of the canvas in a series colour (the entry's own: #2f7ff0): the line was drawn. */
export const seriesPixels = (page: Page, rgb: [number, number, number] = [0x2f, 0x7f, 0xf0]) =>
  page.getByTestId('metric-chart').evaluate((canvas, [r, g, b]) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (
        Math.abs(data[i]! - r) < 40 &&
        Math.abs(data[i + 1]! - g) < 40 &&
        Math.abs(data[i + 2]! - b) < 40 &&
        data[i + 3]! > 200
      )
        n++;
    }
    return n;
  }, rgb);
