// Cutting results down to the query's `limit`, with the protocol's `isPartial` flag.

/**
 * The first `limit` items, and whether any more were left. Pulls at most `limit + 1` items, so a
 * lazy generator computes only what is returned (plus one to know that more exist).
 */
export function takeFirst<T>(items: Iterable<T>, limit: number): { items: T[]; isPartial: boolean } {
  const taken: T[] = [];
  const iterator = items[Symbol.iterator]();
  while (taken.length < limit) {
    const next = iterator.next();
    if (next.done) return { items: taken, isPartial: false };
    taken.push(next.value);
  }
  const isPartial = !iterator.next().done;
  iterator.return?.();
  return { items: taken, isPartial };
}
