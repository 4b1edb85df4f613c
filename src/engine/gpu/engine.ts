/**
 * The GPU engine: a gpu.js kernel advances every active chain of a batch by G generations
 * per call (one thread per chain). Between calls, finished chains are retired and the rest
 * compacted, so late calls cost what the surviving chains cost; group sizes and G adapt so
 * that a call stays near TARGET_CALL_MS (engine/pacing.ts), which also bounds how long a
 * signal waits. Results do not depend on G, on group or batch sizes, on compaction or on
 * how chains are split over worker threads: every draw is addressed by
 * (seed, chain, generation, tag, draw).
 */
import type { FamilyModel } from '../../families/family.js';
import type { GpuPlan } from '../../families/routes.js';
import { UsageError } from '../../spec/errors.js';
import { chainRangeOf, createFamilyModel, type RunSpec } from '../../spec/run-spec.js';
import { absorptionFromFirstCollapse, TrajectoryBuilder, type ChainBatch } from '../batch.js';
import { firstBatchStart, type Engine, type EngineRunOptions } from '../engine.js';
import { CallSizer, throwIfAborted } from '../pacing.js';
import { PHILOX_STYLE_BY_BACKEND } from '../../../kernels/philox.js';
import type { OpenBackend } from './backends.js';
import type { GpuBackendName, KernelBackendName } from './names.js';
import { inThreadRunners, INPUT_WIDTH, MAX_CALL_GENERATIONS, type KernelRecipe, type KernelRunner, type KernelRunnerFactory } from './kernel-runner.js';
import { chainKernelRecipe, COLLAPSE_SLOT, RUN_SLOT } from './plan.js';
import { gpuRouteFor } from './routes.js';
import { hostFitGroupLimit, hostFitRecipe, runHostFit } from './host-fit.js';
import { runWeightsPipeline } from './weights-pipeline.js';
import { windowGenerations } from '../chain-table.js';

/**
 * Work a first call does before any is measured, in samples drawn (chain·generations ×
 * points per generation): a few tens of milliseconds on a software rasteriser.
 */
const INITIAL_CALL_UNITS = 2 ** 18;
/**
 * Most chains advanced together. A call's fixed costs (packing, transfers, gpu.js's
 * per-thread result arrays) grow with the chains, while the generations per call shrink as
 * 1/chains at a fixed call time: past a point overhead wins (measured: sufficient mode at
 * 10⁶ chains ran at a third of its 10⁴-chain speed). Larger batches are advanced in groups.
 */
const GROUP_LIMIT: Record<KernelBackendName, number> = { cpu: 65536, webasm: 65536, webgpu: 262144, headlessgl: 262144, webgl2: 262144 };

/** Chains advanced together, with their four slots each. */
interface ChainGroup {
  chains: number[];
  slots: Float32Array;
}

export class GpuEngine implements Engine {
  /** Compiled kernels by source and constant arguments: a second run of the same configuration compiles nothing. */
  private readonly runners = new Map<string, KernelRunner>();

  private constructor(
    private readonly opened: OpenBackend,
    private readonly createRunner: KernelRunnerFactory,
  ) {}

  /** The CLI's engine: a backend opened in Node (./backends.ts), cpu and webasm spread over worker threads. */
  static async open(backend: GpuBackendName): Promise<GpuEngine> {
    // Node-only modules, loaded here so that a browser bundle of this engine (web/) never loads them.
    const [{ openBackend }, { nodeKernelRunners }] = await Promise.all([import('./backends.js'), import('./worker-pool-runner.js')]);
    return new GpuEngine(await openBackend(backend), nodeKernelRunners);
  }

  /** An engine on a gpu.js instance opened elsewhere (a browser's), its kernels run by `createRunner`. */
  static on(opened: OpenBackend, createRunner: KernelRunnerFactory = inThreadRunners): GpuEngine {
    return new GpuEngine(opened, createRunner);
  }

  get backend(): string {
    return this.opened.backend;
  }

  get device(): string {
    return this.opened.device;
  }

