// A page of the request log that fits a byte budget: what a new event stream starts with, and what
// the window asks for when the user wants older entries. A log of 500 entries with large bodies
// serialises to megabytes (13 MB after 500 large requests); sent whole to every new stream, 1,000
// of them took the app past its heap limit. A page holds the newest entries that fit, and says
// whether older ones are kept.
import type { LogEntry, LogPage } from '../contract/contract';

/** The bytes of entries one page holds (JSON, as sent): the event stream's slow-reader bound. */
const LOG_PAGE_BYTES = 512 * 1024;

/**
 * The newest entries older than `beforeId` (all, when null) whose JSON fits in `maxBytes`, oldest
 * first; at least one when any is older, so an entry larger than the budget can still be read.
 */
export function logPage(
  entries: readonly LogEntry[],
  total: number,
  beforeId: number | null,
  maxBytes = LOG_PAGE_BYTES,
): LogPage {
  let end = entries.length;
  if (beforeId !== null) {
    while (end > 0 && entries[end - 1]!.id >= beforeId) end--;
  }
  let start = end;
  let bytes = 0;
  while (start > 0) {
    const size = Buffer.byteLength(JSON.stringify(entries[start - 1]));
    if (start < end && bytes + size > maxBytes) break;
    bytes += size;
    start--;
  }
  return { entries: entries.slice(start, end), total, hasOlder: start > 0 };
}
