/**
 * Draws for many chains at once, as NumPy's Generator draws for a whole array: a
 * `LaneGenerator` holds one stream per lane (lane l draws from the streams of the chain it is
 * assigned) and offers the distributions the families need, each applied to every active lane.
 * A family's sampler is written once against this interface (src/families/), and engines differ
 * only in the generator they hand it: the reference path's, built from the scalar samplers of
 * ./distributions over one lane (./scalar-generator.ts), or the WebAssembly one over thousands
 * (./wasm-generator.ts). Every method consumes each lane's stream exactly as the scalar sampler
 * would, so the two give the same numbers.
 */
import type { StreamTag } from './streams.js';

/**
 * Per-lane values in a float64 array: lane l's value (or the first of its row) is
 * data[offset + l·stride]. Stride 0 gives every lane the same value (the ground truth's model).
 */
export interface Column {
  readonly data: Float64Array;
  readonly offset: number;
  readonly stride: number;
}

export function column(data: Float64Array, offset = 0, stride = 1): Column {
  return { data, offset, stride };
}

/** The column `shift` floats further along each lane's row. */
export function shifted(base: Column, shift: number): Column {
  return { data: base.data, offset: base.offset + shift, stride: base.stride };
}

export interface LaneGenerator {
  /** Lanes this generator can hold. */
  readonly capacity: number;
  /** The lanes drawn for: the first `activeCount` entries, each a lane index below capacity. */
  readonly active: Uint32Array;
  activeCount: number;
  /** Lane `lane` draws from chain `chain`'s streams. */
  assign(lane: number, chain: number): void;
  /** Points each active lane's stream at draw 0 of (its chain, generation, tag). */
  open(generation: number, tag: StreamTag): void;
  /** `floats` zeroed float64s in memory the generator can read (its inputs and outputs live there). */
  allocate(floats: number): Float64Array;

  /** The next `per` 24-bit uniforms of each lane's stream, into its row of `out`. */
  uniforms(per: number, out: Column): void;
  /** out = successes among n Bernoulli(p) points drawn one by one. */
  bernoulliCounts(n: number, p: Column, out: Column): void;
  /**
   * `samples` samples of `spins` independent ±1 spins with P(up) = p: Σm and Σm² over the
   * samples, m = 2·(spins up) − spins.
   */
  spinMoments(samples: number, spins: number, p: Column, sum: Column, squares: Column): void;
  /**
   * The same for coupled spins drawn one by one: spin i + 1 is up with probability
   * table[i·(spins + 1) + u] given u spins up so far (each lane's table row from `table`).
   */
  coupledSpinMoments(samples: number, spins: number, table: Column, sum: Column, squares: Column): void;
  /** out = Binomial(n, p). */
  binomials(n: Column, p: Column, out: Column): void;
  /** out = Poisson(mean). */
  poissons(mean: Column, out: Column): void;
  /** out = the sum of n Poisson(mean) draws. */
  poissonSums(n: number, mean: Column, out: Column): void;
  /** out = Σ scale·E_i over n standard exponential draws. */
  exponentialSums(n: number, scale: Column, out: Column): void;
  /** out = a standard normal. */
  normals(out: Column): void;
  /** Welford's running mean and M2 of n draws μ + √variance·z, accumulated one by one. */
  normalMoments(n: number, mu: Column, variance: Column, mean: Column, m2: Column): void;
  /** out = Gamma(shape, 1). */
  gammas(shape: number, out: Column): void;
  /** counts (a row of `length`) = category counts of n draws by inversion over the row `cumulative`. */
  categoricalCounts(n: number, cumulative: Column, length: number, counts: Column): void;
  /** counts (a row of `length`) = Multinomial(n, w/Σw) by conditional binomials, w the row `weights`. */
  multinomials(n: Column, weights: Column, length: number, counts: Column): void;
  /**
   * `paths` Markov chain paths of `length` tokens over `states` states: a path's first token by
   * inversion over the cumulative weights `start` (a row of `states`), each later one by inversion
   * over row x of `rows` (states × states cumulative weights, row x from x·states), x the token
   * before it. Out, both overwritten: `starts` (a row of `states`: paths that began in each state)
   * and `transitions` (states × states: how often each step i → j was taken, at i·states + j).
   * One uniform per token, path after path, token after token: paths·length in all.
   */
  markovPathCounts(paths: number, length: number, start: Column, rows: Column, states: number, starts: Column, transitions: Column): void;
}

/** Calls `visit` with each active lane, in order. */
export function forEachActive(generator: LaneGenerator, visit: (lane: number) => void): void {
  const { active, activeCount } = generator;
  for (let k = 0; k < activeCount; k++) visit(active[k]);
}

/** A column of `width` floats per lane for every lane the generator holds (sampler scratch). */
export function laneScratch(generator: LaneGenerator, width = 1): Column {
  return column(generator.allocate(generator.capacity * width), 0, width);
}

/** A column holding one value for every lane (stride 0), in the generator's memory. */
export function sharedValue(generator: LaneGenerator): { readonly column: Column; set(value: number): Column } {
  const data = generator.allocate(1);
  const shared = column(data, 0, 0);
  return {
    column: shared,
    set(value) {
      data[0] = value;
      return shared;
    },
  };
}

/** Writes `value` into each active lane's cell of `target`. */
export function fillActive(generator: LaneGenerator, target: Column, value: number): void {
  const { active, activeCount } = generator;
  const { data, offset, stride } = target;
  for (let k = 0; k < activeCount; k++) data[offset + active[k] * stride] = value;
}

/**
 * Runs `draw` with only the active lanes for which `keep(lane)` holds, then restores the active
 * list: a family whose lanes need different samplers draws each subset in turn.
 */
export function withActiveSubset(generator: LaneGenerator, keep: (lane: number) => boolean, draw: () => void): void {
  const { active, activeCount } = generator;
  const saved = active.slice(0, activeCount);
  let kept = 0;
  for (let k = 0; k < activeCount; k++) if (keep(saved[k])) active[kept++] = saved[k];
  if (kept === 0) return;
  try {
    generator.activeCount = kept;
    draw();
  } finally {
    active.set(saved);
    generator.activeCount = activeCount;
  }
}
