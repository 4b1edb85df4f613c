/**
 * The GPU engine's host-fit path, for models whose fit does not fit in a kernel thread
 * (coupled Ising: a Newton solve over N + 1 levels per chain and generation). Each
 * generation, the host writes every active chain's sampler parameters from its float64
 * model state, one kernel call draws the generation's data for all of them, and the host
 * pools, refits and observes each chain with the reference's own ChainTable. The draws
 * follow the reference's stream positions, so where the sampler's decisions are exact
 * integer comparisons (per-sample) the chains are the reference's, bit for bit.
 */
import type { FamilyModel } from '../../families/family.js';
import { chainRangeOf, type RunSpec } from '../../spec/run-spec.js';
import { emptyChainColumns, type ChainBatch } from '../batch.js';
import { ChainTable } from '../chain-table.js';
import { PlainLaneSet, simulateChains } from '../lane-runner.js';
import { firstBatchStart, type EngineRunOptions } from '../engine.js';
import { CallSizer, Pacer } from '../pacing.js';
import type { KernelRecipe, KernelRunner } from './kernel-runner.js';
import type { KernelBackendName } from './names.js';
import { keyLimbs } from './plan.js';
import type { HostFitPlan } from '../../families/routes.js';

export type { HostFitPlan } from '../../families/routes.js';

/** Floats before a chain's sampler parameters in its input row: chain index limbs, active flag. */
export const HOST_FIT_HEADER = 3;
/** Thread indices are floats in GL: the rows of one call stay below 2^24 floats. */
const ELEMENT_LIMIT = 2 ** 24;
/** Work (samples and fitted levels) a first generation does before any is measured. */
const INITIAL_CALL_UNITS = 2 ** 18;


export function hostFitRecipe(backend: KernelBackendName, spec: Pick<RunSpec, 'seed'>, plan: HostFitPlan): KernelRecipe {
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
  const width = HOST_FIT_HEADER + plan.parameterWidth;
  const table = new ChainTable(model, spec, groupLimit, { allocate: (floats) => new Float64Array(floats) });
  const lanes = new PlainLaneSet(groupLimit);
  const rows = new Float32Array(groupLimit * width);
  // The host's refits between kernel calls hold this thread too: groups are sized so that a
  // generation (one kernel call and the refits) takes about TARGET_CALL_MS, and the event
  // loop turns between generations so that a signal is seen.
  const pacer = new Pacer(options.signal);
  const unitsPerGeneration = (spec.mode === 'per-sample' ? spec.samples + spec.groundTruth : 1) + plan.parameterWidth;
  const sizer = new CallSizer(INITIAL_CALL_UNITS);
  let generationStarted = 0;
  // One kernel call draws the generation for every active lane; the host reads its statistics.
  const draw = async (generation: number): Promise<void> => {
    generationStarted = performance.now();
    const { active, activeCount, chains } = lanes;
    for (let k = 0; k < activeCount; k++) {
      const chain = chains[active[k]];
      rows[k * width] = Math.floor(chain / 65536);
      rows[k * width + 1] = chain % 65536;
      rows[k * width + 2] = 1;
      plan.writeParameters(table.stateOf(active[k]), rows.subarray(k * width + HOST_FIT_HEADER, (k + 1) * width));
    }
    const output = await runner.run(rows.subarray(0, activeCount * width), activeCount, generation, options.signal);
    for (let k = 0; k < activeCount; k++) plan.readStatistics(output.subarray(k * 4, k * 4 + 4), table.drawnOf(active[k]));
  };
  const progress = { chainsDone: 0, chainGenerations: 0 };
  const hooks = {
    groupSize: () => sizer.items(unitsPerGeneration, groupLimit),
    onGenerations(chainGenerations: number) {
      sizer.record(chainGenerations * unitsPerGeneration, performance.now() - generationStarted);
      progress.chainGenerations += chainGenerations;
      options.onProgress?.(progress);
    },
    checkpoint: () => pacer.maybePause(),
  };
  const range = chainRangeOf(spec); // the ensemble, or this shard's block of it
  for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
    const count = Math.min(spec.batchSize, range.end - first);
    const batch = { firstChain: first, chainGenerations: 0, ...emptyChainColumns(model, count) };
    const trajectory = await simulateChains(table, lanes, draw, first, count, batch, spec.trajectories, hooks);
    progress.chainsDone += count;
    options.onProgress?.(progress);
    yield { ...batch, count, trajectory };
  }
}
