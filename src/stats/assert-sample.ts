import { sortFloat64 } from './sort-float64.ts';

/**
 * Input checks shared by the stats core: a sample must be non-empty and free of NaN, so that a
 * bad value is reported where it is rather than silently poisoning a rank or a quantile.
 *
 * @example
 * sortedSample([3, 1, 2], 'x'); // Float64Array [1, 2, 3]
 */
export function sortedSample(values: ArrayLike<number>, name: string): Float64Array {
  assertSample(values, name);
  // A sorted typed-array copy (radix sort for long inputs): never mutates the input.
  return sortFloat64(values);
}

/** Throws a RangeError when `values` is empty or holds a NaN (naming the first bad index). */
export function assertSample(values: ArrayLike<number>, name: string): void {
  if (values == null || values.length === 0) {
    throw new RangeError(`${name} must contain at least one value (got an empty sample)`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new RangeError(`${name}[${i}] is not a number (${String(v)})`);
    }
  }
}

/** Throws a RangeError unless `values` is ascending (for functions that take pre-sorted input). */
export function assertAscending(values: ArrayLike<number>, name: string): void {
  assertSample(values, name);
  for (let i = 1; i < values.length; i++) {
    if (values[i] < values[i - 1]) {
      throw new RangeError(`${name} must be sorted ascending, but ${name}[${i}] = ${values[i]} < ${name}[${i - 1}] = ${values[i - 1]}`);
    }
  }
}

/** Throws a RangeError unless `p` lies strictly inside (0, 1). */
export function assertOpenUnit(p: number, name: string): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`${name} must be strictly between 0 and 1 (got ${p})`);
}

/** Throws a RangeError unless `k` is a non-negative integer. */
export function assertCount(k: number, name: string): void {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`${name} must be a non-negative integer (got ${k})`);
}

export type Alternative = 'two-sided' | 'less' | 'greater';

/** Throws a RangeError unless `alternative` is one of the three hypotheses. */
export function assertAlternative(alternative: string): asserts alternative is Alternative {
  if (alternative !== 'two-sided' && alternative !== 'less' && alternative !== 'greater') {
    throw new RangeError(`alternative must be 'two-sided', 'less' or 'greater' (got '${alternative}')`);
  }
}
