/**
 * collapse-sim's samplers in WebAssembly: the reference path's distributions (src/rng), each
 * vectorised over lanes — one lane per chain, as NumPy's Generator is vectorised over an array.
 * The host (src/rng/wasm-generator.ts) owns the memory layout: it passes a list of active lanes
 * and, for each per-lane input or output, a pointer and a stride in float64 elements (stride 0:
 * one value shared by every lane). Lane k's stream cursor is at cursorOf(k) (./stream.ts).
 */
import { philox4, lanes0, lanes1, lanes2, lanes3 } from './philox';
import { cursorOf, nextU24, nextWord, prefetchFirstBlocks, tieBits } from './stream';
import { binomial, categorical, categoricalBySearch, categoricalGuide, exponential, gamma, multinomial, normal, poisson } from './distributions';

export { setKey, philox, word0, word1, word2, word3 } from './philox';
export { setCursorBase, openStreams } from './stream';
export { setConstants, useHostMath } from './math';
export { fdlibmCos, fdlibmLog } from './fdlibm';

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

/** The categorical sampler's guide (257 int32s), rebuilt for each lane's row. */
const GUIDE = memory.data(257 * 4);

/** Every bit set: the mask of a full chunk. */
const ALL = i8x16.splat(-1);

/** The byte offset, within a 64-byte chunk of four blocks, of SIMD lane L of word W's vector. */
@inline
function chunkOffsets(w: i32): v128 {
  const base = <i8>(w * 4);
  return i8x16.add(i8x16(0, 1, 2, 3, 16, 17, 18, 19, 32, 33, 34, 35, 48, 49, 50, 51), i8x16.splat(base));
}

/**
 * Byte-wise Bernoulli decisions (src/rng/distributions/bernoulli.ts): a decision reads one byte
 * b and succeeds when b < H, fails when b > H, and on a tie (b = H) reads 16 tie bits r from the
 * tie stream at its byte's address and succeeds when r < L; H, L = the top 8 and low 16 bits of
 * the 24-bit threshold.
 */
@inline
function decided(cursor: usize, byte: u32, byteIndex: u32, threshold: u32): bool {
  const high = threshold >>> 16;
  if (byte != high) return byte < high;
  const low = threshold & 0xffff;
  return low > 0 && tieBits(cursor, byteIndex) < low;
}

/** The word the current decision run is reading. */
let runWord: u32 = 0;

/** Byte `taken` of a decision run that started at a word boundary (a new word every four). */
@inline
function runByte(cursor: usize, taken: u32): u32 {
  const j = taken & 3;
  if (j == 0) runWord = nextWord(cursor);
  return (runWord >>> (j << 3)) & 255;
}

/**
 * Successes among n byte-wise decisions against one threshold, a run starting at the lane's
 * next word. From a block boundary (always, in practice: a run opens its stream) four blocks —
 * 64 decisions — per SIMD Philox call, ties settled lane by lane; otherwise one by one.
 */
