/**
 * The reference path's samplers (src/rng/distributions), one lane at a time, reading the lane's
 * stream cursor. Each mirrors its TypeScript original operation for operation, so that with
 * the host's Math (./math.ts) it draws the same numbers from the same uniforms.
 */
import { cos, exp, inversionLimit, log, log1p, logFactorial, pow, stirlingTail, twoPi } from './math';
import { nextU24, openUnit, unit } from './stream';

/** Binomial(n, p): inversion below the limit, Hörmann's BTRS above (src/rng/distributions/binomial.ts). */
export function binomial(cursor: usize, n: f64, p: f64): f64 {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  const reflected = p > 0.5;
  const q = reflected ? 1 - p : p;
  const k = n * q < inversionLimit ? binomialInversion(cursor, n, q) : binomialRejection(cursor, n, q);
  return reflected ? n - k : k;
}

function binomialInversion(cursor: usize, n: f64, p: f64): f64 {
  const u = unit(cursor);
  const oddsRatio = p / (1 - p);
  let k: f64 = 0;
  let probability = exp(n * log1p(-p));
  let cumulative = probability;
  while (u >= cumulative && k < n) {
    probability *= ((n - k) / (k + 1)) * oddsRatio;
    k++;
    cumulative += probability;
  }
  return k;
}

function binomialRejection(cursor: usize, n: f64, p: f64): f64 {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vR = 0.92 - 4.2 / b;
  const r = p / q;
  const alpha = (2.83 + 5.1 / b) * spq;
  const mode = Math.floor((n + 1) * p);
  while (true) {
    const u = openUnit(cursor) - 0.5;
    let v = openUnit(cursor);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vR) return k;
    v = log((v * alpha) / (a / (us * us) + b));
    const bound =
      (mode + 0.5) * log((mode + 1) / (r * (n - mode + 1))) +
      (n + 1) * log((n - mode + 1) / (n - k + 1)) +
      (k + 0.5) * log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(mode) +
      stirlingTail(n - mode) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
  return 0;
}

/** Poisson(mean): inversion below the limit, Hörmann's PTRS above (src/rng/distributions/poisson.ts). */
export function poisson(cursor: usize, mean: f64): f64 {
  if (!(mean > 0)) return 0;
  return mean < inversionLimit ? poissonInversion(cursor, mean) : poissonRejection(cursor, mean);
}

function poissonInversion(cursor: usize, mean: f64): f64 {
  const u = unit(cursor);
  let k: f64 = 0;
  let probability = exp(-mean);
  let cumulative = probability;
  const bound = mean + 60 * Math.sqrt(mean) + 60;
  while (u >= cumulative && k < bound) {
    k++;
    probability *= mean / k;
    cumulative += probability;
  }
  return k;
}

function poissonRejection(cursor: usize, mean: f64): f64 {
  const logMean = log(mean);
  const b = 0.931 + 2.53 * Math.sqrt(mean);
  const a = -0.059 + 0.02483 * b;
  const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vR = 0.9277 - 3.6224 / (b - 2);
  while (true) {
    const u = openUnit(cursor) - 0.5;
    const v = openUnit(cursor);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (k < 0) continue;
    if (us >= 0.07 && v <= vR) return k;
    if (us < 0.013 && v > us) continue;
    const s = log((v * inverseAlpha) / (a / (us * us) + b));
    const t = -mean + k * logMean - logFactorial(k);
    if (s <= t) return k;
  }
  return 0;
}

/** Standard normal by Box–Muller, cosine branch (src/rng/distributions/normal.ts). */
export function normal(cursor: usize): f64 {
  const radius = Math.sqrt(-2 * log(openUnit(cursor)));
  return radius * cos(twoPi * unit(cursor));
}

/** Standard exponential by inversion (src/rng/distributions/exponential.ts). */
@inline
export function exponential(cursor: usize): f64 {
  return -log(openUnit(cursor));
}

function gammaAtLeastOne(cursor: usize, shape: f64): f64 {
  const d = shape - 1.0 / 3.0;
  const c = 1 / Math.sqrt(9 * d);
  while (true) {
    const z = normal(cursor);
    const cube = 1 + c * z;
    if (cube <= 0) continue;
    const v = cube * cube * cube;
    const u = openUnit(cursor);
    const zz = z * z;
    if (u < 1 - 0.0331 * zz * zz) return d * v;
    if (log(u) < 0.5 * zz + d * (1 - v + log(v))) return d * v;
  }
  return 0;
}

/** Gamma(shape, 1) by Marsaglia & Tsang (src/rng/distributions/gamma.ts). */
export function gamma(cursor: usize, shape: f64): f64 {
  if (shape >= 1) return gammaAtLeastOne(cursor, shape);
  const boosted = gammaAtLeastOne(cursor, shape + 1);
  return boosted * pow(openUnit(cursor), 1 / shape);
}

/**
 * The conditional binomial probabilities of Multinomial(n, w/Σw) (src/rng/distributions/
 * multinomial.ts multinomialConditionals), from `length` weights at `weights` into `out`.
 */
export function multinomialConditionals(weights: usize, length: i32, out: usize): void {
  let sum: f64 = 0;
  let lastPositive: i32 = -1;
  for (let j = length - 1; j >= 0; j--) {
    const w = load<f64>(weights + (<usize>j << 3));
    sum += w;
    store<f64>(out + (<usize>j << 3), sum);
    if (lastPositive < 0 && w > 0) lastPositive = j;
  }
  for (let j = 0; j < length; j++) {
    const w = load<f64>(weights + (<usize>j << 3));
    const at = out + (<usize>j << 3);
    store<f64>(at, w <= 0 ? 0 : j == lastPositive ? 1 : Math.min(1, w / load<f64>(at)));
  }
}

/** Multinomial(n, w/Σw) by conditional binomials in category order; `scratch` holds `length` floats. */
export function multinomial(cursor: usize, n: f64, weights: usize, length: i32, counts: usize, scratch: usize): void {
  multinomialConditionals(weights, length, scratch);
  let trialsLeft = n;
  for (let j = 0; j < length; j++) {
    const count = binomial(cursor, trialsLeft, load<f64>(scratch + (<usize>j << 3)));
    store<f64>(counts + (<usize>j << 3), count);
    trialsLeft -= count;
  }
}

/**
 * A categorical draw by inversion over cumulative weights (src/rng/distributions/categorical.ts):
 * the smallest j with u·total < cumulative[j]·2^24.
 */
@inline
export function categorical(cursor: usize, cumulative: usize, length: i32): i32 {
  const target = <f64>nextU24(cursor) * load<f64>(cumulative + (<usize>(length - 1) << 3));
  let low: i32 = 0;
  let high: i32 = length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (load<f64>(cumulative + (<usize>middle << 3)) * 16777216.0 > target) high = middle;
    else low = middle + 1;
  }
  return low;
}
