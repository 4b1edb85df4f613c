/**
 * ChainBatch: the results of a contiguous block of chains, as columns. What every
 * engine yields and what the writers and summaries consume; no engine-specific fields.
 */
import { UsageError } from '../spec/errors.js';
export interface ChainBatch {
  readonly firstChain: number;
  readonly count: number;
  /** First generation at which the chain was collapsed; −1 if never within T (censored). */
  readonly collapseTime: Int32Array;
  /** The absorbing value at collapse; NaN when censored or when the family has none. */
  readonly outcome: Float64Array;
  /** One array per family event (first generation it happened, −1 if never). */
  readonly eventTimes: readonly Int32Array[];
  /** One array per final column of the family (NaN = null where the column allows it). */
  readonly finals: readonly Float64Array[];
  /** Generations simulated, summed over the batch's chains (chains may stop early). */
  readonly chainGenerations: number;
  readonly trajectory: TrajectoryRows | null;
}

/** The per-chain columns of a ChainBatch. */
export interface ChainColumns {
  collapseTime: Int32Array;
  outcome: Float64Array;
  eventTimes: Int32Array[];
  finals: Float64Array[];
}

/** The per-chain columns of a batch of `count` chains, empty (zeros). */
export function emptyChainColumns(model: { readonly events: readonly unknown[]; readonly finalColumns: readonly unknown[] }, count: number): ChainColumns {
  return {
    collapseTime: new Int32Array(count),
    outcome: new Float64Array(count),
    eventTimes: model.events.map(() => new Int32Array(count)),
    finals: model.finalColumns.map(() => new Float64Array(count)),
  };
}

/** Per-generation rows for the first chains of a run. */
export interface TrajectoryRows {
  readonly length: number;
  readonly chain: Uint32Array;
  readonly generation: Int32Array;
  /** One array per trajectory column of the family. */
  readonly values: readonly Float64Array[];
}

/** Progress while a run is under way. */
export interface Progress {
  readonly chainsDone: number;
  readonly chainGenerations: number;
}

/**
 * Most trajectory rows one batch holds in memory (about 0.5 GB with two value columns):
 * --batch-size bounds the chains a batch records, and this their rows.
 */
export const MAX_TRAJECTORY_ROWS = 2 ** 24;

/** The message when a batch's trajectories pass MAX_TRAJECTORY_ROWS. */
export function trajectoryRowsRefusal(rows: number, batchSize: number): string {
  return (
    `--trajectories records ${rows > MAX_TRAJECTORY_ROWS ? `up to ${rows}` : `more than ${MAX_TRAJECTORY_ROWS}`} rows in one batch of --batch-size ${batchSize}, ` +
    `more than the ${MAX_TRAJECTORY_ROWS} held in memory: raise every:<k>, or lower chains:<n> or --batch-size`
  );
}

/** A growable set of trajectory rows. */
export class TrajectoryBuilder {
  private chain = new Uint32Array(1024);
  private generation = new Int32Array(1024);
  private values: Float64Array[];
  length = 0;

  /** `batchSize` is the run's --batch-size, for the message when the rows pass MAX_TRAJECTORY_ROWS. */
  constructor(
    private readonly columnCount: number,
    private readonly batchSize = 0,
  ) {
    this.values = Array.from({ length: columnCount }, () => new Float64Array(1024));
  }

  /** Appends one row; `row` holds the family's trajectory columns. */
  push(chain: number, generation: number, row: Float64Array): void {
    if (this.length === this.chain.length) {
      if (this.length >= MAX_TRAJECTORY_ROWS) throw new UsageError(trajectoryRowsRefusal(this.length + 1, this.batchSize));
      this.grow();
    }
    this.chain[this.length] = chain;
    this.generation[this.length] = generation;
    for (let c = 0; c < this.columnCount; c++) this.values[c][this.length] = row[c];
    this.length++;
  }

  build(): TrajectoryRows {
    return {
      length: this.length,
      chain: this.chain.slice(0, this.length),
      generation: this.generation.slice(0, this.length),
      values: this.values.map((column) => column.slice(0, this.length)),
    };
  }

  private grow(): void {
    const capacity = this.chain.length * 2;
    const chain = new Uint32Array(capacity);
    chain.set(this.chain);
    this.chain = chain;
    const generation = new Int32Array(capacity);
    generation.set(this.generation);
    this.generation = generation;
    this.values = this.values.map((column) => {
      const grown = new Float64Array(capacity);
      grown.set(column);
      return grown;
    });
  }
}

/** Trajectory row sets one after another (e.g. chain by chain); null if there are none. */
export function concatTrajectories(parts: readonly (TrajectoryRows | null)[]): TrajectoryRows | null {
  const present = parts.filter((part): part is TrajectoryRows => part !== null);
  if (present.length === 0) return null;
  if (present.length === 1) return present[0];
  const length = present.reduce((sum, part) => sum + part.length, 0);
  const columns = present[0].values.length;
  const chain = new Uint32Array(length);
  const generation = new Int32Array(length);
  const values = Array.from({ length: columns }, () => new Float64Array(length));
  let at = 0;
  for (const part of present) {
    chain.set(part.chain, at);
    generation.set(part.generation, at);
    for (let c = 0; c < columns; c++) values[c].set(part.values[c], at);
    at += part.length;
  }
  return { length, chain, generation, values };
}
