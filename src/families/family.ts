/**
 * A family's model: what every engine simulates, through flat float64 arrays (see the family
 * contract in docs/architecture.md). The descriptor that wraps it — options, theory, GPU
 * routes — is ./descriptor.ts; the registry of families is ./index.ts.
 */
import type { Column, LaneGenerator } from '../rng/lanes.js';
import type { AbsorptionLaw } from '../stats/wright-fisher.js';

/**
 * How a generation's data are drawn. `per-sample`: the M data points one by one, their
 * sufficient statistics accumulated (the literal procedure). `sufficient`: the
 * sufficient statistic drawn directly from its exact law: the same law, far fewer draws.
 */
export type SamplingMode = 'per-sample' | 'sufficient';
export const SAMPLING_MODES: readonly SamplingMode[] = ['per-sample', 'sufficient'];

/** A column of the per-chain output table or of the trajectory table. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: 'float64' | 'int32' | 'uint32';
  /** Null where the value does not exist (NaN in the engine's arrays becomes null). */
  readonly nullable: boolean;
  readonly description: string;
}

/** A family-specific command-line flag. */
export interface FamilyOption {
  readonly flag: string;
  readonly valueName: string;
  readonly description: string;
  readonly defaultValue?: string;
}

/** What a family needs to know about the rest of the run. */
export interface LoopConfig {
  /** M: synthetic points per generation. */
  readonly samples: number;
  /** K: fresh ground-truth points per generation. */
  readonly groundTruth: number;
  /** a: prior pseudo-observations (MAP). */
  readonly prior: number;
  /** λ: L2 penalty on the natural parameters. */
  readonly l2: number;
}

/** The data the fit sees: this generation's, everything so far, or the last W generations'. */
export type Regime = { readonly kind: 'replace' } | { readonly kind: 'accumulate' } | { readonly kind: 'window'; readonly width: number };

/**
 * The part of a resolved run (RunSpec, src/spec/run-spec.ts) that a family and its engine
 * routes read: the loop, the family's own parameters and the stream's seed — nothing about
 * files, shards or backends.
 */
export interface RunConfig extends LoopConfig {
  readonly family: string;
  /** The family's own resolved parameters (see the family module). */
  readonly familyParams: unknown;
  readonly mode: SamplingMode;
  readonly regime: Regime;
  /** T: generations at most per chain. */
  readonly generations: number;
  /** The seed as text: `--seed 0` and `"seed": 0` are the same seed. */
  readonly seed: string;
}

/** With ground truth, a prior or a penalty the degenerate model is not absorbing: chains run all T generations. */
export function hasMitigation(config: Pick<LoopConfig, 'groundTruth' | 'prior' | 'l2'>): boolean {
  return config.groundTruth > 0 || config.prior > 0 || config.l2 > 0;
}

/** See FamilyModel.absorption. */
export type Absorption = 'at-collapse' | 'never' | 'per-state';

/**
 * Absorption for a family whose mitigations never hold it on a collapsed state: without a
 * mitigation a collapsed chain is absorbed (and stops); with one, collapse is only touched.
 */
export function absorbedUnlessMitigated(loop: Pick<LoopConfig, 'groundTruth' | 'prior' | 'l2'>, isCollapsed: (state: Float64Array) => boolean): Pick<FamilyModel, 'isAbsorbed' | 'absorption'> {
  const mitigated = hasMitigation(loop);
  return { absorption: mitigated ? 'never' : 'at-collapse', isAbsorbed: mitigated ? () => false : isCollapsed };
}

/**
 * Absorption for a family whose collapsed states are point masses at a value v (Bernoulli p,
 * Poisson λ): fresh truth points and the prior's pseudo-observations keep the model at v only
 * when the truth is v too, and an L2 penalty never lets it reach v.
 */
export function absorbedAtTruthValue(
  loop: Pick<LoopConfig, 'groundTruth' | 'prior' | 'l2'>,
  truthValue: number,
  collapsedValues: readonly number[],
  valueOf: (state: Float64Array) => number,
): Pick<FamilyModel, 'isAbsorbed' | 'absorption'> {
  if (!hasMitigation(loop)) return { absorption: 'at-collapse', isAbsorbed: (state) => collapsedValues.includes(valueOf(state)) };
  if (loop.l2 > 0 || !collapsedValues.includes(truthValue)) return { absorption: 'never', isAbsorbed: () => false };
  return { absorption: 'per-state', isAbsorbed: (state) => valueOf(state) === truthValue };
}

