// Lanczos coefficients for g = 671/128, n = 14 (Numerical Recipes 3rd ed., §6.1, Gammln).
const COF = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 3.399464998481189e-05,
  4.652362892704858e-05, -9.837447530487956e-05, 0.0001580887032249125, -0.00021026444172410488,
  0.00021743961811521265, -0.0001643181065367639, 8.441822398385275e-05, -2.6190838401581408e-05,
  3.6899182659531625e-06,
];

/**
 * Natural log of the gamma function, log Γ(x), for x > 0 (and log|Γ(x)| for negative non-integers
 * by reflection). Lanczos approximation as in Numerical Recipes 3rd ed. §6.1 (about 1e-15 relative,
 * absolute near the zeros at x = 1 and 2).
 *
 * @example
 * logGamma(10); // 12.801827480081469  (log 9!)
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('logGamma: x is NaN');
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.9999999999999971;
  for (let j = 0; j < 14; j++) ser += COF[j] / ++y;
  return tmp + Math.log((2.5066282746310007 * ser) / x);
}
