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
import { chainRangeOf, type RunSpec } from '../spec/run-spec.js';
import { ChainLoop, ChainLoopShared } from './chain-loop.js';
import { emptyChainColumns, TrajectoryBuilder, type ChainBatch } from './batch.js';
import { firstBatchStart, type Engine, type EngineRunOptions } from './engine.js';

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
  private readonly truth: Float64Array;
  private readonly generationStats: Float64Array;
  private readonly truthStats: Float64Array;
  private readonly loop: ChainLoop;
  readonly finalRow: Float64Array;
  readonly trajectoryRow: Float64Array;

  constructor(private readonly spec: RunSpec) {
    this.model = createFamilyModel(spec);
    const model = this.model;
    this.stream = openStream({ kind: spec.rng, seed: spec.seed });
    this.sampleModel = model.createSampler(this.stream, 'model');
    this.sampleTruth = model.createSampler(this.stream, 'truth');
    this.truth = model.truthState();
    this.generationStats = new Float64Array(model.statsSize);
    this.truthStats = new Float64Array(model.statsSize);
    this.loop = new ChainLoop(new ChainLoopShared(model, spec));
    this.finalRow = new Float64Array(model.finalColumns.length);
    this.trajectoryRow = new Float64Array(model.trajectoryColumns.length);
  }

  get eventTimes(): Int32Array {
    return this.loop.eventTimes;
  }

  /**
   * Simulates one chain. Returns [collapseTime, outcome, generationsSimulated]; fills
   * eventTimes and finalRow; appends trajectory rows when `trajectory` is given.
   */
  run(chain: number, trajectory: { builder: TrajectoryBuilder; every: number } | null): [number, number, number] {
    const { model, spec, loop } = this;
    const record = (t: number, last: boolean): void => {
      if (trajectory !== null && (t % trajectory.every === 0 || last)) {
        model.writeTrajectory(loop.state, this.trajectoryRow);
        trajectory.builder.push(chain, t, this.trajectoryRow);
      }
    };

    let stopped = loop.start();
    record(0, stopped);
    let t = 0;
    while (!stopped && t < spec.generations) {
      t++;
      this.stream.reset(chain, t, StreamTag.Synthetic);
      this.sampleModel(loop.state, spec.samples, spec.mode, this.generationStats);
      if (spec.groundTruth > 0) {
        this.stream.reset(chain, t, StreamTag.GroundTruth);
        this.sampleTruth(this.truth, spec.groundTruth, spec.mode, this.truthStats);
        model.addStats(this.generationStats, this.truthStats);
      }
      stopped = loop.refit(this.generationStats);
      record(t, stopped || t === spec.generations);
    }
    model.writeFinals(loop.state, this.finalRow);
    return [loop.collapseTime, loop.outcome, t];
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
    const range = chainRangeOf(spec); // the ensemble, or this shard's block of it
    for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
      const count = Math.min(spec.batchSize, range.end - first);
      const { collapseTime, outcome, eventTimes, finals } = emptyChainColumns(model, count);
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
