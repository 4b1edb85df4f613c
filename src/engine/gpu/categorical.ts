/**
 * The categorical family on a gpu.js backend: a pipeline of kernels per generation (see
 * kernels/categorical.js), its intermediate arrays read back between kernels. Chains that
 * finish are retired and the rest compacted after every generation.
 */
import {
  drawsKernelSource,
  multinomialKernelSource,
  observeKernelSource,
  suffixKernelSource,
  tallyKernelSource,
  thresholdsKernelSource,
  weightsKernelSource,
} from '../../../kernels/categorical.js';
import { PHILOX_STYLE_BY_BACKEND } from '../../../kernels/philox.js';
import { decoderReshapes, decoderWeights, type CategoricalParams } from '../../families/categorical.js';
import type { FamilyModel } from '../../families/family.js';
import { U24_SCALE } from '../../rng/uniform.js';
import { chainRangeOf, hasMitigation, type RunSpec } from '../../spec/run-spec.js';
import { TrajectoryBuilder, type ChainBatch, type TrajectoryRows } from '../batch.js';
import { firstBatchStart, type EngineRunOptions } from '../engine.js';
import { CallSizer, throwIfAborted } from '../pacing.js';
import type { OpenBackend } from './backends.js';
import { FlatKernel } from './kernel-runner.js';
import { keyLimbs } from './plan.js';

/** Thread indices are floats in GL: every flat array stays below 2^24 elements. */
const ELEMENT_LIMIT = 2 ** 24;
/** Elements a first generation touches before any is measured. */
const INITIAL_CALL_UNITS = 2 ** 18;

/**
 * Per-sample thresholds of fixed weights exactly as the reference draws from them:
 * T_j = the smallest u with !(u·W < C_j·2^24) in float64, C_j the running sum.
 */
export function referenceThresholds(weights: ArrayLike<number>, length: number): Float32Array {
  const cumulative = new Float64Array(length);
  let running = 0;
  for (let j = 0; j < length; j++) {
    running += weights[j];
    cumulative[j] = running;
  }
  const total = cumulative[length - 1];
  return Float32Array.from(cumulative, (c) => {
    let low = 0;
    let high = U24_SCALE;
    while (low < high) {
      const u = Math.floor((low + high) / 2);
      if (u * total < c * U24_SCALE) low = u + 1;
      else high = u;
    }
    return low;
  });
}

/** Suffix sums from the top, as the reference's multinomial computes them. */
function suffixSums(weights: ArrayLike<number>, length: number): Float32Array {
  const suffix = new Float32Array(length);
  let sum = 0;
  for (let j = length - 1; j >= 0; j--) {
    sum += weights[j];
    suffix[j] = sum;
  }
  return suffix;
}

function tile(row: Float32Array, copies: number): Float32Array {
  const out = new Float32Array(row.length * copies);
  for (let i = 0; i < copies; i++) out.set(row, i * row.length);
  return out;
}

/** The exactness the categorical pipeline offers for a configuration. */
export function categoricalExactness(spec: RunSpec): 'bit-exact' | 'float32' {
  const params = spec.familyParams as CategoricalParams;
  return spec.mode === 'per-sample' && spec.prior === 0 && spec.l2 === 0 && !decoderReshapes(params) ? 'bit-exact' : 'float32';
}

