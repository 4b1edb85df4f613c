/**
 * The LaneGenerator in WebAssembly (wasm/, AssemblyScript compiled by `npm run build`): the
 * scalar generator's distributions over thousands of lanes, with real 64-bit products for
 * Philox, four blocks per 128-bit SIMD call where draws are independent of each other
 * (Bernoulli counts), and the host's Math for logarithms and cosines so every number is the
 * reference's. Inputs and outputs live in the instance's memory: `allocate` hands out float64
 * views of it, and columns passed to a method must be such views.
 */
import { readFileSync } from 'node:fs';
import { INVERSION_LIMIT } from '../constants.js';
import { LANCZOS, LOG_FACTORIAL_TABLE, LOG_FACTORIAL_TABLE_SIZE, LOG_SQRT_2PI, STIRLING_TAIL_TABLE } from '../math/special.js';
import { compiledScript } from '../package-files.js';
import { TWO_PI } from './distributions/normal.js';
import { U24_SCALE } from './uniform.js';
import type { PhiloxKey } from './keys.js';
import type { Column, LaneGenerator } from './lanes.js';
import type { StreamTag } from './streams.js';

/** The module's exports (wasm/index.ts). Pointers are byte offsets; strides count float64s. */
interface SamplerExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  setKey(k0: number, k1: number): void;
  setCursorBase(pointer: number): void;
  setConstants(limit: number, twoPi: number, logSqrt2Pi: number, logFactorials: number, stirlingTails: number, lanczos: number): void;
  useHostMath(value: boolean): void;
  fdlibmLog(x: number): number;
  fdlibmCos(x: number): number;
  openStreams(lanes: number, count: number, generation: number, tag: number): void;
  philox(c0: number, c1: number, c2: number, c3: number): void;
  bernoulliCounts(lanes: number, count: number, n: number, p: number, pStride: number, out: number, outStride: number): void;
  spinMoments(lanes: number, count: number, samples: number, spins: number, p: number, pStride: number, sum: number, squares: number, outStride: number): void;
  coupledSpinMoments(lanes: number, count: number, samples: number, spins: number, table: number, tableStride: number, sum: number, squares: number, outStride: number): void;
  binomials(lanes: number, count: number, n: number, nStride: number, p: number, pStride: number, out: number, outStride: number): void;
  poissons(lanes: number, count: number, mean: number, meanStride: number, out: number, outStride: number): void;
  poissonSums(lanes: number, count: number, n: number, mean: number, meanStride: number, out: number, outStride: number): void;
  exponentialSums(lanes: number, count: number, n: number, scale: number, scaleStride: number, out: number, outStride: number): void;
  normals(lanes: number, count: number, out: number, outStride: number): void;
  normalMoments(lanes: number, count: number, n: number, mu: number, muStride: number, variance: number, varianceStride: number, mean: number, m2: number, outStride: number): void;
  gammas(lanes: number, count: number, shape: number, out: number, outStride: number): void;
  categoricalCounts(lanes: number, count: number, n: number, cumulative: number, cumulativeStride: number, length: number, counts: number, countsStride: number): void;
  multinomials(lanes: number, count: number, n: number, nStride: number, weights: number, weightsStride: number, length: number, counts: number, countsStride: number, scratch: number): void;
  uniforms(lanes: number, count: number, per: number, out: number, outStride: number): void;
  markovPathCounts(
    lanes: number, count: number, paths: number, length: number, start: number, startStride: number, rows: number, rowsStride: number, states: number,
    starts: number, startsStride: number, transitions: number, transitionsStride: number,
  ): void;
}

/** Bytes of one lane's stream cursor (wasm/stream.ts CURSOR_BYTES). */
const CURSOR_BYTES = 48;
const PAGE_BYTES = 65536;

let compiled: WebAssembly.Module | null = null;

/** The compiled module, once per thread. */
function samplerModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(compiledScript('wasm/samplers.wasm')));
  return compiled;
}

