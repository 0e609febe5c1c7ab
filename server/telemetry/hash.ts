// Deterministic pseudo-randomness: every "random" value in the telemetry sources is a hash
// of integers (a series seed, a timestamp...), so the same query always gives the same answer.

const TWO_POW_32 = 4294967296;

/** The MurmurHash3 finalizer: spreads every input bit over the 32-bit output. */
const fmix32 = (input: number): number => {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** Folds one non-negative integer (up to 2^53) into the running hash, low and high words apart. */
const mix = (hash: number, key: number): number => {
  const low = key >>> 0; // ToUint32 is the value modulo 2^32
  const high = Math.floor(key / TWO_POW_32) >>> 0;
  return fmix32(fmix32(hash ^ Math.imul(low, 0x9e3779b1)) ^ Math.imul(high + 0x7f4a7c15, 0x27d4eb2f));
};

/** A 32-bit hash of up to three integers. */
export function hashIntegers(a: number, b = 0, c = 0): number {
  return mix(mix(mix(0x2545f491, a), b), c);
}

/** A float in [0, 1) that depends only on the integers given. */
export function unitHash(a: number, b = 0, c = 0): number {
  return hashIntegers(a, b, c) / TWO_POW_32;
}

/** A stable 32-bit seed for a name (FNV-1a), so series seeds survive reordering the catalog. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
