// Loads the SciPy reference fixtures written by scripts/reference/make_stats_reference.py and compares
// numbers by relative error (NaN was written as null).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

export function fixture<T>(name: string): T {
  // JSON has no infinities: the script writes them as strings, revived here.
  const revive = (_key: string, v: unknown) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
  return JSON.parse(readFileSync(path.join(here, 'fixtures', name), 'utf8'), revive) as T;
}

/** Same number, where −0 and +0 count as equal (NumPy's sort may order tied −0/+0 either way). */
export function expectSameNumber(actual: number, expected: number, what = ''): void {
  expect(actual === expected, `${what}: got ${actual}, expected ${expected}`).toBe(true);
}

/** Relative tolerance where SciPy is exact or asymptotic by the same formula (the brief's 1e-9). */
export const DEFAULT_REL_TOL = 1e-9;

/** |actual − expected| ≤ rel·|expected| (or equal, including ±Infinity; null means NaN). */
export function expectClose(actual: number, expected: number | null, rel: number = DEFAULT_REL_TOL, what = ''): void {
  if (expected === null) {
    expect(actual, `${what}: expected NaN`).toBeNaN();
    return;
  }
  if (actual === expected) return;
  const err = Math.abs(actual - expected) / Math.abs(expected);
  expect(err, `${what}: got ${actual}, expected ${expected} (relative error ${err})`).toBeLessThanOrEqual(rel);
}

export interface TwoSampleDataset {
  label: string;
  x: number[];
  y: number[];
}

export function twoSampleDatasets(): TwoSampleDataset[] {
  return fixture<{ datasets: TwoSampleDataset[] }>('two-sample-data.json').datasets;
}