/** Whether this Node can compile the module (WebAssembly SIMD), or why not. */
export function wasmGeneratorStatus(): { available: true } | { available: false; reason: string } {
  try {
    samplerModule();
    return { available: true };
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
}

const align = (bytes: number, to: number): number => Math.ceil(bytes / to) * to;

/** Points at which the module's fdlibm log and cos are compared with this host's Math. */
const MATH_CHECK_POINTS = 4096;
let fdlibmVerdict: boolean | null = null;

/**
 * Whether the module's own log and cos (fdlibm, as V8 has them) give this host's Math.log and
 * Math.cos exactly, at Box–Muller's inputs and across the doubles; if not, the module calls the
 * host's (slower, same numbers). Checked once per thread.
 */
function fdlibmAgrees(exports: SamplerExports): boolean {
  if (fdlibmVerdict !== null) return fdlibmVerdict;
  let agrees = true;
  let state = 0x9e3779b9;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < MATH_CHECK_POINTS && agrees; i++) {
    const u = next() >>> 8;
    const x = (u + 0.5) / U24_SCALE;
    const angle = TWO_PI * (u / U24_SCALE);
    const spread = 2 ** ((next() % 2000) - 1000) * (1 + next() / 2 ** 32);
    agrees = exports.fdlibmLog(x) === Math.log(x) && exports.fdlibmCos(angle) === Math.cos(angle) && exports.fdlibmLog(spread) === Math.log(spread);
  }
  fdlibmVerdict = agrees;
  return agrees;
}

/** Whether this thread's samplers use the module's own log and cos (see fdlibmAgrees). */
export function wasmUsesOwnMath(): boolean | null {
  return fdlibmVerdict;
}

export class WasmGenerator implements LaneGenerator {
  readonly active: Uint32Array;
  activeCount = 0;
  private readonly exports: SamplerExports;
  private readonly cursors: Uint32Array;
  private readonly lanesPointer: number;
  private next: number;
  private readonly end: number;
  /** Multinomial's per-lane conditionals, grown to the longest row asked for. */
  private scratch: Float64Array | null = null;

