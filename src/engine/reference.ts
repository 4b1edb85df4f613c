/**
 * The CPU reference engine: plain float64 TypeScript, one chain at a time, written to be
 * obviously right. It defines the semantics every other engine is verified against.
 *
 * One generation t of one chain:
 *   1. draw M points from the current model (stream tag Synthetic);
 *   2. with --ground-truth K, draw K points from the truth model (tag GroundTruth);
 *   3. pool the data the regime keeps (this generation, all so far, or the last W);
 *   4. with --prior a, add a pseudo-observations with the truth's moments;
 *   5. refit (maximum likelihood, or with the L2 penalty);
 *   6. test for events and collapse.
 * A chain with no mitigation (K = 0, a = 0, λ = 0) stops at its first collapse (after which,
 * for the discrete families, nothing can change) or when frozen; otherwise it runs all T
 * generations, so final parameters sample the long-run law.
 */
import { machineDescription } from '../environment.js';
import { ScalarGenerator } from '../rng/scalar-generator.js';
import { chainRangeOf, createFamilyModel, type RunSpec } from '../spec/run-spec.js';
import { ChainTable } from './chain-table.js';
import { emptyChainColumns, type ChainBatch } from './batch.js';
import { firstBatchStart, type Engine, type EngineRunOptions } from './engine.js';
import { samplerDraw, simulateChains, type LaneRunHooks } from './lane-runner.js';
import { Pacer, throwIfAborted } from './pacing.js';

/** Generations between looks at the clock (each look is cheap, but not free at this rate). */
const CLOCK_STRIDE = 64;

export { createFamilyModel } from '../spec/run-spec.js';

/**
 * Hooks that report progress and, every YIELD_INTERVAL_MS (engine/pacing.ts), let the event
 * loop run (so signals and progress bars are seen) and stop the run if `signal` was aborted.
 */
export function yieldingHooks(options: EngineRunOptions, progress: { chainsDone: number; chainGenerations: number }): LaneRunHooks {
  const pacer = new Pacer(options.signal);
  let ticks = 0;
  return {
    onGenerations(chainGenerations) {
      progress.chainGenerations += chainGenerations;
    },
    checkpoint() {
      if (++ticks % CLOCK_STRIDE !== 0 || !pacer.due()) return;
      options.onProgress?.(progress);
      return pacer.pause();
    },
  };
}

export class ReferenceEngine implements Engine {
  readonly backend = 'reference';
  /** The processor it runs on, as the simd engine names it (a file's provenance says what made it). */
  readonly device = `float64 TypeScript on 1 thread (${machineDescription().cpu})`;

  async *run(spec: RunSpec, options: EngineRunOptions = {}): AsyncGenerator<ChainBatch> {
    const model = createFamilyModel(spec);
    // One chain at a time: a table of one lane and the scalar samplers of src/rng.
    const generator = new ScalarGenerator({ kind: spec.rng, seed: spec.seed }, 1);
    const table = new ChainTable(model, spec, 1, generator);
    const draw = samplerDraw(table, generator);
    const progress = { chainsDone: 0, chainGenerations: 0 };
    const hooks = yieldingHooks(options, progress);
    const range = chainRangeOf(spec); // the ensemble, or this shard's block of it
    for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
      const count = Math.min(spec.batchSize, range.end - first);
      const rows = { firstChain: first, chainGenerations: 0, ...emptyChainColumns(model, count) };
      const trajectory = await simulateChains(table, generator, draw, first, count, rows, spec.trajectories, hooks);
      progress.chainsDone += count;
      options.onProgress?.(progress);
      yield { ...rows, count, trajectory };
      throwIfAborted(options.signal);
    }
  }

  async close(): Promise<void> {}
}
