/**
 * The GPU engine: gpu.js kernels advance every active chain of a batch by G generations
 * per call (one thread per chain). Between calls, chains that stopped are retired and the
 * rest compacted, so late calls cost what the surviving chains cost; G adapts so that a
 * call stays near TARGET_CALL_MS. Results do not depend on G, batch size or compaction:
 * every draw is addressed by (seed, chain, generation, tag, draw).
 */
import { FAMILIES } from '../../families/index.js';
import type { FamilyModel } from '../../families/family.js';
import { keyFromSeed } from '../../rng/keys.js';
import { InterruptedError } from '../../spec/errors.js';
import type { RunSpec } from '../../spec/run-spec.js';
import { TrajectoryBuilder, type ChainBatch } from '../batch.js';
import type { Engine, EngineRunOptions } from '../engine.js';
import { kernelMode, openBackend, type GpuBackendName, type OpenBackend } from './backends.js';
import { COLLAPSE_SLOT, RUN_SLOT, type GpuPlan } from './plan.js';
import { assertGpuSupports, gpuPlanFor } from './plans/index.js';
import { PHILOX_STYLE_BY_BACKEND } from '../../../kernels/philox.js';

/** Most generations one call may advance (the kernels' dynamic loop bound). */
export const MAX_CALL_GENERATIONS = 65536;
/** A call should take about this long: long enough to amortise overhead, far from driver watchdogs. */
const TARGET_CALL_MS = 150;
/** Per chain in the (flat) kernel input: chain index limbs, then the four state slots. */
const INPUT_WIDTH = 6;

type Kernel = ((...args: unknown[]) => unknown) & {
  setOutput(output: number[]): unknown;
  kernel?: { constructor: { name: string } };
  destroy?(): void;
};

/** A group of chains advanced together, each with its four slots. */
interface ChainGroup {
  chains: number[];
  slots: Float32Array;
}

export class GpuEngine implements Engine {
  private constructor(private readonly opened: OpenBackend) {}

  static async open(backend: GpuBackendName): Promise<GpuEngine> {
    return new GpuEngine(await openBackend(backend));
  }

  get backend(): string {
    return this.opened.backend;
  }

  get device(): string {
    return this.opened.device;
  }

  async *run(spec: RunSpec, options: EngineRunOptions = {}): AsyncGenerator<ChainBatch> {
    const model = FAMILIES[spec.family].create(spec.familyParams, spec);
    const plan = gpuPlanFor({ spec, model, style: PHILOX_STYLE_BY_BACKEND[this.opened.backend] });
    // Settings beyond gpu.js's typings (loopMaxIterations: the GL loop bound for dynamic loops).
    const settings = {
      output: [1],
      dynamicOutput: true,
      dynamicArguments: true,
      loopMaxIterations: MAX_CALL_GENERATIONS,
      precision: 'single',
      tactic: 'precision',
    } as unknown as Parameters<OpenBackend['gpu']['createKernel']>[1];
    const kernel = this.opened.gpu.createKernel(plan.source, settings) as unknown as Kernel;
    const caller = new KernelCaller(kernel, this.opened.backend, spec, plan, model);
    let chainsDone = 0;
    let chainGenerationsDone = 0;
    try {
      for (let first = 0; first < spec.chains; first += spec.batchSize) {
        const count = Math.min(spec.batchSize, spec.chains - first);
        const results = new BatchResults(first, count, model);
        const trajectoryChains = spec.trajectories === null ? 0 : Math.max(0, Math.min(count, spec.trajectories.chains - first));
        const builder = trajectoryChains > 0 ? new TrajectoryBuilder(model.trajectoryColumns.length) : null;
        const groups: [number, number][] = trajectoryChains > 0 ? [[0, trajectoryChains], [trajectoryChains, count]] : [[0, count]];
        for (const [from, to] of groups) {
          if (to <= from) continue;
          const recording = builder !== null && from === 0 ? { builder, every: spec.trajectories!.every } : null;
          await caller.advance(first + from, to - from, recording, results, options, (generations) => {
            chainGenerationsDone += generations;
            options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
          });
          chainsDone += to - from;
          options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
        }
        yield results.batch(builder?.build() ?? null);
        if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
      }
    } finally {
      kernel.destroy?.();
    }
  }

  async close(): Promise<void> {
    this.opened.close();
  }
}

/** Collects the per-chain results of one batch in chain order. */
class BatchResults {
  readonly collapseTime: Int32Array;
  readonly outcome: Float64Array;
  readonly eventTimes: Int32Array[];
  readonly finals: Float64Array[];
  chainGenerations = 0;
  private readonly state: Float64Array;
  private readonly finalRow: Float64Array;

  constructor(
    readonly first: number,
    readonly count: number,
    private readonly model: FamilyModel,
  ) {
    this.collapseTime = new Int32Array(count);
    this.outcome = new Float64Array(count);
    this.eventTimes = model.events.map(() => new Int32Array(count).fill(-1));
    this.finals = model.finalColumns.map(() => new Float64Array(count));
    this.state = new Float64Array(model.stateSize);
    this.finalRow = new Float64Array(model.finalColumns.length);
  }

  /** Records a finished chain from its final slots. */
  record(chain: number, slots: Float32Array, plan: GpuPlan): void {
    const i = chain - this.first;
    const { collapseTime, outcome } = plan.decodeCollapse(slots[COLLAPSE_SLOT]);
    this.collapseTime[i] = collapseTime;
    this.outcome[i] = outcome;
    plan.modelState(slots, this.state);
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
      eventTimes: this.eventTimes,
      finals: this.finals,
      chainGenerations: this.chainGenerations,
      trajectory,
    };
  }
}

