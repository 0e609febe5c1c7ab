// Text that a request can make as long as it likes is cut here before it is kept or printed.

/** Appended to cut text, so a reader knows there was more. */
export const CUT_MARKER = '…';

/** `text` if it fits in `max` characters, else its start and a marker that says how much was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `${CUT_MARKER} (+${text.length - max} chars)`;
  return `${text.slice(0, Math.max(0, max - note.length))}${note}`;
}
