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

/** Inversion's P(0) = (1 − p)^n and odds p/(1 − p) per (n, p), cached as BTRS's constants are. */
const INVERSION_SLOTS: u64 = 512;
const inversionCache = memory.data(<i32>(INVERSION_SLOTS * 32));

function binomialInversion(cursor: usize, n: f64, p: f64): f64 {
  const u = unit(cursor);
  const hash = (reinterpret<u64>(p) * 0x9e3779b97f4a7c15 + reinterpret<u64>(n)) * 0xc2b2ae3d27d4eb4f;
  const entry = inversionCache + <usize>(hash >>> 55) * 32;
  if (load<f64>(entry) != n || load<f64>(entry, 8) != p) {
    store<f64>(entry, n);
    store<f64>(entry, p, 8);
    store<f64>(entry, exp(n * log1p(-p)), 16);
    store<f64>(entry, p / (1 - p), 24);
  }
  const oddsRatio = load<f64>(entry, 24);
  let k: f64 = 0;
  let probability = load<f64>(entry, 16);
  let cumulative = probability;
  while (u >= cumulative && k < n) {
    probability *= ((n - k) / (k + 1)) * oddsRatio;
    k++;
    cumulative += probability;
  }
  return k;
}

/**
 * BTRS's constants depend on (n, p) only, and a chain's p often repeats (a maximum-likelihood p
 * is k/M): they are kept in a small direct-mapped cache, computed exactly as below on a miss, so
 * a hit changes nothing but the time.
 */
const BTRS_SLOTS: u64 = 512;
const BTRS_FIELDS: usize = 12;
const btrsCache = memory.data(<i32>(BTRS_SLOTS * BTRS_FIELDS * 8));

/** The cache entry for (n, p), filled if it held another pair. Fields: n, p, spq, b, a, c, vR, r, alpha, mode, modeLog, stirling(mode) + stirling(n − mode) as two. */
@inline
function btrsConstants(n: f64, p: f64): usize {
  const hash = (reinterpret<u64>(p) * 0x9e3779b97f4a7c15 + reinterpret<u64>(n)) * 0xc2b2ae3d27d4eb4f;
  const entry = btrsCache + <usize>(hash >>> 55) * (BTRS_FIELDS << 3);
  if (load<f64>(entry) == n && load<f64>(entry, 8) == p) return entry;
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vR = 0.92 - 4.2 / b;
  const r = p / q;
  const alpha = (2.83 + 5.1 / b) * spq;
  const mode = Math.floor((n + 1) * p);
  store<f64>(entry, n);
  store<f64>(entry, p, 8);
  store<f64>(entry, spq, 16);
  store<f64>(entry, b, 24);
  store<f64>(entry, a, 32);
  store<f64>(entry, c, 40);
  store<f64>(entry, vR, 48);
  store<f64>(entry, r, 56);
  store<f64>(entry, alpha, 64);
  store<f64>(entry, mode, 72);
  store<f64>(entry, (mode + 0.5) * log((mode + 1) / (r * (n - mode + 1))), 80);
  store<f64>(entry, stirlingTail(mode), 88);
  return entry;
}

function binomialRejection(cursor: usize, n: f64, p: f64): f64 {
  const entry = btrsConstants(n, p);
  const b = load<f64>(entry, 24);
  const a = load<f64>(entry, 32);
  const c = load<f64>(entry, 40);
  const vR = load<f64>(entry, 48);
  const r = load<f64>(entry, 56);
  const alpha = load<f64>(entry, 64);
  const mode = load<f64>(entry, 72);
  while (true) {
    const u = openUnit(cursor) - 0.5;
    let v = openUnit(cursor);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vR) return k;
    v = log((v * alpha) / (a / (us * us) + b));
    // The terms in the reference's order (src/rng/distributions/binomial.ts), the first from the cache.
    const bound =
      load<f64>(entry, 80) +
      (n + 1) * log((n - mode + 1) / (n - k + 1)) +
      (k + 0.5) * log((r * (n - k + 1)) / (k + 1)) +
      load<f64>(entry, 88) +
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
 * Multinomial(n, w/Σw) by conditional binomials in category order; `scratch` holds `length`
 * floats. The conditionals are multinomialConditionals', formed as they are used; a category
 * of zero weight, or any once no trials are left, gets 0 without a draw — as the reference,
 * whose binomial(0, ·) and binomial(·, 0) draw nothing.
 */
export function multinomial(cursor: usize, n: f64, weights: usize, length: i32, counts: usize, scratch: usize): void {
  let sum: f64 = 0;
  let lastPositive: i32 = -1;
  for (let j = length - 1; j >= 0; j--) {
    const w = load<f64>(weights + (<usize>j << 3));
    sum += w;
    store<f64>(scratch + (<usize>j << 3), sum);
    if (lastPositive < 0 && w > 0) lastPositive = j;
  }
  let trialsLeft = n;
  for (let j = 0; j < length; j++) {
    const w = load<f64>(weights + (<usize>j << 3));
    let count: f64 = 0;
    if (trialsLeft > 0 && w > 0) {
      const q = j == lastPositive ? 1 : Math.min(1, w / load<f64>(scratch + (<usize>j << 3)));
      count = binomial(cursor, trialsLeft, q);
      trialsLeft -= count;
    }
    store<f64>(counts + (<usize>j << 3), count);
  }
}

/**
 * A categorical draw by inversion over cumulative weights (src/rng/distributions/categorical.ts):
 * the smallest j with u·total < cumulative[j]·2^24. The search starts from a guide of the
 * categories the 256 top bytes of u can reach (categoricalGuide), so it looks at a few
 * categories instead of log₂ K; the predicate and hence the category are the reference's.
 */
@inline
export function categorical(cursor: usize, cumulative: usize, length: i32, guide: usize): i32 {
  const u = nextU24(cursor);
  const target = <f64>u * load<f64>(cumulative + (<usize>(length - 1) << 3));
  const top = <usize>(u >>> 16);
  let low = load<i32>(guide + (top << 2));
  let high = load<i32>(guide + ((top + 1) << 2));
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (load<f64>(cumulative + (<usize>middle << 3)) * 16777216.0 > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * The same draw searching all `length` categories, without a guide: for rows drawn from too few
 * times to pay for one (a Markov chain path's next token). Same predicate, same category.
 */
@inline
export function categoricalBySearch(cursor: usize, cumulative: usize, length: i32): i32 {
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

/**
 * guide[b] = the category a uniform u = b·2^16 draws, b = 0 … 256 (257 int32s): every u whose
 * top byte is b draws a category in [guide[b], guide[b + 1]], since the category drawn never
 * decreases as u grows.
 */
export function categoricalGuide(cumulative: usize, length: i32, guide: usize): void {
  const total = load<f64>(cumulative + (<usize>(length - 1) << 3));
  let j: i32 = 0;
  for (let b = 0; b <= 256; b++) {
    const target = <f64>(b << 16) * total;
    while (j < length - 1 && !(load<f64>(cumulative + (<usize>j << 3)) * 16777216.0 > target)) j++;
    store<i32>(guide + (<usize>b << 2), j);
  }
}
