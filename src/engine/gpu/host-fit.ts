/**
 * The GPU engine's host-fit path, for models whose fit does not fit in a kernel thread
 * (coupled Ising: a Newton solve over N + 1 levels per chain and generation). Each
 * generation, the host writes every active chain's sampler parameters from its float64
 * model state, one kernel call draws the generation's data for all of them, and the host
 * pools, refits and observes each chain with the reference's own ChainLoop. The draws
 * follow the reference's stream positions, so where the sampler's decisions are exact
 * integer comparisons (per-sample) the chains are the reference's, bit for bit.
 */
import type { FamilyModel } from '../../families/family.js';
import { chainRangeOf, type RunSpec } from '../../spec/run-spec.js';
import { emptyChainColumns, TrajectoryBuilder, type ChainBatch } from '../batch.js';
import { ChainLoop, ChainLoopShared } from '../chain-loop.js';
import { firstBatchStart, type EngineRunOptions } from '../engine.js';
import { CallSizer, Pacer } from '../pacing.js';
import type { KernelArgument, KernelRecipe, KernelRunner } from './kernel-runner.js';
import type { GpuBackendName } from './names.js';
import { keyLimbs, type GpuPlan } from './plan.js';

/** Floats before a chain's sampler parameters in its input row: chain index limbs, active flag. */
export const HOST_FIT_HEADER = 3;
/** Thread indices are floats in GL: the rows of one call stay below 2^24 floats. */
const ELEMENT_LIMIT = 2 ** 24;
/** Work (samples and fitted levels) a first generation does before any is measured. */
const INITIAL_CALL_UNITS = 2 ** 18;

export interface HostFitPlan {
  /** Kernel (rows, generation, keyH0, keyL0, keyH1, keyL1, …constants) → four floats per chain. */
  readonly source: string;
  readonly constants: readonly KernelArgument[];
  /** Sampler parameters per chain, after the header. */
  readonly parameterWidth: number;
  readonly exactness: GpuPlan['exactness'];
  /** The sampler's parameters for a model state, into `row` (parameterWidth floats). */
  writeParameters(state: Float64Array, row: Float32Array): void;
  /** A generation's statistics (model draws plus ground truth) from the kernel's four floats. */
  readStatistics(output: Float32Array, stats: Float64Array): void;
}

export function hostFitRecipe(backend: GpuBackendName, spec: Pick<RunSpec, 'seed'>, plan: HostFitPlan): KernelRecipe {
  const width = HOST_FIT_HEADER + plan.parameterWidth;
  // Padding rows are inactive (flag 0): the kernel draws nothing for them.
  return { backend, source: plan.source, constants: [...keyLimbs(spec.seed), ...plan.constants], inputWidth: width, padding: new Float32Array(width) };
}

/** Most numbers the chains of one group keep for --regime window:W (256 MB). */
const GROUP_WINDOW_NUMBERS = 2 ** 25;

/**
 * Most chains one call takes: the rows' floats below 2^24, the backend's group limit, and
 * the window's statistics the group's chains keep (`windowNumbers` per chain) within GROUP_WINDOW_NUMBERS.
 */
export function hostFitGroupLimit(plan: HostFitPlan, groupLimit: number, windowNumbers = 0): number {
  const byWindow = windowNumbers > 0 ? Math.floor(GROUP_WINDOW_NUMBERS / windowNumbers) : Infinity;
  return Math.max(1, Math.min(groupLimit, byWindow, Math.floor((ELEMENT_LIMIT - 1) / (HOST_FIT_HEADER + plan.parameterWidth))));
}

