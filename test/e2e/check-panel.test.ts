// The "Check a mirror" tab in a real Chromium: the checks of `npm run check` for a typed URL, one
// row per rule, and one clear message when nothing answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Settings } from '../../server/settings/settings';
import { FIXTURE_KEY, startFixture } from '../cli/fixture-mirrors';
import { browserSkip, windowForSuite } from './harness';

describe('the Check a mirror tab', { skip: browserSkip }, () => {
  // Where the demo offers its incident simulator, the tab bar has no room for this tab: the tutorial has none.
  const suite = windowForSuite({ saved: { profile: 'tutorial' } as Partial<Settings> });

  it('takes the Incidents tab’s place where there are no incidents to simulate', async () => {
    const { page } = suite;
    assert.equal(await page.getByTestId('tab-incidents').isVisible(), false);
    assert.equal(await page.getByTestId('tab-check').isVisible(), true);
  });

  it('grades a mirror: one row per rule, the broken one marked FAIL', async () => {
    const { page } = suite;
    const fixture = await startFixture('unsorted');
    try {
      await page.getByTestId('tab-check').click();
      await page.getByTestId('check-url').fill(fixture.url);
      await page.getByTestId('check-key').fill(FIXTURE_KEY);
      await page.getByTestId('check-run').click();
      await page.getByTestId('check-summary').filter({ hasText: '1 failed' }).waitFor({ timeout: 60_000 });
      const failed = page.locator('[data-testid="check-list"] li[data-status="fail"]');
      assert.equal(await failed.count(), 1);
      assert.equal(await failed.getAttribute('data-check'), 'sorted');
      assert.match((await failed.textContent()) ?? '', /Points are sorted by time.*Sent /);
    } finally {
      await fixture.stop();
    }
    // Nothing answers there any more: one message, no rows.
    await page.getByTestId('check-run').click();
    await page.getByRole('alert').filter({ hasText: 'Nothing answers at' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="check-list"] li').count(), 0);
  });
});
