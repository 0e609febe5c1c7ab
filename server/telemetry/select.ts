// Selection: the k-th smallest of n numbers in O(n) on average, without sorting them all.
// A percentile needs two neighbouring ranks; sorting a few thousand samples per bucket for them
// costs ten times more than selecting.

/**
 * Reorders `values[0..n)` so that `values[k]` is the value of rank k (0-based), everything before
 * it is no greater and everything after no smaller (Hoare's selection, median-of-three pivots).
 * Returns values[k].
 */
export function selectRank(values: Float64Array, n: number, k: number): number {
  let low = 0;
  let high = n - 1;
  while (high > low) {
    const middle = (low + high) >>> 1;
    // Median of three as the pivot, so sorted or constant runs do not make it quadratic.
    if (values[middle]! < values[low]!) swap(values, middle, low);
    if (values[high]! < values[low]!) swap(values, high, low);
    if (values[high]! < values[middle]!) swap(values, high, middle);
    const pivot = values[middle]!;
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    // Now [low..j] ≤ pivot ≤ [i..high], and anything between i and j equals the pivot.
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else break;
  }
  return values[k]!;
}

/** The smallest of `values[from..n)`. */
export function minFrom(values: Float64Array, from: number, n: number): number {
  let best = values[from]!;
  for (let i = from + 1; i < n; i++) if (values[i]! < best) best = values[i]!;
  return best;
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i]!;
  values[i] = values[j]!;
  values[j] = t;
}