export async function* runHostFit(
  runner: KernelRunner,
  spec: RunSpec,
  model: FamilyModel,
  plan: HostFitPlan,
  groupLimit: number,
  options: EngineRunOptions,
): AsyncGenerator<ChainBatch> {
  const shared = new ChainLoopShared(model, spec);
  const width = HOST_FIT_HEADER + plan.parameterWidth;
  const stats = new Float64Array(model.statsSize);
  const finalRow = new Float64Array(model.finalColumns.length);
  const trajectoryRow = new Float64Array(model.trajectoryColumns.length);
  let chainsDone = 0;
  let chainGenerationsDone = 0;
  // The host's refits between kernel calls hold this thread too: groups are sized so that a
  // generation (one kernel call and the refits) takes about TARGET_CALL_MS.
  const pacer = new Pacer(options.signal);
  const unitsPerGeneration = (spec.mode === 'per-sample' ? spec.samples + spec.groundTruth : 1) + plan.parameterWidth;
  const sizer = new CallSizer(INITIAL_CALL_UNITS);

  const range = chainRangeOf(spec); // the ensemble, or this shard's block of it

  for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
    const count = Math.min(spec.batchSize, range.end - first);
    const { collapseTime, outcome, eventTimes, finals } = emptyChainColumns(model, count);
    const recorded = spec.trajectories === null ? 0 : Math.max(0, Math.min(count, spec.trajectories.chains - first));
    const builder = recorded > 0 ? new TrajectoryBuilder(model.trajectoryColumns.length, spec.batchSize) : null;
    let batchGenerations = 0;

    // As the reference records: generation 0, every k-th generation, and the last one.
    const record = (i: number, loop: ChainLoop, last: boolean): void => {
      if (builder === null || i >= recorded || !(loop.generation % spec.trajectories!.every === 0 || last)) return;
      model.writeTrajectory(loop.state, trajectoryRow);
      builder.push(first + i, loop.generation, trajectoryRow);
    };
    const finish = (i: number, loop: ChainLoop): void => {
      collapseTime[i] = loop.collapseTime;
      outcome[i] = loop.outcome;
      for (let e = 0; e < eventTimes.length; e++) eventTimes[e][i] = loop.eventTimes[e];
      model.writeFinals(loop.state, finalRow);
      for (let c = 0; c < finals.length; c++) finals[c][i] = finalRow[c];
      batchGenerations += loop.generation;
    };

    for (let groupStart = 0, groupSize = 0; groupStart < count; groupStart += groupSize) {
      groupSize = Math.min(sizer.items(unitsPerGeneration, groupLimit), count - groupStart);
      // Active chains: their index in the batch and their loop, all at the same generation.
      let active: { index: number; loop: ChainLoop }[] = [];
      for (let i = groupStart; i < groupStart + groupSize; i++) {
        const loop = new ChainLoop(shared);
        const stopped = loop.start();
        const last = stopped || spec.generations === 0;
        record(i, loop, last);
        if (last) finish(i, loop);
        else active.push({ index: i, loop });
      }
      for (let generation = 1; active.length > 0; generation++) {
        const generationStarted = performance.now();
        const rows = new Float32Array(active.length * width);
        active.forEach(({ index, loop }, k) => {
          const chain = first + index;
          rows[k * width] = Math.floor(chain / 65536);
          rows[k * width + 1] = chain % 65536;
          rows[k * width + 2] = 1;
          plan.writeParameters(loop.state, rows.subarray(k * width + HOST_FIT_HEADER, (k + 1) * width));
        });
        const output = await runner.run(rows, active.length, generation, options.signal);
        const continuing: typeof active = [];
        active.forEach((chain, k) => {
          plan.readStatistics(output.subarray(k * 4, k * 4 + 4), stats);
          const stopped = chain.loop.refit(stats);
          const last = stopped || generation === spec.generations;
          record(chain.index, chain.loop, last);
          if (last) finish(chain.index, chain.loop);
          else continuing.push(chain);
        });
        sizer.record(active.length * unitsPerGeneration, performance.now() - generationStarted);
        chainGenerationsDone += active.length;
        active = continuing;
        options.onProgress?.({ chainsDone: chainsDone + groupStart, chainGenerations: chainGenerationsDone });
        await pacer.maybePause();
      }
    }
    chainsDone += count;
    options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
    yield { firstChain: first, count, collapseTime, outcome, eventTimes, finals, chainGenerations: batchGenerations, trajectory: builder?.build() ?? null };
  }
}