/**
 * What an engine (or a GPU route) promises against the reference path. 'bit-exact': draws and
 * results identical to the reference; 'near-exact': identical except where a float32 rejection
 * decision differs from float64 (rare); 'float32': the reference's algorithms in float32 on the
 * same stream positions, exact in law.
 */
export type Exactness = 'bit-exact' | 'near-exact' | 'float32';

/**
 * The exact laws of a configuration's plain loop (maximum likelihood, no mitigation) that
 * summarize and plot set beside the estimates. Bounded in time and memory: what a stated
 * limit left out is said in `note`.
 */
export interface ExactTheory {
  readonly source: string;
  /** P(τ ≤ t) at any t ≥ 0 (NaN where not computed), or null where there is no such law. */
  readonly cdfAt: ((t: number) => number) | null;
  /** The last t at which cdfAt is known (the horizon where it is known throughout). */
  readonly knownTo: number;
  /** The t beyond which cdfAt no longer changes (to 10⁻¹⁵), for figures that draw it point by point. */
  readonly changesTo: number;
  readonly mean: number | null;
  /** P(outcome = value), for a run in which every chain collapses. */
  readonly outcome: ((value: number) => number) | null;
  /** What of the theory was left out, and why (its cost limits), or null. */
  readonly note: string | null;
}

/** A Wright–Fisher absorption law as ExactTheory fields: bounded in time and memory (stats/wright-fisher.ts). */
export function wrightFisherTheory(law: AbsorptionLaw, horizon: number): Pick<ExactTheory, 'cdfAt' | 'knownTo' | 'changesTo' | 'mean' | 'note'> {
  return { cdfAt: law.cdfAt, knownTo: law.complete ? horizon : law.computedTo, changesTo: law.computedTo, mean: law.mean, note: law.note };
}

/**
 * A first-passage event other than collapse, recorded as the first generation at which
 * `happened` holds (an int32 column, null if it never did).
 */
export interface FamilyEvent {
  readonly column: ColumnSpec;
  happened(state: Float64Array): boolean;
}

/**
 * Whose data a sampler draws: the model's own (synthetic, through the decoder where the
 * family has one) or the ground truth's (real data, never reshaped).
 */
export type SamplerRole = 'model' | 'truth';

/**
 * Draws `count` data points from each active lane's model (its row of `states`; stride 0 when
 * every lane has the same model, the ground truth's) and writes their sufficient statistics
 * into the lane's row of `stats`, overwriting it. Made by `createSampler` for one generator.
 */
export type LaneSampler = (states: Column, count: number, mode: SamplingMode, stats: Column) => void;

/**
 * One exponential family, configured for a run. The engine sees only flat float64
 * arrays: a model `state` (parameters plus whatever the sampler needs) and `stats`
 * (sufficient statistics; stats[0] is always the number of data points).
 */
export interface FamilyModel {
  readonly family: string;
  readonly stateSize: number;
  readonly statsSize: number;
  /** Whether collapses can have an outcome (an absorbing value); else `outcome` is null. */
  readonly hasOutcome: boolean;
  /** Per-chain columns after chain, collapse_time and outcome: events, then finals. */
  readonly events: readonly FamilyEvent[];
  readonly finalColumns: readonly ColumnSpec[];
  readonly trajectoryColumns: readonly ColumnSpec[];

  /** The model at generation 0. */
  initialState(): Float64Array;
  /** The ground-truth model that fresh real points and the prior come from. */
  truthState(): Float64Array;
  /**
   * The family's sampler over the lanes of `generator`: written once, run by every CPU engine
   * (the reference hands it a one-lane scalar generator, the WebAssembly engine thousands of
   * lanes). Scratch it needs is allocated from the generator, at most `samplerFloatsPerLane`
   * floats per lane.
   */
  createSampler(generator: LaneGenerator, role: SamplerRole): LaneSampler;
  /** Float64s per lane the samplers of one role allocate from their generator (an upper bound). */
  readonly samplerFloatsPerLane: number;
  /** into ← pooled statistics of the data in `into` and in `from`. */
  addStats(into: Float64Array, from: Float64Array): void;
  /** Statistics of `weight` pseudo-observations with the truth's moments (MAP). */
  pseudoStats(weight: number, out: Float64Array): void;
  /**
   * Refit: the model whose mean parameters match `stats` (with the L2 penalty, if any). On the
   * CPU paths (ChainTable) `state` holds the model being refitted, the previous generation's, so
   * a fit may keep what the data say nothing about (a family must say so where it does); GPU
   * plans that rebuild a model from statistics alone pass scratch, so such a family offers none.
   */
  fit(stats: Float64Array, state: Float64Array): void;
  /** The collapse test. */
  isCollapsed(state: Float64Array): boolean;
  /**
   * Whether `state` is absorbed: collapsed (isCollapsed) and unable to leave under this run's
   * loop — the paper's collapse. Without a mitigation every collapsed state counts as absorbed
   * (the chain stops there, as it always has); with ground truth, a prior or a penalty the
   * degenerate model is usually left again (touched, not absorbed), unless the mitigation
   * itself sits on it (e.g. a Bernoulli truth p* = 0 keeps p = 0).
   */
  isAbsorbed(state: Float64Array): boolean;
  /**
   * What isAbsorbed amounts to in this run, for engines that record only the first collapse
   * (the GPU kernels): 'at-collapse' (every collapsed state is absorbed), 'never', or
   * 'per-state' (some are, some are not: only paths that test each generation can tell).
   */
  readonly absorption: Absorption;
  /** The absorbing value of a collapsed state (e.g. 0 or 1), when `hasOutcome`. */
  outcome(state: Float64Array): number;
  /** Whether `value` is an outcome this model can produce (checks files read back). */
  isOutcome(value: number): boolean;
  /**
   * Whether, fed only its own samples, the model can never change again (a point mass).
   * Lets a chain stop early even where that is not a collapse (Ising frozen at m ≠ ±N).
   */
  isFrozen(state: Float64Array): boolean;
  writeFinals(state: Float64Array, out: Float64Array): void;
  writeTrajectory(state: Float64Array, out: Float64Array): void;
}

