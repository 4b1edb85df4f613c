/**
 * collapse-sim's samplers in WebAssembly: the reference path's distributions (src/rng), each
 * vectorised over lanes — one lane per chain, as NumPy's Generator is vectorised over an array.
 * The host (src/rng/wasm-generator.ts) owns the memory layout: it passes a list of active lanes
 * and, for each per-lane input or output, a pointer and a stride in float64 elements (stride 0:
 * one value shared by every lane). Lane k's stream cursor is at cursorOf(k) (./stream.ts).
 */
import { philox4, lanes0, lanes1, lanes2, lanes3 } from './philox';
import { cursorOf, nextU24 } from './stream';
import { binomial, categorical, exponential, gamma, multinomial, normal, poisson } from './distributions';

export { setKey, philox, word0, word1, word2, word3 } from './philox';
export { setCursorBase, openStreams } from './stream';
export { setConstants } from './math';

/** The first byte the host may use (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}

@inline
function laneAt(lanes: usize, k: i32): u32 {
  return load<u32>(lanes + (<usize>k << 2));
}

/** The address of lane `lane`'s value in a column starting at `pointer` with `stride` floats per lane. */
@inline
function cell(pointer: usize, stride: i32, lane: u32): usize {
  return pointer + ((<usize>lane * <usize>stride) << 3);
}

/** Successes among n uniforms u < threshold, from the lane's current stream position. */
function countBelow(cursor: usize, n: i32, threshold: u32): i32 {
  let successes: i32 = 0;
  let left = n;
  // Up to a block boundary one by one, then 16 uniforms (four blocks) per SIMD Philox call.
  while (left > 0 && (load<u32>(cursor, 12) & 3) != 0) {
    if (nextU24(cursor) < threshold) successes++;
    left--;
  }
  if (left >= 16) {
    const chain = load<u32>(cursor);
    const generation = load<u32>(cursor, 4);
    const tag = load<u32>(cursor, 8);
    let position = load<u32>(cursor, 12);
    const limit = i32x4.splat(threshold);
    let below = i32x4.splat(0);
    while (left >= 16) {
      philox4(chain, generation, position >>> 2, tag);
      // Each comparison is −1 (true) or 0; their sum counts the successes, negated.
      below = i32x4.add(below, i32x4.lt_s(i32x4.shr_u(lanes0, 8), limit));
      below = i32x4.add(below, i32x4.lt_s(i32x4.shr_u(lanes1, 8), limit));
      below = i32x4.add(below, i32x4.lt_s(i32x4.shr_u(lanes2, 8), limit));
      below = i32x4.add(below, i32x4.lt_s(i32x4.shr_u(lanes3, 8), limit));
      position += 16;
      left -= 16;
    }
    store<u32>(cursor, position, 12);
    successes -= i32x4.extract_lane(below, 0) + i32x4.extract_lane(below, 1) + i32x4.extract_lane(below, 2) + i32x4.extract_lane(below, 3);
  }
  while (left > 0) {
    if (nextU24(cursor) < threshold) successes++;
    left--;
  }
  return successes;
}

/**
 * The 24-bit threshold of Bernoulli(p): u < p·2^24 exactly when u < ⌈p·2^24⌉ for integer u
 * (src/rng/distributions/bernoulli.ts).
 */
@inline
function thresholdOf(p: f64): u32 {
  if (!(p > 0)) return 0;
  if (p >= 1) return 16777216;
  return <u32>Math.ceil(p * 16777216.0);
}

/** out = successes among n Bernoulli(p) points (bernoulliCount). */
export function bernoulliCounts(lanes: usize, count: i32, n: i32, p: usize, pStride: i32, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    store<f64>(cell(out, outStride, lane), <f64>countBelow(cursorOf(lane), n, thresholdOf(load<f64>(cell(p, pStride, lane)))));
  }
}

/**
 * Mean-field spins, independent with P(up) = p: `samples` samples of `spins` spins each; out
 * Σm and Σm² over the samples, m = 2·(spins up) − spins (the Ising family's statistics).
 */
export function spinMoments(lanes: usize, count: i32, samples: i32, spins: i32, p: usize, pStride: i32, sumOut: usize, squaresOut: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const threshold = thresholdOf(load<f64>(cell(p, pStride, lane)));
    let sum: f64 = 0;
    let squares: f64 = 0;
    for (let s = 0; s < samples; s++) {
      const m = <f64>(2 * countBelow(cursor, spins, threshold) - spins);
      sum += m;
      squares += m * m;
    }
    store<f64>(cell(sumOut, outStride, lane), sum);
    store<f64>(cell(squaresOut, outStride, lane), squares);
  }
}

/**
 * Coupled mean-field spins drawn one by one from their conditionals: spin i + 1 is up when
 * u < table[i·(spins + 1) + up]·2^24, `up` the spins up so far (the Ising family's per-sample
 * draw). Each lane's table row starts at table + lane·tableStride floats. Out Σm, Σm².
 */
