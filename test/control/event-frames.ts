// Reading the control API's event stream as a page does: `data: <json>` frames ended by a blank line.
import type { ControlEvent } from '../../server/contract/contract';

/** Takes every whole frame off the front of `buffer` into `events`; returns what is left (a partial frame). */
export function takeEventFrames(buffer: string, events: ControlEvent[]): string {
  let rest = buffer;
  for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
    const frame = rest.slice(0, end);
    rest = rest.slice(end + 2);
    if (frame.startsWith('data: ')) events.push(JSON.parse(frame.slice(6)) as ControlEvent);
  }
  return rest;
}
