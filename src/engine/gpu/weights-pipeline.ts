/**
 * The weights pipeline, the GPU route of families whose model is K weights drawn through an
 * optional decoder (a WeightsPipelinePlan, src/families/routes.ts; the categorical family's):
 * a pipeline of kernels per generation (kernels/weights-pipeline.js). Generations run in
 * rounds of up to ROUND_GENERATIONS: within a round, finished chains are masked by the
 * kernels (their counts and status frozen), and only at its end are the counts and status
 * read back, finished chains retired and the rest compacted. On webgpu the intermediate arrays never leave the GPU within a round
 * (gpu.js pipeline mode); the other backends hand arrays back by nature. Results do not
 * depend on the round length: every draw is addressed by (chain, generation).
 */
import {
  drawsKernelSource,
  multinomialKernelSource,
  observeKernelSource,
  suffixKernelSource,
  tallyKernelSource,
  thresholdsKernelSource,
  uploadKernelSource,
  weightsKernelSource,
} from '../../../kernels/weights-pipeline.js';
import { PHILOX_STYLE_BY_BACKEND } from '../../../kernels/philox.js';
import { hasMitigation, type FamilyModel } from '../../families/family.js';
import type { WeightsPipelinePlan } from '../../families/routes.js';
import { U24_SCALE } from '../../rng/uniform.js';
import { chainRangeOf, type RunSpec } from '../../spec/run-spec.js';
import { absorptionFromFirstCollapse, TrajectoryBuilder, type ChainBatch, type TrajectoryRows } from '../batch.js';
import { firstBatchStart, type EngineRunOptions } from '../engine.js';
import { CallSizer, yieldToEventLoop } from '../pacing.js';
import type { OpenBackend } from './backends.js';
import type { KernelBackendName } from './names.js';
import { CheckedKernel } from './kernel-runner.js';
import { keyLimbs } from './plan.js';

/** Thread indices are floats in GL: every flat array stays below 2^24 elements. */
const ELEMENT_LIMIT = 2 ** 24;
/** Generations per round between readbacks (a finished chain idles at most this many). */
const ROUND_GENERATIONS = 8;
/** Elements a first round may touch before a rate is measured: small enough for the slowest backend. */
const INITIAL_CALL_UNITS = 2 ** 18;

/** A flat array on the host, or (webgpu pipeline mode) a buffer that stays on the GPU. */
type DeviceArray = Float32Array | { toArray(): Promise<unknown>; delete(): void };

/**
 * A kernel with a flat output of any size. Pipelined (webgpu), it returns GPU buffers that
 * the next kernels take as inputs, a fresh one per call (immutable); otherwise arrays.
 */
class StageKernel {
  private constructor(private readonly kernel: CheckedKernel) {}

  static create(gpu: { createKernel(source: string, settings: unknown): unknown }, backend: KernelBackendName, source: string, pipelined: boolean): StageKernel {
    return new StageKernel(CheckedKernel.create(gpu, backend, source, pipelined ? { pipeline: true, immutable: true } : {}));
  }

  async call(size: number, ...args: unknown[]): Promise<DeviceArray> {
    const result = await this.kernel.call(size, args);
    return result instanceof Float32Array || !(result as { toArray?: unknown }).toArray ? Float32Array.from(result as ArrayLike<number>) : (result as DeviceArray);
  }

  destroy(): void {
    this.kernel.destroy();
  }
}

async function hostArray(array: DeviceArray): Promise<Float32Array> {
  return array instanceof Float32Array ? array : Float32Array.from((await array.toArray()) as ArrayLike<number>);
}

function release(...arrays: (DeviceArray | null)[]): void {
  for (const array of arrays) if (array !== null && !(array instanceof Float32Array)) array.delete();
}

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