export function coupledSpinMoments(lanes: usize, count: i32, samples: i32, spins: i32, table: usize, tableStride: i32, sumOut: usize, squaresOut: usize, outStride: i32): void {
  const levels = spins + 1;
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const row = cell(table, tableStride, lane);
    let sum: f64 = 0;
    let squares: f64 = 0;
    for (let s = 0; s < samples; s++) {
      let up: i32 = 0;
      for (let i = 0; i < spins; i++) {
        if (<f64>nextU24(cursor) < load<f64>(row + (<usize>(i * levels + up) << 3)) * 16777216.0) up++;
      }
      const m = <f64>(2 * up - spins);
      sum += m;
      squares += m * m;
    }
    store<f64>(cell(sumOut, outStride, lane), sum);
    store<f64>(cell(squaresOut, outStride, lane), squares);
  }
}

/** out = Binomial(n, p) per lane. */
export function binomials(lanes: usize, count: i32, n: usize, nStride: i32, p: usize, pStride: i32, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    store<f64>(cell(out, outStride, lane), binomial(cursorOf(lane), load<f64>(cell(n, nStride, lane)), load<f64>(cell(p, pStride, lane))));
  }
}

/** out = Poisson(mean) per lane. */
export function poissons(lanes: usize, count: i32, mean: usize, meanStride: i32, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    store<f64>(cell(out, outStride, lane), poisson(cursorOf(lane), load<f64>(cell(mean, meanStride, lane))));
  }
}

/** out = the sum of n Poisson(mean) draws, added in draw order. */
export function poissonSums(lanes: usize, count: i32, n: i32, mean: usize, meanStride: i32, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const value = load<f64>(cell(mean, meanStride, lane));
    let sum: f64 = 0;
    for (let i = 0; i < n; i++) sum += poisson(cursor, value);
    store<f64>(cell(out, outStride, lane), sum);
  }
}

/** out = Σ scale·E_i over n standard exponential draws E_i, added in draw order. */
export function exponentialSums(lanes: usize, count: i32, n: i32, scale: usize, scaleStride: i32, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const value = load<f64>(cell(scale, scaleStride, lane));
    let sum: f64 = 0;
    for (let i = 0; i < n; i++) sum += value * exponential(cursor);
    store<f64>(cell(out, outStride, lane), sum);
  }
}

/** out = one standard normal per lane. */
export function normals(lanes: usize, count: i32, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    store<f64>(cell(out, outStride, lane), normal(cursorOf(lane)));
  }
}

/**
 * The running mean and M2 = Σ(x − mean)² (Welford) of n draws x = μ + σ·z, σ = √variance, as
 * the Gaussian family accumulates them one by one.
 */
export function normalMoments(lanes: usize, count: i32, n: i32, mu: usize, muStride: i32, variance: usize, varianceStride: i32, meanOut: usize, m2Out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const centre = load<f64>(cell(mu, muStride, lane));
    const sigma = Math.sqrt(load<f64>(cell(variance, varianceStride, lane)));
    let mean: f64 = 0;
    let sumSquares: f64 = 0;
    for (let i = 0; i < n; i++) {
      const x = centre + sigma * normal(cursor);
      const delta = x - mean;
      mean += delta / <f64>(i + 1);
      sumSquares += delta * (x - mean);
    }
    store<f64>(cell(meanOut, outStride, lane), mean);
    store<f64>(cell(m2Out, outStride, lane), sumSquares);
  }
}

/** out = Gamma(shape, 1) per lane, one shape for all. */
export function gammas(lanes: usize, count: i32, shape: f64, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    store<f64>(cell(out, outStride, lane), gamma(cursorOf(lane), shape));
  }
}

/**
 * Category counts of n draws by inversion over each lane's `length` cumulative weights (a row of
 * cumulativeStride floats); the counts row (countsStride floats) is overwritten.
 */
export function categoricalCounts(lanes: usize, count: i32, n: i32, cumulative: usize, cumulativeStride: i32, length: i32, counts: usize, countsStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const row = cell(cumulative, cumulativeStride, lane);
    const out = cell(counts, countsStride, lane);
    memory.fill(out, 0, <usize>length << 3);
    for (let i = 0; i < n; i++) {
      const at = out + (<usize>categorical(cursor, row, length) << 3);
      store<f64>(at, load<f64>(at) + 1);
    }
  }
}

/** Multinomial(n, w/Σw) counts per lane from each lane's `length` weights; `scratch` holds `length` floats. */
export function multinomials(lanes: usize, count: i32, n: usize, nStride: i32, weights: usize, weightsStride: i32, length: i32, counts: usize, countsStride: i32, scratch: usize): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    multinomial(cursorOf(lane), load<f64>(cell(n, nStride, lane)), cell(weights, weightsStride, lane), length, cell(counts, countsStride, lane), scratch);
  }
}

/** The next uniforms of each lane's stream, for tests of the cursor (out: `per` floats per lane). */
export function uniforms(lanes: usize, count: i32, per: i32, out: usize, outStride: i32): void {
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const row = cell(out, outStride, lane);
    for (let i = 0; i < per; i++) store<f64>(row + (<usize>i << 3), <f64>nextU24(cursor));
  }
}
