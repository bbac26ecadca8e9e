/** Below this length the built-in typed-array sort wins (radix passes have a fixed cost). */
export const DEFAULT_RADIX_MIN_LENGTH = 4096;

const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
/** The six digits of a 64-bit key: bits 0–10, 11–21, 22–31 of the low word, then the same of the high word. */
const DIGITS = 6;

/**
 * Ascending sorted copy of `values` as a Float64Array (the input is never mutated). Long inputs use an
 * LSD radix sort over the raw IEEE-754 bit patterns, 11 bits per pass, moving the doubles themselves:
 * - the counts of all six digits come from ONE read of the input, and a pass whose digit is the same for
 *   every value is skipped;
 * - no key transform: as unsigned integers, non-negative doubles already sort in numeric order, and the
 *   negatives (sign bit set) land after them in order of increasing magnitude, so the result is finished by
 *   copying that tail reversed to the front (−0 has the smallest negative pattern: it ends up right before +0,
 *   as with the built-in sort).
 * About 2× faster than the previous transform-then-sort-two-word-arrays variant and 3–4× faster than
 * `Float64Array.prototype.sort` at 1e6 values (bench/stats-vs-scipy.ts). NaN must be rejected by the caller
 * (its place in the result is unspecified). Reference: Knuth, TAOCP vol. 3 §5.2.5 (radix sorting);
 * P. Terdiman, "Radix sort revisited" (2000) for sorting floating-point keys by their bits.
 *
 * @example
 * sortFloat64([3, -1, 2.5, -0, 0]); // Float64Array [-1, -0, 0, 2.5, 3]
 */
export function sortFloat64(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (n < DEFAULT_RADIX_MIN_LENGTH) return Float64Array.from(values).sort();
  const input = values instanceof Float64Array ? values : Float64Array.from(values);
  const counts = digitCounts(input);
  const negatives = countNegatives(counts);
  // The input is only ever read: the passes ping-pong between two owned arrays.
  let src: Float64Array = input;
  let dst: Float64Array = new Float64Array(n);
  for (let d = 0; d < DIGITS; d++) {
    const base = d * BUCKETS;
    const word = d < 3 ? 0 : 1;
    const shift = (d % 3) * DIGIT_BITS;
    const srcWords = wordsOf(src);
    if (counts[base + ((srcWords[word] >>> shift) & (BUCKETS - 1))] === n) continue; // every key shares this digit
    let sum = 0;
    for (let b = base; b < base + BUCKETS; b++) {
      const c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      dst[counts[base + ((srcWords[2 * i + word] >>> shift) & (BUCKETS - 1))]++] = src[i];
    }
    const freed = src === input ? new Float64Array(n) : src;
    src = dst;
    dst = freed;
  }
  if (src === input) src = Float64Array.from(input); // every value has the same bits: nothing moved
  if (negatives === 0) return src;
  // `src` holds the keys in unsigned order: non-negatives ascending, then negatives by increasing magnitude.
  const out = dst;
  for (let i = 0; i < negatives; i++) out[i] = src[n - 1 - i];
  out.set(src.subarray(0, n - negatives), negatives);
  return out;
}

function wordsOf(a: Float64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, 2 * a.length); // little-endian: [lo, hi] per value
}

/** Histograms of the six 11/11/10-bit digits of every key, in one pass. */
function digitCounts(values: Float64Array): Int32Array {
  const counts = new Int32Array(DIGITS * BUCKETS);
  const words = wordsOf(values);
  const mask = BUCKETS - 1;
  for (let i = 0, n = values.length; i < n; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    counts[lo & mask]++;
    counts[BUCKETS + ((lo >>> 11) & mask)]++;
    counts[2 * BUCKETS + (lo >>> 22)]++;
    counts[3 * BUCKETS + (hi & mask)]++;
    counts[4 * BUCKETS + ((hi >>> 11) & mask)]++;
    counts[5 * BUCKETS + (hi >>> 22)]++;
  }
  return counts;
}

/** Values with the sign bit set, from the raw top-digit histogram (bit 31 is bit 9 of that 10-bit digit). */
function countNegatives(counts: Int32Array): number {
  let negatives = 0;
  for (let b = 5 * BUCKETS + 512; b < 5 * BUCKETS + 1024; b++) negatives += counts[b];
  return negatives;
}
