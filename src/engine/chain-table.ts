/**
 * Steps 3–6 of a generation (see reference.ts) for a table of chains, one row per lane: pool the
 * data the regime keeps, add the prior's pseudo-observations, refit, test for events and
 * collapse. Every CPU path runs its chains through this one implementation — the reference
 * (one lane), the WebAssembly engine (thousands of lanes per worker) and the GPU host-fit path
 * (statistics drawn by a kernel) — so they cannot differ in what they do with the same draws.
 *
 * The rows a sampler reads and writes (model states, drawn statistics) come from an allocator,
 * so that they can live in a WebAssembly generator's memory.
 */
import type { FamilyModel } from '../families/family.js';
import { column, type Column } from '../rng/lanes.js';
import { UsageError } from '../spec/errors.js';
import { hasMitigation, type RunSpec } from '../spec/run-spec.js';

/**
 * Generations of statistics a chain keeps under --regime window:W: W, but never more than
 * the run has (a window wider than --generations pools the same data as one of exactly
 * --generations), so window:10⁸ with T = 10 keeps 10, not 10⁸.
 */
export function windowGenerations(spec: Pick<RunSpec, 'regime' | 'generations'>): number {
  return spec.regime.kind === 'window' ? Math.min(spec.regime.width, spec.generations) : 0;
}

export interface RowAllocator {
  allocate(floats: number): Float64Array;
}

/** Float64s a table of `capacity` lanes takes from its allocator. */
export function tableAllocatorFloats(model: FamilyModel, spec: RunSpec, capacity: number): number {
  return capacity * (model.stateSize + 2 * model.statsSize) + model.stateSize + 64;
}

/** Bytes one lane of a table holds, allocator rows and the table's own arrays together. */
export function tableBytesPerLane(model: FamilyModel, spec: RunSpec): number {
  const windowWidth = windowGenerations(spec);
  const pooledRows = spec.regime.kind === 'replace' ? 0 : 1 + windowWidth;
  return 8 * (model.stateSize + (3 + pooledRows) * model.statsSize + model.events.length + 4) + 64 * (4 + windowWidth);
}

/** `count` consecutive rows of `width` floats, as views. */
function rowsOf(data: Float64Array, width: number, count: number): Float64Array[] {
  return Array.from({ length: count }, (_, i) => data.subarray(i * width, (i + 1) * width));
}

export class ChainTable {
  /** Each lane's model (stateSize floats per lane), in the allocator's memory. */
  readonly states: Float64Array;
  /** Each lane's statistics of the generation being drawn (statsSize floats per lane). */
  readonly drawn: Float64Array;
  /** The ground truth's points of the generation, added to `drawn` by addTruth. */
  readonly truthDrawn: Float64Array;
  /** The ground truth's model, once: a stride-0 column for every lane. */
  readonly truthState: Float64Array;
  readonly collapseTime: Int32Array;
  readonly outcome: Float64Array;
  /** Generations each lane has simulated. */
  readonly generation: Int32Array;
  /** First generation of each family event, eventCount per lane (−1: not yet). */
  readonly eventTimes: Int32Array;

  private readonly stateRows: Float64Array[];
  private readonly drawnRows: Float64Array[];
  private readonly truthRows: Float64Array[];
  private readonly pooledRows: Float64Array[];
  private readonly windowRows: Float64Array[][];
  private readonly fitStats: Float64Array;
  private readonly initial: Float64Array;
  private readonly pseudo: Float64Array;
  private readonly stopsAtCollapse: boolean;
  private readonly eventCount: number;
  /** 0: replace, 1: accumulate, 2: window (compared on every refit, so kept as a number). */
  private readonly regime: 0 | 1 | 2;
  private readonly withPrior: boolean;

  constructor(
    readonly model: FamilyModel,
    readonly spec: RunSpec,
    readonly capacity: number,
    memory: RowAllocator,
  ) {
    const { stateSize, statsSize } = model;
    this.states = memory.allocate(capacity * stateSize);
    this.drawn = memory.allocate(capacity * statsSize);
    this.truthDrawn = memory.allocate(capacity * statsSize);
    this.truthState = memory.allocate(stateSize);
    this.truthState.set(model.truthState());
    this.stateRows = rowsOf(this.states, stateSize, capacity);
    this.drawnRows = rowsOf(this.drawn, statsSize, capacity);
    this.truthRows = rowsOf(this.truthDrawn, statsSize, capacity);
    const windowWidth = windowGenerations(spec);
    this.pooledRows = spec.regime.kind === 'replace' ? [] : rowsOf(new Float64Array(capacity * statsSize), statsSize, capacity);
    this.windowRows = windowWidth === 0 ? [] : Array.from({ length: capacity }, () => rowsOf(new Float64Array(windowWidth * statsSize), statsSize, windowWidth));
    this.fitStats = new Float64Array(statsSize);
    this.initial = model.initialState();
    this.pseudo = new Float64Array(statsSize);
    model.pseudoStats(spec.prior, this.pseudo);
    this.stopsAtCollapse = !hasMitigation(spec);
    this.eventCount = model.events.length;
    this.regime = spec.regime.kind === 'replace' ? 0 : spec.regime.kind === 'accumulate' ? 1 : 2;
    this.withPrior = spec.prior > 0;
    this.collapseTime = new Int32Array(capacity);
    this.outcome = new Float64Array(capacity);
    this.generation = new Int32Array(capacity);
    this.eventTimes = new Int32Array(capacity * this.eventCount);
  }