  /**
   * A generator for `capacity` lanes whose `allocate` calls will need at most `reserveFloats`
   * float64s in all: memory is sized once, so the views it hands out never move.
   */
  constructor(
    key: PhiloxKey,
    readonly capacity: number,
    reserveFloats: number,
  ) {
    const constantsFloats = 2 * LOG_FACTORIAL_TABLE_SIZE + LANCZOS.length;
    const instance = new WebAssembly.Instance(samplerModule(), {
      env: {
        log: Math.log,
        exp: Math.exp,
        log1p: Math.log1p,
        cos: Math.cos,
        pow: Math.pow,
        abort: () => {
          throw new Error('WebAssembly sampler aborted');
        },
      },
    });
    this.exports = instance.exports as unknown as SamplerExports;
    const base = align(this.exports.heapBase(), 16);
    const cursorsAt = base;
    this.lanesPointer = cursorsAt + capacity * CURSOR_BYTES;
    const constantsAt = align(this.lanesPointer + capacity * 4, 16);
    const heapAt = constantsAt + constantsFloats * 8;
    this.end = align(heapAt + reserveFloats * 8 + 16 * 8, 16);
    const memory = this.exports.memory;
    const needed = Math.ceil(this.end / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
    if (needed > 0) memory.grow(needed);
    this.cursors = new Uint32Array(memory.buffer, cursorsAt, capacity * (CURSOR_BYTES / 4));
    this.active = new Uint32Array(memory.buffer, this.lanesPointer, capacity);
    const constants = new Float64Array(memory.buffer, constantsAt, constantsFloats);
    constants.set(LOG_FACTORIAL_TABLE, 0);
    constants.set(STIRLING_TAIL_TABLE, LOG_FACTORIAL_TABLE_SIZE);
    constants.set(LANCZOS, 2 * LOG_FACTORIAL_TABLE_SIZE);
    this.exports.setConstants(INVERSION_LIMIT, TWO_PI, LOG_SQRT_2PI, constantsAt, constantsAt + LOG_FACTORIAL_TABLE_SIZE * 8, constantsAt + 2 * LOG_FACTORIAL_TABLE_SIZE * 8);
    this.exports.useHostMath(!fdlibmAgrees(this.exports));
    this.exports.setKey(key[0], key[1]);
    this.exports.setCursorBase(cursorsAt);
    this.next = heapAt;
  }

  assign(lane: number, chain: number): void {
    this.cursors[lane * (CURSOR_BYTES / 4)] = chain;
  }

  open(generation: number, tag: StreamTag): void {
    this.exports.openStreams(this.lanesPointer, this.activeCount, generation, tag);
  }

  allocate(floats: number): Float64Array {
    const at = this.next;
    this.next = align(at + floats * 8, 16);
    if (this.next > this.end) throw new Error(`WasmGenerator: ${floats} more floats than reserved`);
    return new Float64Array(this.exports.memory.buffer, at, floats);
  }

  /** The byte address of a column's lane-0 value, which must lie in this generator's memory. */
  private address(c: Column): number {
    if (c.data.buffer !== this.exports.memory.buffer) throw new Error('WasmGenerator: a column outside the generator memory');
    return c.data.byteOffset + c.offset * 8;
  }

  private sameStride(a: Column, b: Column): number {
    if (a.stride !== b.stride) throw new Error('WasmGenerator: paired outputs need one stride');
    return a.stride;
  }

  bernoulliCounts(n: number, p: Column, out: Column): void {
    this.exports.bernoulliCounts(this.lanesPointer, this.activeCount, n, this.address(p), p.stride, this.address(out), out.stride);
  }

  spinMoments(samples: number, spins: number, p: Column, sum: Column, squares: Column): void {
    const stride = this.sameStride(sum, squares);
    this.exports.spinMoments(this.lanesPointer, this.activeCount, samples, spins, this.address(p), p.stride, this.address(sum), this.address(squares), stride);
  }

  coupledSpinMoments(samples: number, spins: number, table: Column, sum: Column, squares: Column): void {
    const stride = this.sameStride(sum, squares);
    this.exports.coupledSpinMoments(this.lanesPointer, this.activeCount, samples, spins, this.address(table), table.stride, this.address(sum), this.address(squares), stride);
  }

  binomials(n: Column, p: Column, out: Column): void {
    this.exports.binomials(this.lanesPointer, this.activeCount, this.address(n), n.stride, this.address(p), p.stride, this.address(out), out.stride);
  }

  poissons(mean: Column, out: Column): void {
    this.exports.poissons(this.lanesPointer, this.activeCount, this.address(mean), mean.stride, this.address(out), out.stride);
  }

  poissonSums(n: number, mean: Column, out: Column): void {
    this.exports.poissonSums(this.lanesPointer, this.activeCount, n, this.address(mean), mean.stride, this.address(out), out.stride);
  }

  exponentialSums(n: number, scale: Column, out: Column): void {
    this.exports.exponentialSums(this.lanesPointer, this.activeCount, n, this.address(scale), scale.stride, this.address(out), out.stride);
  }

  normals(out: Column): void {
    this.exports.normals(this.lanesPointer, this.activeCount, this.address(out), out.stride);
  }

  normalMoments(n: number, mu: Column, variance: Column, mean: Column, m2: Column): void {
    const stride = this.sameStride(mean, m2);
    this.exports.normalMoments(this.lanesPointer, this.activeCount, n, this.address(mu), mu.stride, this.address(variance), variance.stride, this.address(mean), this.address(m2), stride);
  }

  gammas(shape: number, out: Column): void {
    this.exports.gammas(this.lanesPointer, this.activeCount, shape, this.address(out), out.stride);
  }

  categoricalCounts(n: number, cumulative: Column, length: number, counts: Column): void {
    this.exports.categoricalCounts(this.lanesPointer, this.activeCount, n, this.address(cumulative), cumulative.stride, length, this.address(counts), counts.stride);
  }

  multinomials(n: Column, weights: Column, length: number, counts: Column): void {
    if (this.scratch === null || this.scratch.length < length) this.scratch = this.allocate(length);
    this.exports.multinomials(
      this.lanesPointer,
      this.activeCount,
      this.address(n),
      n.stride,
      this.address(weights),
      weights.stride,
      length,
      this.address(counts),
      counts.stride,
      this.scratch.byteOffset,
    );
  }

  uniforms(per: number, out: Column): void {
    this.exports.uniforms(this.lanesPointer, this.activeCount, per, this.address(out), out.stride);
  }

  markovPathCounts(paths: number, length: number, start: Column, rows: Column, states: number, starts: Column, transitions: Column): void {
    this.exports.markovPathCounts(
      this.lanesPointer,
      this.activeCount,
      paths,
      length,
      this.address(start),
      start.stride,
      this.address(rows),
      rows.stride,
      states,
      this.address(starts),
      starts.stride,
      this.address(transitions),
      transitions.stride,
    );
  }
}