  async *run(spec: RunSpec, options: EngineRunOptions = {}): AsyncGenerator<ChainBatch> {
    const model = createFamilyModel(spec);
    const style = PHILOX_STYLE_BY_BACKEND[this.opened.backend];
    const route = await gpuRouteFor(spec, this.opened.backend);
    if (typeof route === 'string') throw new UsageError(route);
    if (route.kind === 'pipeline') {
      // K weights per chain: a pipeline of kernels per generation (weights-pipeline.ts).
      yield* runWeightsPipeline(this.opened, spec, model, route.plan(spec), options);
      return;
    }
    if (route.kind === 'host-fit') {
      const plan = route.plan(spec, model, style);
      const runner = await this.runnerFor(hostFitRecipe(this.opened.backend, spec, plan));
      yield* runHostFit(runner, spec, model, plan, hostFitGroupLimit(plan, GROUP_LIMIT[this.opened.backend], windowGenerations(spec) * model.statsSize), options);
      return;
    }
    const plan = route.plan({ spec, model, style });
    const runner = await this.runnerFor(chainKernelRecipe(this.opened.backend, spec, plan));
    const advancer = new ChainAdvancer(runner, spec, plan, model);
    let chainsDone = 0;
    let chainGenerationsDone = 0;
    const range = chainRangeOf(spec); // the ensemble, or this shard's block of it
    for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
      const count = Math.min(spec.batchSize, range.end - first);
      const results = new BatchResults(first, count, model, plan, spec.generations);
      // Trajectory chains advance in calls of exactly `every` generations, in their own group.
      const recorded = spec.trajectories === null ? 0 : Math.max(0, Math.min(count, spec.trajectories.chains - first));
      const builder = recorded > 0 ? new TrajectoryBuilder(model.trajectoryColumns.length, spec.batchSize) : null;
      // The others in groups sized so that one generation of a group is about one call's work
      // (an in-thread backend then sees signals between calls; see engine/pacing.ts).
      for (let from = 0; from < count; ) {
        const to = from === 0 && recorded > 0 ? recorded : Math.min(count, from + advancer.groupSize(GROUP_LIMIT[this.opened.backend]));
        await advancer.advance(first + from, to - from, from === 0 && recorded > 0 ? builder : null, results, options, (generations) => {
          chainGenerationsDone += generations;
          options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
        });
        chainsDone += to - from;
        options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
        from = to;
      }
      yield results.batch(builder?.build() ?? null);
      throwIfAborted(options.signal);
    }
  }

  /**
   * Compiles the kernel `spec` runs on, which its first batch would otherwise wait for (a
   * browser's shader compiler may take seconds): a page computes its first batches on the CPU
   * meanwhile. False for the weights pipeline, whose kernels compile as it runs.
   */
  async prepare(spec: RunSpec): Promise<boolean> {
    const route = await gpuRouteFor(spec, this.opened.backend);
    if (typeof route === 'string') throw new UsageError(route);
    if (route.kind === 'pipeline') return false;
    const model = createFamilyModel(spec);
    const style = PHILOX_STYLE_BY_BACKEND[this.opened.backend];
    if (route.kind === 'host-fit') await this.runnerFor(hostFitRecipe(this.opened.backend, spec, route.plan(spec, model, style)));
    else await this.runnerFor(chainKernelRecipe(this.opened.backend, spec, route.plan({ spec, model, style })));
    return true;
  }

  private async runnerFor(recipe: KernelRecipe): Promise<KernelRunner> {
    const key = `${recipe.source}\u0000${JSON.stringify(recipe.constants.map((value) => (typeof value === 'number' ? value : Array.from(value))))}`;
    let runner = this.runners.get(key);
    if (runner === undefined) {
      runner = await this.createRunner(recipe, this.opened.gpu as never);
      this.runners.set(key, runner);
    }
    return runner;
  }

  async close(): Promise<void> {
    for (const runner of this.runners.values()) await runner.destroy();
    this.runners.clear();
    this.opened.close();
  }
}

/** Collects the per-chain results of one batch in chain order. */
class BatchResults {
  private readonly collapseTime: Int32Array;
  private readonly outcome: Float64Array;
  private readonly eventTimes: Int32Array[];
  private readonly finals: Float64Array[];
  private chainGenerations = 0;
  private readonly state: Float64Array;
  private readonly finalRow: Float64Array;

  constructor(
    private readonly first: number,
    private readonly count: number,
    private readonly model: FamilyModel,
    private readonly plan: GpuPlan,
    private readonly generations: number,
  ) {
    this.collapseTime = new Int32Array(count);
    this.outcome = new Float64Array(count);
    this.eventTimes = model.events.map(() => new Int32Array(count).fill(-1));
    this.finals = model.finalColumns.map(() => new Float64Array(count));
    this.state = new Float64Array(model.stateSize);
    this.finalRow = new Float64Array(model.finalColumns.length);
  }

  /** Records a finished chain from its final slots. */
  record(chain: number, slots: Float32Array): void {
    const i = chain - this.first;
    // The up-front float32 limits (plans/index.ts) make this all but impossible; a chain
    // that still left the range is refused, never written as NaN.
    if (!Number.isFinite(slots[0]) || !Number.isFinite(slots[1])) {
      throw new UsageError(`chain ${chain} left the float32 range at generation ${slots[RUN_SLOT]} (its statistics became ${slots[0]}, ${slots[1]}); run this configuration with --backend reference`);
    }
    const { collapseTime, outcome } = this.plan.decodeCollapse(slots[COLLAPSE_SLOT]);
    this.collapseTime[i] = collapseTime;
    this.outcome[i] = outcome;
    this.plan.modelState(slots, this.state);
    this.model.writeFinals(this.state, this.finalRow);
    for (let c = 0; c < this.finals.length; c++) this.finals[c][i] = this.finalRow[c];
    this.chainGenerations += slots[RUN_SLOT];
  }