  /** Lanes' models, for a sampler. */
  get stateColumn(): Column {
    return column(this.states, 0, this.model.stateSize);
  }

  /** The ground truth's model, shared by every lane. */
  get truthColumn(): Column {
    return column(this.truthState, 0, 0);
  }

  get drawnColumn(): Column {
    return column(this.drawn, 0, this.model.statsSize);
  }

  get truthDrawnColumn(): Column {
    return column(this.truthDrawn, 0, this.model.statsSize);
  }

  stateOf(lane: number): Float64Array {
    return this.stateRows[lane];
  }

  /** The lane's row of drawn statistics (what a draw writes). */
  drawnOf(lane: number): Float64Array {
    return this.drawnRows[lane];
  }

  /** Lane back to generation 0 (the initial model); returns whether its chain stops there. */
  start(lane: number): boolean {
    this.stateRows[lane].set(this.initial);
    if (this.pooledRows.length > 0) this.pooledRows[lane].fill(0);
    if (this.windowRows.length > 0) for (const entry of this.windowRows[lane]) entry.fill(0);
    this.eventTimes.fill(-1, lane * this.eventCount, (lane + 1) * this.eventCount);
    this.collapseTime[lane] = -1;
    this.outcome[lane] = NaN;
    this.generation[lane] = 0;
    return this.observe(lane);
  }

  /** The lane's drawn statistics += its ground-truth points. */
  addTruth(lane: number): void {
    this.model.addStats(this.drawnRows[lane], this.truthRows[lane]);
  }

  /**
   * Generation t + 1 from the lane's drawn statistics (model draws plus ground truth, already
   * added): pool, prior, fit, observe. Returns whether the chain stops here (collapsed or
   * frozen without mitigation); the caller stops at the horizon.
   */
  refit(lane: number): boolean {
    const model = this.model;
    const t = ++this.generation[lane];
    // Up-front limits (FamilyDescriptor.rangeRefusal) keep statistics finite but with
    // astronomically small probability; should one still overflow, no wrong row is written.
    const drawn = this.drawnRows[lane];
    for (let i = 0; i < drawn.length; i++) {
      if (!Number.isFinite(drawn[i])) {
        throw new UsageError(`generation ${t}: a sufficient statistic left the float64 range (${drawn[i]}); this configuration cannot be simulated exactly, nothing was written`);
      }
    }
    let fitted = this.regime === 0 ? this.drawnRows[lane] : this.pool(lane, t);
    if (this.withPrior) {
      this.fitStats.set(fitted);
      model.addStats(this.fitStats, this.pseudo);
      fitted = this.fitStats;
    }
    model.fit(fitted, this.stateRows[lane]);
    return this.observe(lane);
  }

  private observe(lane: number): boolean {
    const model = this.model;
    const state = this.stateRows[lane];
    const t = this.generation[lane];
    for (let e = 0; e < this.eventCount; e++) {
      const at = lane * this.eventCount + e;
      if (this.eventTimes[at] < 0 && model.events[e].happened(state)) this.eventTimes[at] = t;
    }
    if (this.collapseTime[lane] < 0 && model.isCollapsed(state)) {
      this.collapseTime[lane] = t;
      this.outcome[lane] = model.hasOutcome ? model.outcome(state) : NaN;
    }
    return this.stopsAtCollapse && (this.collapseTime[lane] >= 0 || model.isFrozen(state));
  }

  /** The data the fit sees under the accumulate or window regime. */
  private pool(lane: number, t: number): Float64Array {
    const model = this.model;
    const drawn = this.drawnRows[lane];
    const pooled = this.pooledRows[lane];
    if (this.regime === 1) {
      model.addStats(pooled, drawn);
      return pooled;
    }
    const window = this.windowRows[lane];
    const width = window.length;
    window[(t - 1) % width].set(drawn);
    pooled.fill(0);
    for (let i = 0; i < Math.min(t, width); i++) model.addStats(pooled, window[i]);
    return pooled;
  }
}
