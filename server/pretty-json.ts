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
      return;
    }
    const inner = `${indent}  `;
    if (Array.isArray(node)) {
      if (node.length === 0) return push('[]');
      node.forEach((item, index) => {
        push(`${index === 0 ? '[' : ','}\n${inner}`);
        write(item === undefined || typeof item === 'function' ? null : item, inner);
      });
      return push(`\n${indent}]`);
    }
    const entries = Object.entries(node).filter(
      ([, item]) => item !== undefined && typeof item !== 'function',
    );
    if (entries.length === 0) return push('{}');
    entries.forEach(([key, item], index) => {
      push(`${index === 0 ? '{' : ','}\n${inner}${JSON.stringify(key)}: `);
      write(item, inner);
    });
    push(`\n${indent}}`);
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
