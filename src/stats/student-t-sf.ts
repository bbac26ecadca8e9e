import { incompleteBetaPair } from './incomplete-beta-pair.ts';
import { normalSf } from './normal-sf.ts';

/**
 * Survival function of Student's t distribution with `df` degrees of freedom, P[T > t]
 * (`scipy.stats.t.sf(t, df)`). For t ≥ 0 it is ½·I_{df/(df+t²)}(df/2, ½) (Abramowitz & Stegun 26.7.1 via the
 * incomplete beta function, 26.5.27); the complement of the incomplete beta keeps the small tail for t < 0
 * exact. `df` may be fractional (Welch–Satterthwaite degrees of freedom are) and `Infinity`, which gives the
 * standard normal.
 *
 * @example
 * studentTSf(2.0, 10); // 0.03669401738537021
 * studentTSf(-1.5, 3.5); // 0.8910909064923271
 */
export function studentTSf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) throw new RangeError(`studentTSf: needs a number t and df > 0 (got t = ${t}, df = ${df})`);
  if (df === Infinity) return normalSf(t);
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const x = df / (df + t * t);
  // [I_x(df/2, ½), 1 − I_x(df/2, ½)]: the first is 2·P[|T| > |t|].
  const [tail] = incompleteBetaPair(df / 2, 0.5, x);
  return t >= 0 ? tail / 2 : 1 - tail / 2;
}