export async function* runCategorical(opened: OpenBackend, spec: RunSpec, model: FamilyModel, options: EngineRunOptions): AsyncGenerator<ChainBatch> {
  const params = spec.familyParams as CategoricalParams;
  const K = params.categories;
  const style = PHILOX_STYLE_BY_BACKEND[opened.backend];
  const perSample = spec.mode === 'per-sample';
  const accumulate = spec.regime.kind === 'accumulate';
  const reshape = decoderReshapes(params);
  const countsAreWeights = spec.prior === 0 && !reshape;
  const stopAtCollapse = !hasMitigation(spec);
  const truthCount = spec.groundTruth;
  const keys = keyLimbs(spec.seed);
  const gpu = opened.gpu as never;
  const make = (source: string, vector = false) => FlatKernel.create(gpu, opened.backend, source, vector, options.signal);

  // Generation 1 samples from the initial law (through the decoder), exactly as the reference.
  const order = Array.from({ length: K }, (_, j) => j);
  const firstWeights = new Float64Array(K);
  if (reshape) decoderWeights(params, params.init, firstWeights, order);
  else firstWeights.set(params.init);
  const truth = Float32Array.from(params.truth);
  const truthThresholds = referenceThresholds(params.truth, K);
  const truthSuffix = suffixSums(params.truth, K);
  const firstThresholds = referenceThresholds(firstWeights, K);
  const firstSuffix = suffixSums(firstWeights, K);

  const kernels = {
    weights: reshape || spec.prior > 0 ? make(weightsKernelSource({ K, temperature: params.temperature, topK: params.topK ?? K, topP: params.topP })) : null,
    thresholds: perSample ? make(thresholdsKernelSource({ K, exact: countsAreWeights })) : null,
    suffix: perSample ? null : make(suffixKernelSource({ K })),
    draws: perSample ? make(drawsKernelSource(style, { K, count: spec.samples, tag: 0, fixedThresholds: false })) : null,
    truthDraws: perSample && truthCount > 0 ? make(drawsKernelSource(style, { K, count: truthCount, tag: 1, fixedThresholds: true })) : null,
    tally: perSample ? make(tallyKernelSource({ K, count: spec.samples, truthCount, accumulate })) : null,
    multinomial: perSample ? null : make(multinomialKernelSource(style, { K, count: spec.samples, truthCount, accumulate })),
    observe: make(observeKernelSource({ K, initialSurvivors: params.init.filter((p) => p > 0).length }), true),
  };
  const largest = Math.max(K, spec.samples, truthCount, 4);
  const groupLimit = Math.max(1, Math.floor((ELEMENT_LIMIT - 1) / largest));
  // A generation of a group is a handful of kernel calls; groups are sized so that it takes
  // about TARGET_CALL_MS (see engine/pacing.ts), measured in elements the kernels touch.
  const unitsPerGeneration = K + spec.samples + truthCount;
  const sizer = new CallSizer(INITIAL_CALL_UNITS);

  const state = new Float64Array(model.stateSize);
  const finalRow = new Float64Array(model.finalColumns.length);
  const trajectoryRow = new Float64Array(model.trajectoryColumns.length);
  const stats = new Float64Array(model.statsSize);
  const pseudo = new Float64Array(model.statsSize);
  model.pseudoStats(spec.prior, pseudo);
  const n = spec.samples + spec.groundTruth;
  /** The reference model after `run` generations with data counts `counts`. */
  const modelState = (counts: Float32Array, offset: number, run: number): Float64Array => {
    if (run === 0) {
      state.set(params.init);
      return state;
    }
    stats[0] = accumulate ? run * n : n;
    for (let j = 0; j < K; j++) stats[j + 1] = counts[offset + j];
    if (spec.prior > 0) model.addStats(stats, pseudo);
    model.fit(stats, state);
    return state;
  };

  let chainsDone = 0;
  let chainGenerations = 0;
  try {
    const range = chainRangeOf(spec); // the ensemble, or this shard's block of it
    for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
      const count = Math.min(spec.batchSize, range.end - first);
      const collapseTime = new Int32Array(count).fill(-1);
      const outcome = new Float64Array(count).fill(NaN);
      const extinction = new Int32Array(count).fill(-1);
      const finals = model.finalColumns.map(() => new Float64Array(count));
      const recorded = spec.trajectories === null ? 0 : Math.max(0, Math.min(count, spec.trajectories.chains - first));
      const builder = recorded > 0 ? new TrajectoryBuilder(model.trajectoryColumns.length, spec.batchSize) : null;
      let batchGenerations = 0;

      const finish = (chain: number, counts: Float32Array, offset: number, status: Float32Array, s: number): void => {
        const i = chain - first;
        const run = status[s + 3];
        collapseTime[i] = status[s] >= 0 ? status[s] : -1;
        outcome[i] = status[s] >= 0 ? status[s + 1] : NaN;
        extinction[i] = status[s + 2] >= 0 ? status[s + 2] : -1;
        model.writeFinals(modelState(counts, offset, run), finalRow);
        for (let c = 0; c < finals.length; c++) finals[c][i] = finalRow[c];
        batchGenerations += run;
      };
      const record = (chain: number, counts: Float32Array, offset: number, run: number): void => {
        if (builder === null || chain - first >= recorded) return;
        model.writeTrajectory(modelState(counts, offset, run), trajectoryRow);
        builder.push(chain, run, trajectoryRow);
      };

      for (let groupStart = 0, groupSize = 0; groupStart < count; groupStart += groupSize) {
        groupSize = Math.min(sizer.items(unitsPerGeneration, groupLimit), count - groupStart);
        let chains = Array.from({ length: groupSize }, (_, i) => first + groupStart + i);
        let counts: Float32Array = new Float32Array(chains.length * K);
        let status: Float32Array = new Float32Array(chains.length * 4);
        // Generation 0: a law with one category is already collapsed.
        const initialSurvivors = params.init.filter((p) => p > 0);
        const initialOutcome = initialSurvivors.length === 1 ? params.init.findIndex((p) => p > 0) : -1;
        for (let i = 0; i < chains.length; i++) status.set([initialOutcome >= 0 ? 0 : -1, initialOutcome, -1, 0], i * 4);
        chains.forEach((chain) => record(chain, counts, 0, 0));

        for (let t = 1; chains.length > 0; t++) {
          // Retire finished chains (stopped at collapse, or at the horizon).
          const keep: number[] = [];
          chains.forEach((chain, i) => {
            const done = (stopAtCollapse && status[i * 4] >= 0) || status[i * 4 + 3] >= spec.generations;
            if (done) {
              if (t > 1 && status[i * 4 + 3] % (spec.trajectories?.every ?? 1) !== 0) record(chain, counts, i * K, status[i * 4 + 3]);
              finish(chain, counts, i * K, status, i * 4);
            } else keep.push(i);
          });
          if (keep.length < chains.length) {
            const keptCounts = new Float32Array(keep.length * K);
            const keptStatus = new Float32Array(keep.length * 4);
            keep.forEach((i, k) => {
              keptCounts.set(counts.subarray(i * K, i * K + K), k * K);
              keptStatus.set(status.subarray(i * 4, i * 4 + 4), k * 4);
            });
            chains = keep.map((i) => chains[i]);
            counts = keptCounts;
            status = keptStatus;
          }
          if (chains.length === 0) break;
          const m = chains.length;
          const generationStarted = performance.now();
          const chainLimbs = new Float32Array(m * 2);
          chains.forEach((chain, i) => chainLimbs.set([Math.floor(chain / 65536), chain % 65536], i * 2));

          const weights = t === 1 ? null : kernels.weights ? await kernels.weights.call(m * K, counts, spec.prior, truth) : counts;
          if (perSample) {
            const thresholds = weights === null ? tile(firstThresholds, m) : await kernels.thresholds!.call(m * K, weights);
            const synthetic = await kernels.draws!.call(m * spec.samples, chainLimbs, t, ...keys, thresholds);
            const real = kernels.truthDraws ? await kernels.truthDraws.call(m * truthCount, chainLimbs, t, ...keys, truthThresholds) : new Float32Array(1);
            counts = await kernels.tally!.call(m * K, counts, synthetic, real);
          } else {
            const modelWeights = weights ?? tile(Float32Array.from(firstWeights), m);
            const suffix = weights === null ? tile(firstSuffix, m) : await kernels.suffix!.call(m * K, modelWeights);
            counts = await kernels.multinomial!.call(m * K, counts, modelWeights, suffix, chainLimbs, t, ...keys, truth, truthSuffix);
          }
          status = await kernels.observe.call(m, counts, status, t, spec.prior, truth);
          sizer.record(m * unitsPerGeneration, performance.now() - generationStarted);
          chainGenerations += m;
          if (spec.trajectories !== null && t % spec.trajectories.every === 0) chains.forEach((chain, i) => record(chain, counts, i * K, t));
          throwIfAborted(options.signal);
          options.onProgress?.({ chainsDone: chainsDone + groupStart, chainGenerations });
        }
      }
      chainsDone += count;
      options.onProgress?.({ chainsDone, chainGenerations });
      const trajectory: TrajectoryRows | null = builder?.build() ?? null;
      yield { firstChain: first, count, collapseTime, outcome, eventTimes: [extinction], finals, chainGenerations: batchGenerations, trajectory };
    }
  } finally {
    for (const kernel of Object.values(kernels)) kernel?.destroy();
  }
}
