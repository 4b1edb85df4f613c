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
import { chainRangeOf, type RunSpec } from '../spec/run-spec.js';
import { ChainLoop, ChainLoopShared } from './chain-loop.js';
import { emptyChainColumns, TrajectoryBuilder, type ChainBatch } from './batch.js';
import { firstBatchStart, type Engine, type EngineRunOptions } from './engine.js';
import { Pacer, throwIfAborted } from './pacing.js';

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

  private chain = 0;
  private trajectory: { builder: TrajectoryBuilder; every: number } | null = null;
  private generation = 0;
  private stopped = false;

  private record(t: number, last: boolean): void {
    const trajectory = this.trajectory;
    if (trajectory !== null && (t % trajectory.every === 0 || last)) {
      this.model.writeTrajectory(this.loop.state, this.trajectoryRow);
      trajectory.builder.push(this.chain, t, this.trajectoryRow);
    }
  }

  /** Starts one chain (appending trajectory rows when `trajectory` is given); returns whether it is already finished. */
  begin(chain: number, trajectory: { builder: TrajectoryBuilder; every: number } | null): boolean {
    this.chain = chain;
    this.trajectory = trajectory;
    this.generation = 0;
    this.stopped = this.loop.start();
    this.record(0, this.stopped);
    return this.stopped || this.spec.generations === 0;
  }

  /**
   * Simulates generations of the chain begun until it finishes or `pacer` says the event
   * loop is due a turn; returns whether it finished. A chain of many generations is thus
   * simulated in slices, with the signals seen between them.
   */
  advance(pacer: Pacer): boolean {
    const { model, spec, loop } = this;
    while (!this.stopped && this.generation < spec.generations) {
      const t = ++this.generation;
      this.stream.reset(this.chain, t, StreamTag.Synthetic);
      this.sampleModel(loop.state, spec.samples, spec.mode, this.generationStats);
      if (spec.groundTruth > 0) {
        this.stream.reset(this.chain, t, StreamTag.GroundTruth);
        this.sampleTruth(this.truth, spec.groundTruth, spec.mode, this.truthStats);
        model.addStats(this.generationStats, this.truthStats);
      }
      this.stopped = loop.refit(this.generationStats);
      this.record(t, this.stopped || t === spec.generations);
      if ((t & 15) === 0 && pacer.due()) return this.stopped || t === spec.generations;
    }
    return true;
  }

  /** The finished chain: [collapseTime, outcome, generationsSimulated]; fills eventTimes and finalRow. */
  finish(): [number, number, number] {
    this.model.writeFinals(this.loop.state, this.finalRow);
    return [this.loop.collapseTime, this.loop.outcome, this.generation];
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
    const pacer = new Pacer(options.signal);
    const range = chainRangeOf(spec); // the ensemble, or this shard's block of it
    for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
      const count = Math.min(spec.batchSize, range.end - first);
      const { collapseTime, outcome, eventTimes, finals } = emptyChainColumns(model, count);
      const builder =
        spec.trajectories !== null && first < spec.trajectories.chains ? new TrajectoryBuilder(model.trajectoryColumns.length, spec.batchSize) : null;
      let chainGenerations = 0;
      for (let i = 0; i < count; i++) {
        const chain = first + i;
        const trajectory =
          builder !== null && chain < spec.trajectories!.chains ? { builder, every: spec.trajectories!.every } : null;
        let finished = simulator.begin(chain, trajectory);
        while (!finished) {
          finished = simulator.advance(pacer);
          if (pacer.due()) {
            options.onProgress?.({ chainsDone, chainGenerations: chainGenerationsDone });
            await pacer.pause();
          }
        }
        const [time, value, generations] = simulator.finish();
        collapseTime[i] = time;
        outcome[i] = value;
        for (let e = 0; e < eventTimes.length; e++) eventTimes[e][i] = simulator.eventTimes[e];
        for (let c = 0; c < finals.length; c++) finals[c][i] = simulator.finalRow[c];
        chainGenerations += generations;
        chainsDone++;
        chainGenerationsDone += generations;
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
      throwIfAborted(options.signal);
    }
  }

  async close(): Promise<void> {}
}