function countBelow(cursor: usize, n: i32, threshold: u32): i32 {
  if (n <= 0) return 0;
  const position = load<u32>(cursor, 12);
  const firstByte = position << 2;
  if ((position & 3) != 0) {
    let successes: i32 = 0;
    for (let taken: u32 = 0; taken < <u32>n; taken++) if (decided(cursor, runByte(cursor, taken), firstByte + taken, threshold)) successes++;
    return successes;
  }
  const words = (<u32>n + 3) >>> 2;
  let successes: i32 = 0;
  if (threshold >= 16777216) successes = n;
  else if (threshold > 0) {
    const chain = load<u32>(cursor);
    const generation = load<u32>(cursor, 4);
    const tag = load<u32>(cursor, 8);
    const high = i8x16.splat(<i8>(threshold >>> 16));
    const low = threshold & 0xffff;
    let block = position >>> 2;
    for (let done: i32 = 0; done < n; done += 64) {
      philox4(chain, generation, block, tag);
      // Each comparison is −1 (true) or 0; subtracting them counts, at most 4 per byte lane.
      const partial = n - done < 64;
      const inRange = i8x16.splat(<i8>min(n - done, 64));
      let below = v128.and(i8x16.lt_u(lanes0, high), partial ? i8x16.lt_u(chunkOffsets(0), inRange) : ALL);
      below = i8x16.add(below, v128.and(i8x16.lt_u(lanes1, high), partial ? i8x16.lt_u(chunkOffsets(1), inRange) : ALL));
      below = i8x16.add(below, v128.and(i8x16.lt_u(lanes2, high), partial ? i8x16.lt_u(chunkOffsets(2), inRange) : ALL));
      below = i8x16.add(below, v128.and(i8x16.lt_u(lanes3, high), partial ? i8x16.lt_u(chunkOffsets(3), inRange) : ALL));
      const counts = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(i8x16.neg(below)));
      successes += i32x4.extract_lane(counts, 0) + i32x4.extract_lane(counts, 1) + i32x4.extract_lane(counts, 2) + i32x4.extract_lane(counts, 3);
      // Ties (one byte in 256) are settled one by one, from the tie stream.
      if (low > 0 && v128.any_true(v128.or(v128.or(i8x16.eq(lanes0, high), i8x16.eq(lanes1, high)), v128.or(i8x16.eq(lanes2, high), i8x16.eq(lanes3, high))))) {
        for (let w = 0; w < 4; w++) {
          const bytes = w == 0 ? lanes0 : w == 1 ? lanes1 : w == 2 ? lanes2 : lanes3;
          let ties = i8x16.bitmask(v128.and(i8x16.eq(bytes, high), i8x16.lt_u(chunkOffsets(w), inRange)));
          while (ties != 0) {
            const lane = ctz(ties);
            const offset = <u32>(((lane >>> 2) << 4) + (w << 2) + (lane & 3));
            if (tieBits(cursor, firstByte + <u32>done + offset) < low) successes++;
            ties &= ties - 1;
          }
        }
      }
      block += 4;
    }
  }
  // The run ends on a word boundary; a draw after it finds no block cached and computes its own.
  store<u32>(cursor, position + words, 12);
  store<u32>(cursor, 0, 32);
  return successes;
}

/**
 * The 24-bit threshold of Bernoulli(p): u < p·2^24 exactly when u < ⌈p·2^24⌉ for integer u
 * (src/rng/distributions/bernoulli.ts bernoulliThreshold).
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
    // One run of decisions: spin k of sample s is decision s·spins + k.
    const firstByte = load<u32>(cursor, 12) << 2;
    let taken: u32 = 0;
    let sum: f64 = 0;
    let squares: f64 = 0;
    for (let s = 0; s < samples; s++) {
      let up: i32 = 0;
      for (let k = 0; k < spins; k++) {
        if (decided(cursor, runByte(cursor, taken), firstByte + taken, threshold)) up++;
        taken++;
      }
      const m = <f64>(2 * up - spins);
      sum += m;
      squares += m * m;
    }
    store<f64>(cell(sumOut, outStride, lane), sum);
    store<f64>(cell(squaresOut, outStride, lane), squares);
  }
}

/**
 * Coupled mean-field spins drawn one by one from their conditionals: spin i + 1 is up with
 * probability table[i·(spins + 1) + up], `up` the spins up so far (the Ising family's
 * per-sample draw), a byte-wise decision each. Each lane's table row starts at table + lane·tableStride floats. Out Σm, Σm².
 */
