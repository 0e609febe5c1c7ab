// Limits on the shape of a JSON body, checked on the raw text before it is parsed: JSON.parse
// itself copes with deep nesting, but everything recursive after it (cloning for validation,
// printing for the log) would overflow the stack on a body nested a few thousand levels deep.

/** StackState's deepest request (a metric query's condition value) is 5 levels; 64 leaves room. */
export const MAX_JSON_DEPTH = 64;

/** How deep `text`'s arrays and objects nest, counted outside strings; stops counting past `limit`. */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** JSON.parse, minus `__proto__` keys: a body is cloned and merged later, and must not carry a prototype. */
export function parseJsonSafely(text: string): unknown {
  return text.includes('__proto__')
    ? JSON.parse(text, (key, value) => (key === '__proto__' ? undefined : value))
    : JSON.parse(text);
}
