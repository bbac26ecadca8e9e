// Coefficients of W. J. Cody's near-minimax rational approximations (Cody 1969; ALGORITHM 715, SPECFUN
// CALERF), as arranged for the normal distribution in R's pnorm_both.
const A = [2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356, 0.06568233791820745];
const B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673];
const C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726,
  6848.190450536283, 11602.65143764735, 9842.714838383978, 1.0765576773720192e-08,
];
const D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097,
  34900.95272114598, 38912.00328609327, 19685.429676859992,
];
const P = [0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 2.9112874951168793e-05, 0.023073441764940174];
const Q = [1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 7.297515550839662e-05];
const SQRT_32 = Math.sqrt(32);
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * Both tails of the standard normal distribution at once, `[Φ(x), 1 − Φ(x)]`, each with full relative
 * accuracy (the small tail is never formed as 1 − something). W. J. Cody, "Rational Chebyshev
 * approximations for the error function", Math. Comp. 23 (1969) 631–637; Cody (1993) ACM TOMS 715.
 *
 * @example
 * normalTails(-1); // [0.15865525393145705, 0.8413447460685429]
 */
export function normalTails(x: number): [number, number] {
  if (Number.isNaN(x)) return [NaN, NaN];
  const y = Math.abs(x);
  if (y <= 0.66291) {
    const xsq = y > 1.1102230246251565e-16 ? x * x : 0;
    let num = A[4] * xsq;
    let den = xsq;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]) * xsq;
      den = (den + B[i]) * xsq;
    }
    const t = (x * (num + A[3])) / (den + B[3]);
    return [0.5 + t, 0.5 - t];
  }
  let small: number; // the tail beyond |x|
  if (y <= SQRT_32) {
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    small = gaussFactor(y) * ((num + C[7]) / (den + D[7]));
  } else if (y < 40) {
    const xsq = 1 / (x * x);
    let num = P[5] * xsq;
    let den = xsq;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]) * xsq;
      den = (den + Q[i]) * xsq;
    }
    const r = (xsq * (num + P[4])) / (den + Q[4]);
    small = (gaussFactor(y) * (INV_SQRT_2PI - r)) / y;
  } else {
    small = 0; // below the smallest subnormal (Φ(−38.5) ≈ 1e-324)
  }
  // Below DBL_MIN the result would be subnormal with few significant bits: flush to 0 as R and SciPy do.
  if (small < 2.2250738585072014e-308) small = 0;
  return x > 0 ? [1 - small, small] : [small, 1 - small];
}

// exp(−y²/2) with y² split so the rounding error of y·y is not amplified (Cody's trick).
function gaussFactor(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq * 0.5) * Math.exp(-del * 0.5);
}