export function coupledSpinMoments(lanes: usize, count: i32, samples: i32, spins: i32, table: usize, tableStride: i32, sumOut: usize, squaresOut: usize, outStride: i32): void {
  const levels = spins + 1;
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const row = cell(table, tableStride, lane);
    const firstByte = load<u32>(cursor, 12) << 2;
    let taken: u32 = 0;
    let sum: f64 = 0;
    let squares: f64 = 0;
    for (let s = 0; s < samples; s++) {
      let up: i32 = 0;
      for (let i = 0; i < spins; i++) {
        if (decided(cursor, runByte(cursor, taken), firstByte + taken, thresholdOf(load<f64>(row + (<usize>(i * levels + up) << 3))))) up++;
        taken++;
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
  prefetchFirstBlocks(lanes, count);
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    store<f64>(cell(out, outStride, lane), binomial(cursorOf(lane), load<f64>(cell(n, nStride, lane)), load<f64>(cell(p, pStride, lane))));
  }
}

/** out = Poisson(mean) per lane. */
export function poissons(lanes: usize, count: i32, mean: usize, meanStride: i32, out: usize, outStride: i32): void {
  prefetchFirstBlocks(lanes, count);
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    store<f64>(cell(out, outStride, lane), poisson(cursorOf(lane), load<f64>(cell(mean, meanStride, lane))));
  }
}

/** out = the sum of n Poisson(mean) draws, added in draw order. */
export function poissonSums(lanes: usize, count: i32, n: i32, mean: usize, meanStride: i32, out: usize, outStride: i32): void {
  prefetchFirstBlocks(lanes, count);
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
  prefetchFirstBlocks(lanes, count);
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
  prefetchFirstBlocks(lanes, count);
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
  prefetchFirstBlocks(lanes, count);
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
  prefetchFirstBlocks(lanes, count);
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
  prefetchFirstBlocks(lanes, count);
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const row = cell(cumulative, cumulativeStride, lane);
    const out = cell(counts, countsStride, lane);
    memory.fill(out, 0, <usize>length << 3);
    if (n <= 0) continue;
    // One guide per distinct row (a stride-0 column shares the truth's row with every lane).
    if (k == 0 || cumulativeStride != 0) categoricalGuide(row, length, GUIDE);
    for (let i = 0; i < n; i++) {
      const at = out + (<usize>categorical(cursor, row, length, GUIDE) << 3);
      store<f64>(at, load<f64>(at) + 1);
    }
  }
}

/** Multinomial(n, w/Σw) counts per lane from each lane's `length` weights; `scratch` holds `length` floats. */
export function multinomials(lanes: usize, count: i32, n: usize, nStride: i32, weights: usize, weightsStride: i32, length: i32, counts: usize, countsStride: i32, scratch: usize): void {
  prefetchFirstBlocks(lanes, count);
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

/**
 * `paths` Markov chain paths of `length` tokens over `states` states per lane
 * (src/rng/lanes.ts markovPathCounts): the first token by inversion over the `start` row, each
 * later one over row x of the lane's states × states cumulative `rows`, x the token before; out
 * the start counts (a row of `states`) and the transition counts (states × states), overwritten.
 * One uniform per token, path after path.
 */
export function markovPathCounts(
  lanes: usize, count: i32, paths: i32, length: i32, start: usize, startStride: i32, rows: usize, rowsStride: i32, states: i32,
  starts: usize, startsStride: i32, transitions: usize, transitionsStride: i32,
): void {
  prefetchFirstBlocks(lanes, count);
  for (let k = 0; k < count; k++) {
    const lane = laneAt(lanes, k);
    const cursor = cursorOf(lane);
    const startRow = cell(start, startStride, lane);
    const matrix = cell(rows, rowsStride, lane);
    const startsOut = cell(starts, startsStride, lane);
    const transitionsOut = cell(transitions, transitionsStride, lane);
    memory.fill(startsOut, 0, <usize>states << 3);
    memory.fill(transitionsOut, 0, (<usize>states * <usize>states) << 3);
    for (let path = 0; path < paths; path++) {
      let token = categoricalBySearch(cursor, startRow, states);
      let at = startsOut + (<usize>token << 3);
      store<f64>(at, load<f64>(at) + 1);
      for (let position = 1; position < length; position++) {
        const row = <usize>token * <usize>states;
        const next = categoricalBySearch(cursor, matrix + (row << 3), states);
        at = transitionsOut + ((row + <usize>next) << 3);
        store<f64>(at, load<f64>(at) + 1);
        token = next;
      }
    }
  }
}