export async function* runWeightsPipeline(
  opened: OpenBackend,
  spec: RunSpec,
  model: FamilyModel,
  plan: WeightsPipelinePlan,
  options: EngineRunOptions,
): AsyncGenerator<ChainBatch> {
  // The observe kernel records one event, the first extinction of a category present at the start.
  if (model.events.length !== 1) throw new Error('the weights pipeline records one event (the first extinction) per chain');
  const K = plan.categories;
  const style = PHILOX_STYLE_BY_BACKEND[opened.backend];
  const perSample = spec.mode === 'per-sample';
  const accumulate = spec.regime.kind === 'accumulate';
  const reshape = plan.decoder !== null;
  const decoder = plan.decoder ?? { temperature: 1, topK: K, topP: 1 };
  const countsAreWeights = spec.prior === 0 && !reshape;
  const stopAtCollapse = !hasMitigation(spec);
  const truthCount = spec.groundTruth;
  const keys = keyLimbs(spec.seed);
  const gpu = opened.gpu as never;
  // webgpu keeps a round's intermediate arrays on the GPU; the other backends return arrays.
  const pipelined = opened.backend === 'webgpu';
  const make = (source: string) => StageKernel.create(gpu, opened.backend, source, pipelined);

  // Generation 1 samples from the initial law (through the decoder), exactly as the reference.
  const firstWeights = new Float64Array(K);
  if (reshape) plan.decode(plan.initial, firstWeights);
  else firstWeights.set(plan.initial);
  const truth = Float32Array.from(plan.truth);
  const truthThresholds = referenceThresholds(plan.truth, K);
  const truthSuffix = suffixSums(plan.truth, K);
  const firstThresholds = referenceThresholds(firstWeights, K);
  const firstSuffix = suffixSums(firstWeights, K);

  const kernels = {
    upload: pipelined ? make(uploadKernelSource()) : null,
    weights: reshape || spec.prior > 0 ? make(weightsKernelSource({ K, temperature: decoder.temperature, topK: decoder.topK, topP: decoder.topP })) : null,
    thresholds: perSample ? make(thresholdsKernelSource({ K, exact: countsAreWeights })) : null,
    suffix: perSample ? null : make(suffixKernelSource({ K })),
    draws: perSample ? make(drawsKernelSource(style, { K, count: spec.samples, tag: 0, fixedThresholds: false })) : null,
    truthDraws: perSample && truthCount > 0 ? make(drawsKernelSource(style, { K, count: truthCount, tag: 1, fixedThresholds: true })) : null,
    tally: perSample ? make(tallyKernelSource({ K, count: spec.samples, truthCount, accumulate, stopAtCollapse })) : null,
    multinomial: perSample ? null : make(multinomialKernelSource(style, { K, count: spec.samples, truthCount, accumulate, stopAtCollapse })),
    observe: make(observeKernelSource({ K, initialSurvivors: plan.initial.filter((p) => p > 0).length, stopAtCollapse })),
  };
  /** A host array as the pipeline's input: uploaded once into a GPU buffer (webgpu), else as it is. */
  const device = async (values: Float32Array): Promise<DeviceArray> => (kernels.upload ? kernels.upload.call(values.length, values) : values);
  const largest = Math.max(K, spec.samples, truthCount, 4);
  const groupLimit = Math.max(1, Math.floor((ELEMENT_LIMIT - 1) / largest));
  // Groups are sized so that a full round takes at most GROUP_CALLS kernel calls' time (see
  // engine/pacing.ts), measured in elements the kernels touch; a signal is seen between rounds.
  const unitsPerGeneration = K + spec.samples + truthCount;
  const unitsPerRound = unitsPerGeneration * ROUND_GENERATIONS;
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
      state.set(plan.initial);
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
      const builder = recorded > 0 ? new TrajectoryBuilder(model.trajectoryColumns.length) : null;
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
        groupSize = Math.min(sizer.items(unitsPerRound, groupLimit), count - groupStart);
        let chains = Array.from({ length: groupSize }, (_, i) => first + groupStart + i);
        let counts: Float32Array = new Float32Array(chains.length * K);
        let status: Float32Array = new Float32Array(chains.length * 4);
        // Generation 0: a law with one category is already collapsed.
        const initialSurvivors = plan.initial.filter((p) => p > 0);
        const initialOutcome = initialSurvivors.length === 1 ? plan.initial.findIndex((p) => p > 0) : -1;
        for (let i = 0; i < chains.length; i++) status.set([initialOutcome >= 0 ? 0 : -1, initialOutcome, -1, 0], i * 4);
        chains.forEach((chain) => record(chain, counts, 0, 0));

        for (let t = 1; chains.length > 0; ) {
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
          const chainLimbs = new Float32Array(m * 2);
          chains.forEach((chain, i) => chainLimbs.set([Math.floor(chain / 65536), chain % 65536], i * 2));

          // A round: generation 1 and recorded trajectories alone, else up to ROUND_GENERATIONS,
          // never past the horizon (every live chain is at generation t − 1).
          // A round is also cut to one call's work (TARGET_CALL_MS) at the rate measured so far.
          const roundsWorth = Math.max(1, Math.floor(sizer.budget() / (m * unitsPerGeneration)));
          const round = t === 1 || spec.trajectories !== null ? 1 : Math.min(ROUND_GENERATIONS, roundsWorth, spec.generations - (t - 1));
          const roundStarted = performance.now();
          const limbs = await device(chainLimbs);
          let countsOnDevice = await device(counts);
          let statusOnDevice = await device(status);
          const runBefore = status.filter((_, x) => x % 4 === 3);
          try {
            for (let g = 0; g < round; g++) {
              const generation = t + g;
              const weights = generation === 1 ? null : kernels.weights ? await kernels.weights.call(m * K, countsOnDevice, spec.prior, truth) : countsOnDevice;
              let next: DeviceArray;
              if (perSample) {
                const thresholds = weights === null ? await device(tile(firstThresholds, m)) : await kernels.thresholds!.call(m * K, weights);
                const synthetic = await kernels.draws!.call(m * spec.samples, limbs, generation, ...keys, thresholds);
                const real = kernels.truthDraws ? await kernels.truthDraws.call(m * truthCount, limbs, generation, ...keys, truthThresholds) : await device(new Float32Array(1));
                next = await kernels.tally!.call(m * K, countsOnDevice, synthetic, real, statusOnDevice, spec.generations);
                release(thresholds, synthetic, real);
              } else {
                const modelWeights = weights ?? (await device(tile(Float32Array.from(firstWeights), m)));
                const suffix = weights === null ? await device(tile(firstSuffix, m)) : await kernels.suffix!.call(m * K, modelWeights);
                next = await kernels.multinomial!.call(m * K, countsOnDevice, modelWeights, suffix, limbs, generation, ...keys, truth, truthSuffix, statusOnDevice, spec.generations);
                release(suffix, weights === null ? modelWeights : null);
              }
              if (weights !== null && weights !== countsOnDevice) release(weights);
              const observed = await kernels.observe.call(m * 4, next, statusOnDevice, generation, spec.prior, truth, spec.generations);
              release(countsOnDevice, statusOnDevice);
              countsOnDevice = next;
              statusOnDevice = observed;
            }
            counts = await hostArray(countsOnDevice);
            status = await hostArray(statusOnDevice);
          } finally {
            release(limbs, countsOnDevice, statusOnDevice);
          }
          for (let i = 0; i < m; i++) chainGenerations += status[i * 4 + 3] - runBefore[i];
          t += round;
          if (spec.trajectories !== null && (t - 1) % spec.trajectories.every === 0) chains.forEach((chain, i) => record(chain, counts, i * K, t - 1));
          sizer.record(m * unitsPerGeneration * round, performance.now() - roundStarted);
          // The round held this thread (cpu, headlessgl) or waited on the GPU: let a signal's handler run.
          await yieldToEventLoop(options.signal);
          options.onProgress?.({ chainsDone: chainsDone + groupStart, chainGenerations });
        }
      }
      chainsDone += count;
      options.onProgress?.({ chainsDone, chainGenerations });
      const trajectory: TrajectoryRows | null = builder?.build() ?? null;
      yield { firstChain: first, count, collapseTime, outcome, ...absorptionFromFirstCollapse(model.absorption, collapseTime, spec.generations), eventTimes: [extinction], finals, chainGenerations: batchGenerations, trajectory };
    }
  } finally {
    for (const kernel of Object.values(kernels)) kernel?.destroy();
  }
}