/** Calls one compiled kernel, checking that gpu.js really ran the backend asked for. */
class KernelCaller {
  private checkedMode = false;
  private callGenerations = 4;
  private readonly key: readonly [number, number];
  private readonly trajectoryState: Float64Array;
  private readonly trajectoryRow: Float64Array;

  constructor(
    private readonly kernel: Kernel,
    private readonly backend: GpuBackendName,
    private readonly spec: RunSpec,
    private readonly plan: GpuPlan,
    private readonly model: FamilyModel,
  ) {
    this.key = keyFromSeed(spec.seed);
    this.trajectoryState = new Float64Array(model.stateSize);
    this.trajectoryRow = new Float64Array(model.trajectoryColumns.length);
  }

  /**
   * Advances chains [first, first + count) to their end: collapse (when the plan stops
   * there) or the horizon. With `recording`, calls advance exactly `every` generations and
   * the state of every chain is recorded at each multiple of `every` and where it stops.
   */
  async advance(
    first: number,
    count: number,
    recording: { builder: TrajectoryBuilder; every: number } | null,
    results: BatchResults,
    options: EngineRunOptions,
    onGenerations: (generations: number) => void,
  ): Promise<void> {
    const { plan, spec } = this;
    let group: ChainGroup = { chains: Array.from({ length: count }, (_, i) => first + i), slots: new Float32Array(count * 4) };
    for (let i = 0; i < count; i++) group.slots.set(plan.initialSlots, i * 4);
    const record = (chain: number, slots: Float32Array): void => {
      if (recording === null) return;
      plan.modelState(slots, this.trajectoryState);
      this.model.writeTrajectory(this.trajectoryState, this.trajectoryRow);
      recording.builder.push(chain, slots[RUN_SLOT], this.trajectoryRow);
    };
    let generation = 0;
    group = this.retire(group, generation, results, record, true);
    while (group.chains.length > 0) {
      const generations = recording !== null ? Math.min(recording.every, spec.generations - generation) : Math.min(this.callGenerations, spec.generations - generation);
      const started = performance.now();
      const output = await this.call(group, generations);
      const elapsed = performance.now() - started;
      let simulated = 0;
      for (let i = 0; i < group.chains.length; i++) {
        simulated += output[i * 4 + RUN_SLOT] - group.slots[i * 4 + RUN_SLOT];
      }
      group.slots = output;
      generation += generations;
      onGenerations(simulated);
      group = this.retire(group, generation, results, record, false);
      if (recording === null) {
        const scale = Math.max(0.25, Math.min(4, TARGET_CALL_MS / Math.max(elapsed, 1)));
        this.callGenerations = Math.max(1, Math.min(MAX_CALL_GENERATIONS, Math.round(generations * scale)));
      }
      if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
    }
  }

  /**
   * Records chains that are finished and returns the rest, compacted. Trajectory rows, as
   * in the reference: generation 0, then every k-th generation and the last one simulated.
   */
  private retire(
    group: ChainGroup,
    generation: number,
    results: BatchResults,
    record: (chain: number, slots: Float32Array) => void,
    initial: boolean,
  ): ChainGroup {
    const every = this.spec.trajectories?.every ?? 1;
    const keep: number[] = [];
    for (let i = 0; i < group.chains.length; i++) {
      const slots = group.slots.subarray(i * 4, i * 4 + 4);
      const finished = (this.plan.stopAtCollapse && slots[COLLAPSE_SLOT] >= 0) || generation >= this.spec.generations;
      if (initial || finished || slots[RUN_SLOT] % every === 0) record(group.chains[i], slots);
      if (finished) results.record(group.chains[i], slots, this.plan);
      else keep.push(i);
    }
    const slots = new Float32Array(keep.length * 4);
    keep.forEach((i, j) => slots.set(group.slots.subarray(i * 4, i * 4 + 4), j * 4));
    return { chains: keep.map((i) => group.chains[i]), slots };
  }

  private async call(group: ChainGroup, generations: number): Promise<Float32Array> {
    const n = group.chains.length;
    const packed = new Float32Array(n * INPUT_WIDTH);
    for (let i = 0; i < n; i++) {
      const chain = group.chains[i];
      packed[i * INPUT_WIDTH] = Math.floor(chain / 65536);
      packed[i * INPUT_WIDTH + 1] = chain % 65536;
      packed.set(group.slots.subarray(i * 4, i * 4 + 4), i * INPUT_WIDTH + 2);
    }
    this.kernel.setOutput([n]);
    const [key0, key1] = this.key;
    let result: unknown;
    try {
      result = this.kernel(
        packed,
        generations,
        this.spec.generations,
        Math.floor(key0 / 65536),
        key0 % 65536,
        Math.floor(key1 / 65536),
        key1 % 65536,
        ...this.plan.scalars,
      );
      if (result instanceof Promise) result = await result;
    } catch (error) {
      throw new Error(`the ${this.backend} kernel failed: ${(error as Error).message.split('\n')[0]}`);
    }
    if (!this.checkedMode) {
      const ran = kernelMode(this.kernel);
      if (ran !== this.backend) throw new Error(`gpu.js ran the kernel on ${ran}, not ${this.backend}: refusing to report a backend that did not run`);
      this.checkedMode = true;
    }
    return flattenRows(result, n);
  }
}

/** gpu.js returns vec4 outputs as an array of 4-element typed arrays; flatten them. */
function flattenRows(result: unknown, n: number): Float32Array {
  const flat = new Float32Array(n * 4);
  const rows = result as ArrayLike<ArrayLike<number>>;
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    flat[i * 4] = row[0];
    flat[i * 4 + 1] = row[1];
    flat[i * 4 + 2] = row[2];
    flat[i * 4 + 3] = row[3];
  }
  return flat;
}

export { assertGpuSupports };
