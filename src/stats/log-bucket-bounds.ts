export interface LogBucketOptions {
  /** Upper edge of the first bucket (values in (0, min] land there), > 0. */
  min: number;
  /** The last finite edge is the first one ≥ max. */
  max: number;
  /** Edges per factor of ten (40 → each bucket is 10^(1/40) ≈ 5.9 % wide). */
  perDecade: number;
}

/**
 * Fixed log-spaced upper bucket edges min·10^(i/perDecade), i = 0, 1, … up to the first edge ≥ max,
 * followed by a final Infinity edge (the open overflow bucket). Each edge is computed directly (no
 * accumulated multiplication), so the scheme is identical wherever it is rebuilt — the property
 * aggregated queries and timelines rely on to share buckets. Reference: the log-linear bucketing of
 * HdrHistogram / Prometheus native histograms (schema with 2^n buckets per power of two), here per decade.
 *
 * @example
 * logBucketBounds({ min: 1, max: 100, perDecade: 2 });
 * // Float64Array [1, 3.1622776601683795, 10, 31.622776601683793, 100, Infinity]
 */
export function logBucketBounds(options: LogBucketOptions): Float64Array {
  const { min, max, perDecade } = options;
  if (!(min > 0) || !Number.isFinite(min)) throw new RangeError(`logBucketBounds: min must be a finite number > 0 (got ${min})`);
  if (!(max >= min) || !Number.isFinite(max)) throw new RangeError(`logBucketBounds: max must be finite and >= min (got ${max})`);
  if (!Number.isInteger(perDecade) || perDecade < 1 || perDecade > 1000) {
    throw new RangeError(`logBucketBounds: perDecade must be an integer in 1…1000 (got ${perDecade})`);
  }
  // The small tolerance keeps max = min·10^k from producing one extra edge through rounding of log10.
  const last = Math.max(0, Math.ceil(perDecade * Math.log10(max / min) - 1e-9));
  const bounds = new Float64Array(last + 2);
  for (let i = 0; i <= last; i++) bounds[i] = min * Math.pow(10, i / perDecade);
  bounds[last + 1] = Infinity;
  return bounds;
}
