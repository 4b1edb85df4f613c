/**
 * Special functions used by the samplers (log-factorials for rejection tests) and by
 * the exact theory and statistical tests (gamma, digamma, incomplete gamma, normal and
 * Kolmogorov distributions). Plain float64, no dependencies.
 */

export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// Lanczos approximation, g = 7, n = 9 (relative error below 1e-15 for x > 0).
const LANCZOS_G = 7;
export const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS_G + 2; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

export const LOG_FACTORIAL_TABLE_SIZE = 256;
export const LOG_FACTORIAL_TABLE = (() => {
  const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let k = 2; k < LOG_FACTORIAL_TABLE_SIZE; k++) table[k] = table[k - 1] + Math.log(k);
  return table;
})();

/** ln k! for integer k ≥ 0. */
export function logFactorial(k: number): number {
  return k < LOG_FACTORIAL_TABLE_SIZE ? LOG_FACTORIAL_TABLE[k] : logGamma(k + 1);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

// Exact from the log-factorial table below 256; beyond, the series' error is below 1e-20.
export const STIRLING_TAIL_TABLE = (() => {
  const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let k = 0; k < LOG_FACTORIAL_TABLE_SIZE; k++) table[k] = LOG_FACTORIAL_TABLE[k] - ((k + 0.5) * Math.log(k + 1) - (k + 1) + LOG_SQRT_2PI);
  return table;
})();

/**
 * The remainder of Stirling's series: ln k! − [(k + ½) ln(k + 1) − (k + 1) + ½ ln 2π],
 * as used by Hörmann's BTRS binomial sampler.
 */
export function stirlingTail(k: number): number {
  if (k < LOG_FACTORIAL_TABLE_SIZE) return STIRLING_TAIL_TABLE[k];
  const kp1 = k + 1;
  const kp1sq = kp1 * kp1;
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / kp1;
}

/** ψ(x), the digamma function, for x > 0. */
export function digamma(x: number): number {
  let result = 0;
  // Recurrence up to x ≥ 12, where the asymptotic series below is accurate to 1e-16.
  while (x < 12) {
    result -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return (
    result + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132)))))
  );
}

/** ψ'(x), the trigamma function, for x > 0. */
export function trigamma(x: number): number {
  let result = 0;
  while (x < 12) {
    result += 1 / (x * x);
    x += 1;
  }
  const f = 1 / (x * x);
  return (
    result + 1 / x + f / 2 + (f / x) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f * (1 / 30 - f * (5 / 66 - (f * 691) / 2730)))))
  );
}

/**
 * Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a): series for x < a + 1,
 * Lentz's continued fraction otherwise (Numerical Recipes §6.2).
 */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (!Number.isFinite(x)) return 1;
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 100000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.min(1, sum * Math.exp(logPrefactor));
  }
  return Math.max(0, 1 - regularizedGammaQContinuedFraction(a, x, logPrefactor));
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the upper tail. */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  if (x < a + 1) return 1 - regularizedGammaP(a, x);
  return regularizedGammaQContinuedFraction(a, x, a * Math.log(x) - x - logGamma(a));
}

function regularizedGammaQContinuedFraction(a: number, x: number, logPrefactor: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefactor) * h;
}

/** Complementary error function, through erfc(x) = Q(½, x²) for x ≥ 0. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return regularizedGammaQ(0.5, x * x);
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal quantile Φ⁻¹(p), by Acklam's rational approximation refined with one Halley step. */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Survival function of the Kolmogorov distribution, P(K > t) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²t²}
 * (the limit law of √n·D_n).
 */
export function kolmogorovSurvival(t: number): number {
  if (t <= 0) return 1;
  if (t < 0.27) {
    // The alternating series converges slowly here; use the theta-function dual.
    const y = Math.exp((-Math.PI * Math.PI) / (8 * t * t));
    let sum = 0;
    for (let k = 1; k < 50; k += 2) sum += Math.pow(y, k * k);
    return Math.max(0, Math.min(1, 1 - (Math.sqrt(2 * Math.PI) / t) * sum));
  }
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * t * t);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

/** Survival function of the χ² distribution with `dof` degrees of freedom. */
export function chiSquaredSurvival(x: number, dof: number): number {
  return regularizedGammaQ(dof / 2, x / 2);
}
