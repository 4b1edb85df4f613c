/**
 * Steps 3–6 of one generation of one chain (see reference.ts): pool the data the regime
 * keeps, add the prior's pseudo-observations, refit, test for events and collapse. The
 * reference engine runs it after drawing a generation's statistics itself; the GPU
 * engine's host-fit path (gpu/host-fit.ts) runs it on statistics a kernel drew. One
 * implementation, so the two cannot differ in what they do with the same statistics.
 */
import type { FamilyModel } from '../families/family.js';
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

/** What every chain of a run shares: the model, the starting state, the pseudo-observations. */
export class ChainLoopShared {
  readonly initial: Float64Array;
  readonly pseudo: Float64Array;
  readonly stopsAtCollapse: boolean;
  readonly windowWidth: number;

  constructor(
    readonly model: FamilyModel,
    readonly spec: RunSpec,
  ) {
    this.initial = model.initialState();
    this.pseudo = new Float64Array(model.statsSize);
    model.pseudoStats(spec.prior, this.pseudo);
    this.stopsAtCollapse = !hasMitigation(spec);
    this.windowWidth = windowGenerations(spec);
  }
}

export class ChainLoop {
  readonly state: Float64Array;
  readonly eventTimes: Int32Array;
  collapseTime = -1;
  outcome = NaN;
  /** Generations simulated so far. */
  generation = 0;
  private readonly pooled: Float64Array;
  private readonly fitStats: Float64Array;
  /** The last windowWidth generations' statistics, one after another (a ring). */
  private readonly window: Float64Array;
  private readonly entry: Float64Array;

  constructor(private readonly shared: ChainLoopShared) {
    const { model } = shared;
    this.state = new Float64Array(model.stateSize);
    this.eventTimes = new Int32Array(model.events.length);
    this.pooled = new Float64Array(model.statsSize);
    this.fitStats = new Float64Array(model.statsSize);
    this.window = new Float64Array(shared.windowWidth * model.statsSize);
    this.entry = new Float64Array(model.statsSize);
  }

  /** Back to generation 0 (the initial model); returns whether the chain stops there. */
  start(): boolean {
    this.state.set(this.shared.initial);
    this.pooled.fill(0);
    this.window.fill(0);
    this.eventTimes.fill(-1);
    this.collapseTime = -1;
    this.outcome = NaN;
    this.generation = 0;
    return this.observe();
  }

  /**
   * Generation t + 1 from its statistics (model draws plus ground truth, already added):
   * pool, prior, fit, observe. Returns whether the chain stops here (collapsed or frozen
   * without mitigation); the caller stops at the horizon.
   */
  refit(generationStats: Float64Array): boolean {
    const { model, spec } = this.shared;
    this.generation++;
    // Up-front limits (FamilyDefinition.rangeRefusal) keep statistics finite but with
    // astronomically small probability; should one still overflow, no wrong row is written.
    for (let i = 0; i < generationStats.length; i++) {
      if (!Number.isFinite(generationStats[i])) {
        throw new UsageError(`generation ${this.generation}: a sufficient statistic left the float64 range (${generationStats[i]}); this configuration cannot be simulated exactly, nothing was written`);
      }
    }
    const pooled = this.pool(generationStats);
    let fitted = pooled;
    if (spec.prior > 0) {
      this.fitStats.set(pooled);
      model.addStats(this.fitStats, this.shared.pseudo);
      fitted = this.fitStats;
    }
    model.fit(fitted, this.state);
    return this.observe();
  }

  private observe(): boolean {
    const { model } = this.shared;
    const t = this.generation;
    for (let e = 0; e < model.events.length; e++) {
      if (this.eventTimes[e] < 0 && model.events[e].happened(this.state)) this.eventTimes[e] = t;
    }
    if (this.collapseTime < 0 && model.isCollapsed(this.state)) {
      this.collapseTime = t;
      this.outcome = model.hasOutcome ? model.outcome(this.state) : NaN;
    }
    return this.shared.stopsAtCollapse && (this.collapseTime >= 0 || model.isFrozen(this.state));
  }

  /** The data the fit sees under the run's regime. */
  private pool(generationStats: Float64Array): Float64Array {
    const { model, spec } = this.shared;
    const regime = spec.regime;
    if (regime.kind === 'replace') return generationStats;
    if (regime.kind === 'accumulate') {
      model.addStats(this.pooled, generationStats);
      return this.pooled;
    }
    const size = model.statsSize;
    const width = this.shared.windowWidth;
    this.window.set(generationStats, ((this.generation - 1) % width) * size);
    this.pooled.fill(0);
    for (let i = 0; i < Math.min(this.generation, width); i++) {
      this.entry.set(this.window.subarray(i * size, (i + 1) * size));
      model.addStats(this.pooled, this.entry);
    }
    return this.pooled;
  }
}
