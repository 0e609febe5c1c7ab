// Keyboard moves in a tab list, as WAI-ARIA's tabs pattern has them: pure, so it is tested alone.
/** The tab a key moves to in a tab list (the WAI-ARIA keys: arrows wrap, Home and End), or none. */
export function tabAfterKey<T>(order: readonly T[], current: T, key: string): T | undefined {
  const index = order.indexOf(current);
  if (key === 'ArrowRight') return order[(index + 1) % order.length];
  if (key === 'ArrowLeft') return order[(index - 1 + order.length) % order.length];
  if (key === 'Home') return order[0];
  if (key === 'End') return order.at(-1);
  return undefined;
}
