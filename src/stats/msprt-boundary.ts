import { msprtLogLikelihoodRatio } from './msprt-normal-mixture.ts';

/**
 * The smallest |θ̂| at which the normal-mixture mSPRT rejects "θ = 0" at level α with estimate variance V and
 * mixture variance τ² (Λ = 1/α solved for θ̂; see {@link msprtNormalMixture}):
 *
 *   |θ̂| = sqrt( 2 V (V + τ²) / τ² · ( log(1/α) + ½ log((V + τ²) / V) ) ).
 *
 * It shrinks like sqrt(V log(1/V)) as information grows (the law-of-the-iterated-logarithm rate), against sqrt(V)
 * for a fixed-sample test: the price of being allowed to look at every step. Johari, Koomen, Pekelis & Walsh,
 * Operations Research 70 (2022) 1806–1821.
 *
 * @example
 * msprtBoundary(0.01, 0.01, 0.05); // 0.36563948713638483
 */
export function msprtBoundary(variance: number, tau2: number, alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`msprtBoundary: alpha must be in (0, 1) (got ${alpha})`);
  msprtLogLikelihoodRatio(0, variance, tau2); // validates the arguments
  const total = variance + tau2;
  return Math.sqrt(((2 * variance * total) / tau2) * (Math.log(1 / alpha) + 0.5 * Math.log(total / variance)));
}
