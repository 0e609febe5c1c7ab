// The tab list's keys (WAI-ARIA tabs pattern): arrows move and wrap, Home and End jump, others do nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tabAfterKey } from '../../renderer/src/lib/tab-keys';

test('arrows move to the neighbouring tab and wrap at the ends; Home and End jump; other keys do nothing', () => {
  const tabs = ['setup', 'requests', 'settings'];
  assert.equal(tabAfterKey(tabs, 'setup', 'ArrowRight'), 'requests');
  assert.equal(tabAfterKey(tabs, 'settings', 'ArrowRight'), 'setup');
  assert.equal(tabAfterKey(tabs, 'setup', 'ArrowLeft'), 'settings');
  assert.equal(tabAfterKey(tabs, 'requests', 'Home'), 'setup');
  assert.equal(tabAfterKey(tabs, 'requests', 'End'), 'settings');
  assert.equal(tabAfterKey(tabs, 'requests', 'Enter'), undefined);
});