  batch(trajectory: ChainBatch['trajectory']): ChainBatch {
    return {
      firstChain: this.first,
      count: this.count,
      collapseTime: this.collapseTime,
      outcome: this.outcome,
      ...absorptionFromFirstCollapse(this.model.absorption, this.collapseTime, this.generations),
      eventTimes: this.eventTimes,
      finals: this.finals,
      chainGenerations: this.chainGenerations,
      trajectory,
    };
  }
}

/** Advances groups of chains to their end with repeated kernel calls. */
class ChainAdvancer {
  private readonly sizer = new CallSizer(INITIAL_CALL_UNITS);
  /** Samples a chain draws per generation (1 in sufficient mode: one draw of each statistic). */
  private readonly unitsPerGeneration: number;
  private readonly trajectoryState: Float64Array;
  private readonly trajectoryRow: Float64Array;

  constructor(
    private readonly runner: KernelRunner,
    private readonly spec: RunSpec,
    private readonly plan: GpuPlan,
    private readonly model: FamilyModel,
  ) {
    this.trajectoryState = new Float64Array(model.stateSize);
    this.trajectoryRow = new Float64Array(model.trajectoryColumns.length);
    this.unitsPerGeneration = spec.mode === 'per-sample' ? spec.samples + spec.groundTruth : 1;
  }

  /** Chains in the next group: one generation of them is about one call's work. */
  groupSize(limit: number): number {
    return this.sizer.items(this.unitsPerGeneration, limit);
  }

  /**
   * Advances chains [first, first + count) until each is finished: stopped at collapse (when
   * the plan stops there) or at the horizon. With `trajectory`, calls advance exactly `every`
   * generations and every chain's state is recorded as the reference records it.
   */
  async advance(
    first: number,
    count: number,
    trajectory: TrajectoryBuilder | null,
    results: BatchResults,
    options: EngineRunOptions,
    onGenerations: (generations: number) => void,
  ): Promise<void> {
    const every = trajectory !== null ? this.spec.trajectories!.every : 0;
    let group: ChainGroup = { chains: Array.from({ length: count }, (_, i) => first + i), slots: new Float32Array(count * 4) };
    for (let i = 0; i < count; i++) group.slots.set(this.plan.initialSlots, i * 4);
    let generation = 0;
    group = this.retire(group, generation, results, trajectory, true);
    while (group.chains.length > 0) {
      const fitting = Math.floor(this.sizer.budget() / (group.chains.length * this.unitsPerGeneration));
      const callGenerations = Math.max(1, Math.min(MAX_CALL_GENERATIONS, fitting));
      const generations = Math.min(trajectory !== null ? every : callGenerations, this.spec.generations - generation);
      const started = performance.now();
      const output = await this.runner.run(this.pack(group), group.chains.length, generations, options.signal);
      const elapsed = performance.now() - started;
      let simulated = 0;
      for (let i = 0; i < group.chains.length; i++) simulated += output[i * 4 + RUN_SLOT] - group.slots[i * 4 + RUN_SLOT];
      group.slots = output;
      generation += generations;
      onGenerations(simulated);
      this.sizer.record(simulated * this.unitsPerGeneration, elapsed);
      group = this.retire(group, generation, results, trajectory, false);
      throwIfAborted(options.signal);
    }
  }

  private pack(group: ChainGroup): Float32Array {
    const n = group.chains.length;
    const packed = new Float32Array(n * INPUT_WIDTH);
    for (let i = 0; i < n; i++) {
      const chain = group.chains[i];
      const at = i * INPUT_WIDTH;
      packed[at] = Math.floor(chain / 65536);
      packed[at + 1] = chain % 65536;
      packed[at + 2] = group.slots[i * 4];
      packed[at + 3] = group.slots[i * 4 + 1];
      packed[at + 4] = group.slots[i * 4 + 2];
      packed[at + 5] = group.slots[i * 4 + 3];
    }
    return packed;
  }

  /**
   * Records finished chains and returns the rest, compacted. Trajectory rows, as in the
   * reference: generation 0, then every k-th generation and the last one simulated.
   */
  private retire(group: ChainGroup, generation: number, results: BatchResults, trajectory: TrajectoryBuilder | null, initial: boolean): ChainGroup {
    const every = this.spec.trajectories?.every ?? 1;
    const keep: number[] = [];
    for (let i = 0; i < group.chains.length; i++) {
      const slots = group.slots.subarray(i * 4, i * 4 + 4);
      const finished = (this.plan.stopAtCollapse && slots[COLLAPSE_SLOT] >= 0) || generation >= this.spec.generations;
      if (trajectory !== null && (initial || finished || slots[RUN_SLOT] % every === 0)) {
        this.plan.modelState(slots, this.trajectoryState);
        this.model.writeTrajectory(this.trajectoryState, this.trajectoryRow);
        trajectory.push(group.chains[i], slots[RUN_SLOT], this.trajectoryRow);
      }
      if (finished) results.record(group.chains[i], slots);
      else keep.push(i);
    }
    const slots = new Float32Array(keep.length * 4);
    keep.forEach((i, j) => slots.set(group.slots.subarray(i * 4, i * 4 + 4), j * 4));
    return { chains: keep.map((i) => group.chains[i]), slots };
  }
}
