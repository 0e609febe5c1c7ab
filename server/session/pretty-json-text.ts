// The start of a JSON text laid out as JSON.stringify(value, null, 2) lays it out, read from the
// text itself: no parse, and no more work than the characters printed. The request log keeps each
// body's raw text (or its first BODY_LIMIT_CHARS characters) and prints it only when someone looks.
// Values are copied as they were written (a number as `1.50`, a string with its escapes).

const INDENT = '  ';

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** Where a bare value (number, true, false, null) ends. */
const endsValue = (c: number) =>
  isSpace(c) ||
  c === 0x2c ||
  c === 0x3a ||
  c === 0x5b ||
  c === 0x5d ||
  c === 0x7b ||
  c === 0x7d ||
  c === 0x22;

/**
 * The first `limit` characters of `text` laid out with two-space indents, and whether there was
 * more (more of the layout, or more text than given: `whole` false says `text` is only a start).
 */
export function prettyJsonText(
  text: string,
  limit: number,
  whole = true,
): { text: string; truncated: boolean } {
  let out = '';
  let depth = 0;
  let i = 0;
  const n = text.length;
  while (i < n && out.length <= limit) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      let j = i + 1;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (j < n && text.charCodeAt(j) === close) {
        // An empty object or array stays on its line: `{}`, `[]`.
        out += c === 0x7b ? '{}' : '[]';
        i = j + 1;
      } else {
        depth++;
        out += `${text[i]}\n${INDENT.repeat(depth)}`;
        i++;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth = Math.max(0, depth - 1);
      out += `\n${INDENT.repeat(depth)}${text[i]}`;
      i++;
    } else if (c === 0x2c /* , */) {
      out += `,\n${INDENT.repeat(depth)}`;
      i++;
    } else if (c === 0x3a /* : */) {
      out += ': ';
      i++;
    } else {
      let j = i + 1;
      while (j < n && !endsValue(text.charCodeAt(j))) j++;
      out += text.slice(i, j);
      i = j;
    }
  }
  const truncated = !whole || i < n || out.length > limit;
  return { text: out.length > limit ? out.slice(0, limit) : out, truncated };
}
