/**
 * The mixture sequential probability ratio test (mSPRT) for a normal effect estimate: the likelihood ratio of
 * "θ ~ N(0, τ²)" against "θ = 0" for an estimate θ̂ ~ N(θ, V),
 *
 *   Λ = ∫ φ(θ̂; θ, V) / φ(θ̂; 0, V) dN(θ; 0, τ²) = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²))).
 *
 * Why it may be looked at after every new observation: when the estimate is a running mean (or a fixed part plus a
 * running mean, as for "after window so far vs a fixed before window"), Cov(θ̂_m, θ̂_n) = V_n for every earlier look
 * m, so θ̂ is Brownian motion in information time 1/V, Λ is a nonnegative martingale with Λ = 1 at no information,
 * and Ville's inequality bounds P(Λ ever ≥ 1/α | θ = 0) ≤ α over all looks, however many. Λ is an e-value.
 * References: H. Robbins, "Statistical methods related to the law of the iterated logarithm", Ann. Math. Statist.
 * 41 (1970) 1397–1409 (the normal mixture); R. Johari, P. Koomen, L. Pekelis & D. Walsh, "Always valid
 * inference: continuous monitoring of A/B tests", Operations Research 70 (2022) 1806–1821 (eq. 6, V = 2σ²/n).
 *
 * @example
 * msprtNormalMixture(0.2, 0.01, 0.01); // 1.9221155140795583
 */
export function msprtNormalMixture(estimate: number, variance: number, tau2: number): number {
  return Math.exp(msprtLogLikelihoodRatio(estimate, variance, tau2));
}

/** log Λ of {@link msprtNormalMixture}, finite where Λ itself would overflow. */
export function msprtLogLikelihoodRatio(estimate: number, variance: number, tau2: number): number {
  if (!(variance > 0) || !Number.isFinite(variance)) throw new RangeError(`msprtNormalMixture: variance must be finite and > 0 (got ${variance})`);
  if (!(tau2 > 0) || !Number.isFinite(tau2)) throw new RangeError(`msprtNormalMixture: tau2 must be finite and > 0 (got ${tau2})`);
  if (!Number.isFinite(estimate)) throw new RangeError(`msprtNormalMixture: estimate must be finite (got ${estimate})`);
  const total = variance + tau2;
  return 0.5 * Math.log(variance / total) + (tau2 * estimate * estimate) / (2 * variance * total);
}
