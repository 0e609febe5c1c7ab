// The start of JSON.stringify(value, null, 2), without printing the rest. The request log keeps
// 4,096 characters of each body; a day of metric points is some 100 KB of pretty JSON, so printing
// it all to keep the first few lines would be most of the log's cost per request.

const FULL = Symbol('full');

/**
 * The first `limit` characters of `JSON.stringify(value, null, 2)` (for the plain JSON data the
 * mirror parses and sends), and whether there was more. Undefined prints as ''.
 */
export function prettyJsonPrefix(value: unknown, limit: number): { text: string; truncated: boolean } {
  const parts: string[] = [];
  let length = 0;
  const push = (text: string) => {
    parts.push(text);
    length += text.length;
    if (length > limit) throw FULL;
  };
  const write = (node: unknown, indent: string): void => {
    if (node === null || typeof node !== 'object') {
      push(JSON.stringify(node) ?? 'null');
    } else if (Array.isArray(node)) {
      writeList(
        node.map((item) => ['', item === undefined || typeof item === 'function' ? null : item]),
        '[]',
        indent,
      );
    } else {
      const entries = Object.entries(node).filter(
        ([, item]) => item !== undefined && typeof item !== 'function',
      );
      writeList(
        entries.map(([key, item]) => [`${JSON.stringify(key)}: `, item]),
        '{}',
        indent,
      );
    }
  };
  /** An array's items (no labels) or an object's entries (`"key": ` labels), one per line. */
  const writeList = (
    items: [label: string, item: unknown][],
    brackets: '[]' | '{}',
    indent: string,
  ): void => {
    if (items.length === 0) {
      push(brackets);
      return;
    }
    const inner = `${indent}  `;
    items.forEach(([label, item], index) => {
      push(`${index === 0 ? brackets[0] : ','}\n${inner}${label}`);
      write(item, inner);
    });
    push(`\n${indent}${brackets[1]}`);
  };
  if (value === undefined) return { text: '', truncated: false };
  try {
    write(value, '');
  } catch (error) {
    if (error !== FULL) throw error;
    return { text: parts.join('').slice(0, limit), truncated: true };
  }
  return { text: parts.join(''), truncated: false };
}
