// Text that a request can make as long as it likes is cut here before it is kept or printed.

/** Appended to cut text, so a reader knows there was more. */
export const CUT_MARKER = '…';

/** `text` if it fits in `max` characters, else its start and a marker that says how much was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `${CUT_MARKER} (+${text.length - max} chars)`;
  return ownCopy(`${text.slice(0, Math.max(0, max - note.length))}${note}`);
}

/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 keeps a slice of a long
 * string as a view of the whole: 4 KiB kept from a 1 MB body would keep the megabyte alive.
 */
export function ownCopy(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}