/**
 * A floating-point format an engine computes in, as far as a family's numeric limits need
 * it: the reference path is float64, the gpu.js kernels float32.
 */
export interface NumberFormat {
  readonly name: 'float32' | 'float64';
  /** The largest finite value. */
  readonly largest: number;
  /** The smallest magnitude a collapse floor may have (normal, with the room the format's engine needs). */
  readonly smallest: number;
  /** Every integer below this is exact. */
  readonly exactIntegers: number;
  /** Unit roundoff u: neighbouring numbers near x lie at most 2u|x| apart. */
  readonly unitRoundoff: number;
}

export const FLOAT32: NumberFormat = { name: 'float32', largest: 3.4028234663852886e38, smallest: 1e-30, exactIntegers: 2 ** 24, unitRoundoff: 2 ** -24 };
// The reference path's floors need only be normal numbers (it compares the state with them);
// the kernels' float32 keeps eight orders of room above its smallest normal, 1.2e-38.
export const FLOAT64: NumberFormat = { name: 'float64', largest: Number.MAX_VALUE, smallest: 2 ** -1022, exactIntegers: 2 ** 53, unitRoundoff: 2 ** -53 };

/**
 * Room left for values that grow during a run. The families' growing quantities (σ², the
 * exponential's mean, a Poisson count) are martingales or supermartingales, so one exceeds
 * a times its start with probability at most 1/a: with this margin, 10⁻¹² per chain.
 */
export const GROWTH_MARGIN = 1e12;

/** What a family's numeric limits depend on besides its own parameters. */
export interface RangeContext extends LoopConfig {
  readonly generations: number;
  readonly mode: SamplingMode;
  /** Generations whose data one fit pools: 1 (replace), the window, or all (accumulate). */
  readonly pooledGenerations: number;
}

/** Points one fit pools: the generations kept times points per generation, plus the prior's pseudo-observations. */
export function pooledPoints(run: RangeContext): number {
  return run.pooledGenerations * (run.samples + run.groundTruth) + run.prior;
}

/** A number for messages: 3.4e+38, 1e-30, 16777216. */
export function formatLimit(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e16 ? String(value) : value.toExponential(2).replace(/\.?0+e/, 'e');
}

/** The refusal for families whose statistics are counts: the points one fit pools must be exact integers. */
export function countRefusal(run: RangeContext, format: NumberFormat): string | null {
  const points = pooledPoints(run);
  return points < format.exactIntegers
    ? null
    : `the points one fit pools (${formatLimit(points)}: generations kept × (--samples + --ground-truth) + --prior) must stay below ${formatLimit(format.exactIntegers)} for exact ${format.name} counts`;
}

/** Element-wise addition, the pooling rule for every family whose statistics are sums. */
export function addSums(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] += from[i];
}

/** Declares a nullable int32 column for an event. */
export function eventColumn(name: string, description: string): ColumnSpec {
  return { name, type: 'int32', nullable: true, description };
}

export function floatColumn(name: string, description: string, nullable = false): ColumnSpec {
  return { name, type: 'float64', nullable, description };
}

export function intColumn(name: string, description: string): ColumnSpec {
  return { name, type: 'int32', nullable: false, description };
}
