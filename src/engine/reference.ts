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
import { FAMILIES } from '../families/index.js';
import type { FamilyModel, StatsSampler } from '../families/family.js';
import { openStream, StreamTag, type AddressableStream } from '../rng/streams.js';
import { InterruptedError } from '../spec/errors.js';
import { hasMitigation, type RunSpec } from '../spec/run-spec.js';
import { TrajectoryBuilder, type ChainBatch } from './batch.js';
import type { Engine, EngineRunOptions } from './engine.js';

/** Yield to the event loop (signals, progress) at least this often. */
const YIELD_INTERVAL_MS = 50;

export function createFamilyModel(spec: RunSpec): FamilyModel {
  return FAMILIES[spec.family].create(spec.familyParams, spec);
}

/** Everything one chain needs, allocated once per run and reused chain after chain. */
class ChainSimulator {
  readonly model: FamilyModel;
  private readonly stream: AddressableStream;
  private readonly sampleModel: StatsSampler;
  private readonly sampleTruth: StatsSampler;
  private readonly state: Float64Array;
  private readonly initial: Float64Array;
  private readonly truth: Float64Array;
  private readonly generationStats: Float64Array;
  private readonly truthStats: Float64Array;
  private readonly pooled: Float64Array;
  private readonly fitStats: Float64Array;
  private readonly pseudo: Float64Array;
  private readonly window: Float64Array[];
  private readonly stopsAtCollapse: boolean;
  readonly finalRow: Float64Array;
  readonly trajectoryRow: Float64Array;
  readonly eventTimes: Int32Array;

  constructor(private readonly spec: RunSpec) {
    this.model = createFamilyModel(spec);
    const model = this.model;
    this.stream = openStream({ kind: spec.rng, seed: spec.seed });
    this.sampleModel = model.createSampler(this.stream, 'model');
    this.sampleTruth = model.createSampler(this.stream, 'truth');
    this.initial = model.initialState();
    this.truth = model.truthState();
    this.state = new Float64Array(model.stateSize);
    this.generationStats = new Float64Array(model.statsSize);
    this.truthStats = new Float64Array(model.statsSize);
    this.pooled = new Float64Array(model.statsSize);
    this.fitStats = new Float64Array(model.statsSize);
    this.pseudo = new Float64Array(model.statsSize);
    model.pseudoStats(spec.prior, this.pseudo);
    const windowWidth = spec.regime.kind === 'window' ? spec.regime.width : 0;
    this.window = Array.from({ length: windowWidth }, () => new Float64Array(model.statsSize));
    this.stopsAtCollapse = !hasMitigation(spec);
    this.finalRow = new Float64Array(model.finalColumns.length);
    this.trajectoryRow = new Float64Array(model.trajectoryColumns.length);
    this.eventTimes = new Int32Array(model.events.length);
  }

  /**
   * Simulates one chain. Returns [collapseTime, outcome, generationsSimulated]; fills
   * eventTimes and finalRow; appends trajectory rows when `trajectory` is given.
   */
  run(chain: number, trajectory: { builder: TrajectoryBuilder; every: number } | null): [number, number, number] {
    const { model, spec, state } = this;
    state.set(this.initial);
    this.pooled.fill(0);
    for (const entry of this.window) entry.fill(0);
    this.eventTimes.fill(-1);
    let collapseTime = -1;
    let outcome = NaN;

    const observe = (t: number): boolean => {
      for (let e = 0; e < model.events.length; e++) {
        if (this.eventTimes[e] < 0 && model.events[e].happened(state)) this.eventTimes[e] = t;
      }
      if (collapseTime < 0 && model.isCollapsed(state)) {
        collapseTime = t;
        outcome = model.hasOutcome ? model.outcome(state) : NaN;
      }
      return this.stopsAtCollapse && (collapseTime >= 0 || model.isFrozen(state));
    };
    const record = (t: number, last: boolean): void => {
      if (trajectory !== null && (t % trajectory.every === 0 || last)) {
        model.writeTrajectory(state, this.trajectoryRow);
        trajectory.builder.push(chain, t, this.trajectoryRow);
      }
    };

    let stopped = observe(0);
    record(0, stopped);
    let t = 0;
    while (!stopped && t < spec.generations) {
      t++;
      this.stream.reset(chain, t, StreamTag.Synthetic);
      this.sampleModel(state, spec.samples, spec.mode, this.generationStats);
      if (spec.groundTruth > 0) {
        this.stream.reset(chain, t, StreamTag.GroundTruth);
        this.sampleTruth(this.truth, spec.groundTruth, spec.mode, this.truthStats);
        model.addStats(this.generationStats, this.truthStats);
      }
      const pooled = this.pool(t);
      let fitted = pooled;
      if (spec.prior > 0) {
        this.fitStats.set(pooled);
        model.addStats(this.fitStats, this.pseudo);
        fitted = this.fitStats;
      }
      model.fit(fitted, state);
      stopped = observe(t);
      record(t, stopped || t === spec.generations);
    }
    model.writeFinals(state, this.finalRow);
    return [collapseTime, outcome, t];
  }

  /** The data the fit sees under the run's regime. */
  private pool(t: number): Float64Array {
    const regime = this.spec.regime;
    if (regime.kind === 'replace') return this.generationStats;
    if (regime.kind === 'accumulate') {
      this.model.addStats(this.pooled, this.generationStats);
      return this.pooled;
    }
    this.window[(t - 1) % regime.width].set(this.generationStats);
    this.pooled.fill(0);
    for (let i = 0; i < Math.min(t, regime.width); i++) this.model.addStats(this.pooled, this.window[i]);
    return this.pooled;
  }
}

export class ReferenceEngine implements Engine {
  readonly backend = 'reference';
  readonly device = 'CPU (float64 TypeScript)';

  async *run(spec: RunSpec, options: EngineRunOptions = {}): AsyncGenerator<ChainBatch> {
    const simulator = new ChainSimulator(spec);
    const model = simulator.model;
    let chainsDone = 0;
    let chainGenerationsDone = 0;
    let lastYield = Date.now();
    for (let first = 0; first < spec.chains; first += spec.batchSize) {
      const count = Math.min(spec.batchSize, spec.chains - first);
      const collapseTime = new Int32Array(count);
      const outcome = new Float64Array(count);
      const eventTimes = model.events.map(() => new Int32Array(count));
      const finals = model.finalColumns.map(() => new Float64Array(count));
      const builder =
        spec.trajectories !== null && first < spec.trajectories.chains ? new TrajectoryBuilder(model.trajectoryColumns.length) : null;
      let chainGenerations = 0;
      for (let i = 0; i < count; i++) {
        const chain = first + i;
        const trajectory =
          builder !== null && chain < spec.trajectories!.chains ? { builder, every: spec.trajectories!.every } : null;
        const [time, value, generations] = simulator.run(chain, trajectory);
        collapseTime[i] = time;
        outcome[i] = value;
        for (let e = 0; e < eventTimes.length; e++) eventTimes[e][i] = simulator.eventTimes[e];
        for (let c = 0; c < finals.length; c++) finals[c][i] = simulator.finalRow[c];
        chainGenerations += generations;
        chainsDone++;
        chainGenerationsDone += generations;
        if (Date.now() - lastYield >= YIELD_INTERVAL_MS) {
          options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = Date.now();
          if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
        }
      }
      options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
      yield {
        firstChain: first,
        count,
        collapseTime,
        outcome,
        eventTimes,
        finals,
        chainGenerations,
        trajectory: builder?.build() ?? null,
      };
      if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
    }
  }

  async close(): Promise<void> {}
}
