interface LogBucketRange {
  /** Upper edge of the first bucket (values in (0, min] land there), > 0. */
  min: number;
  /** The last finite edge is the first one ≥ max. */
  max: number;
}

/** Either `perDecade` (edges min·10^(i/perDecade)) or `ratio` (edges min·ratio^i), not both. */
export type LogBucketOptions = LogBucketRange &
  (
    | {
        /** Edges per factor of ten (40 → each bucket is 10^(1/40) ≈ 5.9 % wide). */
        perDecade: number;
        ratio?: undefined;
      }
    | {
        /** Growth factor between neighbouring edges, > 1 (1.02 → each bucket is 2 % wide). */
        ratio: number;
        perDecade?: undefined;
      }
  );

/** More edges than this are a mistake (a ratio a hair above 1), not a histogram. */
const MAX_EDGES = 1_000_000;

/**
 * Fixed log-spaced upper bucket edges min·10^(i/perDecade) (or min·ratio^i), i = 0, 1, … up to the first
 * edge ≥ max, followed by a final Infinity edge (the open overflow bucket). Each edge is computed directly (no
 * accumulated multiplication), so the scheme is identical wherever it is rebuilt — the property
 * aggregated queries and timelines rely on to share buckets. Reference: the log-linear bucketing of
 * HdrHistogram / Prometheus native histograms (schema with 2^n buckets per power of two), here per decade.
 *
 * The `ratio` form serves layouts whose growth factor is not a root of ten, e.g. the 2 % buckets of the
 * sources' per-interval timelines (min 0.01, ratio 1.02).
 *
 * @example
 * logBucketBounds({ min: 1, max: 100, perDecade: 2 });
 * // Float64Array [1, 3.1622776601683795, 10, 31.622776601683793, 100, Infinity]
 */
export function logBucketBounds(options: LogBucketOptions): Float64Array {
  const { min, max, perDecade, ratio } = options;
  if (!(min > 0) || !Number.isFinite(min)) throw new RangeError(`logBucketBounds: min must be a finite number > 0 (got ${min})`);
  if (!(max >= min) || !Number.isFinite(max)) throw new RangeError(`logBucketBounds: max must be finite and >= min (got ${max})`);
  if (ratio !== undefined) {
    if (perDecade !== undefined) throw new RangeError('logBucketBounds: give perDecade or ratio, not both');
    if (!(ratio > 1) || !Number.isFinite(ratio)) throw new RangeError(`logBucketBounds: ratio must be a finite number > 1 (got ${ratio})`);
    return edges(min, Math.log(max / min) / Math.log(ratio), (i) => min * Math.pow(ratio, i));
  }
  if (!Number.isInteger(perDecade) || perDecade < 1 || perDecade > 1000) {
    throw new RangeError(`logBucketBounds: perDecade must be an integer in 1…1000 (got ${perDecade})`);
  }
  return edges(min, perDecade * Math.log10(max / min), (i) => min * Math.pow(10, i / perDecade));
}

/** Edges 0 … ceil(steps) from `edge(i)`, then Infinity; `steps` = how many bucket widths max is above min. */
function edges(min: number, steps: number, edge: (i: number) => number): Float64Array {
  // The small tolerance keeps max = min·10^k (or min·ratio^k) from producing one extra edge through rounding.
  const last = Math.max(0, Math.ceil(steps - 1e-9));
  if (last + 2 > MAX_EDGES) throw new RangeError(`logBucketBounds: ${last + 2} edges from ${min} up; at most ${MAX_EDGES}`);
  const bounds = new Float64Array(last + 2);
  for (let i = 0; i <= last; i++) bounds[i] = edge(i);
  bounds[last + 1] = Infinity;
  return bounds;
}
