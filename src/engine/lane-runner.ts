/**
 * The generation loop every CPU path shares. Chains are simulated in groups of up to
 * table.capacity lanes, all of a group at the same generation: each generation the caller's
 * `draw` fills the active lanes' statistics (a family sampler over a LaneGenerator, or a GPU
 * kernel on the host-fit path), then each lane is refitted and observed through the ChainTable;
 * lanes whose chain stopped are recorded and dropped from the active list. The reference is
 * this loop with groups of one lane; nothing about a chain's result depends on the group.
 */
import type { LaneGenerator } from '../rng/lanes.js';
import { StreamTag } from '../rng/streams.js';
import { concatTrajectories, TrajectoryBuilder, type ChainColumns, type TrajectoryRows } from './batch.js';
import type { ChainTable } from './chain-table.js';

/** The lanes a generation draws for: the first `activeCount` entries of `active`. */
export interface LaneSet {
  readonly active: Uint32Array;
  activeCount: number;
  /** Lane `lane` now simulates chain `chain` (its draws come from that chain's streams). */
  assign(lane: number, chain: number): void;
}

/** Fills the drawn statistics (model points plus ground truth, pooled) of the active lanes for generation t. */
export type DrawGeneration = (t: number) => void | Promise<void>;

export interface LaneRunHooks {
  /** Lanes the next group may take (at most the table's capacity): lets an engine size groups to its pace. */
  groupSize?(): number;
  /** Chain·generations simulated since the last call (called after each generation). */
  onGenerations?(chainGenerations: number): void;
  /**
   * Called between generations and between groups; may return a promise (to let the event loop
   * run) and throws to stop the run.
   */
  checkpoint?(): void | Promise<void>;
}

/** A batch's per-chain results, filled in chain order (index = chain − firstChain). */
export interface BatchRows extends ChainColumns {
  readonly firstChain: number;
  chainGenerations: number;
}

/** Simple lane set for paths without a LaneGenerator (the host-fit path). */
export class PlainLaneSet implements LaneSet {
  readonly active: Uint32Array;
  activeCount = 0;
  readonly chains: Uint32Array;

  constructor(capacity: number) {
    this.active = new Uint32Array(capacity);
    this.chains = new Uint32Array(capacity);
  }

  assign(lane: number, chain: number): void {
    this.chains[lane] = chain;
  }
}

export interface TrajectoryRequest {
  /** Chains below this index record trajectories. */
  readonly chains: number;
  /** Every k-th generation, plus 0 and the last. */
  readonly every: number;
}

/**
 * Simulates chains [first, first + count) into `rows`, in groups of at most table.capacity.
 * Returns the trajectory rows of the recorded chains, chain by chain, or null if none.
 */
export async function simulateChains(
  table: ChainTable,
  lanes: LaneSet,
  draw: DrawGeneration,
  first: number,
  count: number,
  rows: BatchRows,
  trajectory: TrajectoryRequest | null,
  hooks: LaneRunHooks = {},
): Promise<TrajectoryRows | null> {
  const { model, spec } = table;
  const horizon = spec.generations;
  const finalRow = new Float64Array(model.finalColumns.length);
  const trajectoryRow = new Float64Array(model.trajectoryColumns.length);
  const eventCount = model.events.length;
  const recordedChains = trajectory === null ? 0 : Math.max(0, Math.min(count, trajectory.chains - first));
  const builders = Array.from({ length: recordedChains }, () => new TrajectoryBuilder(model.trajectoryColumns.length));
  const chainOfLane = new Float64Array(table.capacity);

  const record = (lane: number, last: boolean): void => {
    const chain = chainOfLane[lane];
    if (chain - first >= recordedChains) return;
    const t = table.generation[lane];
    if (t % trajectory!.every !== 0 && !last) return;
    model.writeTrajectory(table.stateOf(lane), trajectoryRow);
    builders[chain - first].push(chain, t, trajectoryRow);
  };
  const finish = (lane: number): void => {
    const i = chainOfLane[lane] - rows.firstChain;
    rows.collapseTime[i] = table.collapseTime[lane];
    rows.outcome[i] = table.outcome[lane];
    for (let e = 0; e < eventCount; e++) rows.eventTimes[e][i] = table.eventTimes[lane * eventCount + e];
    model.writeFinals(table.stateOf(lane), finalRow);
    for (let c = 0; c < finalRow.length; c++) rows.finals[c][i] = finalRow[c];
    rows.chainGenerations += table.generation[lane];
  };

  for (let groupStart = 0, groupSize = 0; groupStart < count; groupStart += groupSize) {
    groupSize = Math.min(table.capacity, count - groupStart, Math.max(1, hooks.groupSize?.() ?? table.capacity));
    const active = lanes.active;
    let activeCount = 0;
    for (let lane = 0; lane < groupSize; lane++) {
      const chain = first + groupStart + lane;
      chainOfLane[lane] = chain;
      lanes.assign(lane, chain);
      const last = table.start(lane) || horizon === 0;
      if (recordedChains > 0) record(lane, last);
      if (last) finish(lane);
      else active[activeCount++] = lane;
    }
    for (let t = 1; activeCount > 0; t++) {
      lanes.activeCount = activeCount;
      const pending = draw(t);
      if (pending !== undefined) await pending;
      let kept = 0;
      const atHorizon = t === horizon;
      for (let k = 0; k < activeCount; k++) {
        const lane = active[k];
        const last = table.refit(lane) || atHorizon;
        if (recordedChains > 0) record(lane, last);
        if (last) finish(lane);
        else active[kept++] = lane;
      }
      hooks.onGenerations?.(activeCount);
      activeCount = kept;
      if (hooks.checkpoint !== undefined) {
        const paused = hooks.checkpoint();
        if (paused !== undefined) await paused;
      }
    }
    lanes.activeCount = 0;
  }
  // One chain's trajectory after another, in chain order.
  return concatTrajectories(builders.map((builder) => builder.build()));
}

/**
 * The standard draw of a CPU engine: the family's own sampler over a LaneGenerator for the
 * model's points (stream tag Synthetic), then the ground truth's (tag GroundTruth), pooled.
 */
export function samplerDraw(table: ChainTable, generator: LaneGenerator): DrawGeneration {
  const { model, spec } = table;
  const sampleModel = model.createSampler(generator, 'model');
  const sampleTruth = spec.groundTruth > 0 ? model.createSampler(generator, 'truth') : null;
  const states = table.stateColumn;
  const drawn = table.drawnColumn;
  const truth = table.truthColumn;
  const truthDrawn = table.truthDrawnColumn;
  return (t) => {
    generator.open(t, StreamTag.Synthetic);
    sampleModel(states, spec.samples, spec.mode, drawn);
    if (sampleTruth !== null) {
      generator.open(t, StreamTag.GroundTruth);
      sampleTruth(truth, spec.groundTruth, spec.mode, truthDrawn);
      const { active, activeCount } = generator;
      for (let k = 0; k < activeCount; k++) table.addTruth(active[k]);
    }
  };
}
