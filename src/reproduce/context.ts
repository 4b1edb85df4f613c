/**
 * What every experiment of `collapse-sim reproduce` shares: the ensemble sizes of the small
 * and full versions, the plan of an experiment (its points, each one ordinary run), what an
 * analysis is given (the points' tables, and a context that draws figures), and the claims,
 * tests and interval estimates the verdicts rest on. Nothing here reads or writes files:
 * the CLI's context (disk-context.ts) keeps datasets and figures on disk, the browser
 * explorer's in memory (web/reproduce.ts), and both run the same experiments.
 */
import type { Table } from 'apache-arrow';
import type { TopLevelSpec } from 'vega-lite';
import type { Progress } from '../engine/batch.js';
import { keyFromSeed, keyToHex } from '../rng/keys.js';
import { STREAM_VERSION } from '../rng/streams.js';
import type { RawOptions } from '../spec/parse.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import { Z95 } from '../stats/wilson.js';
import { erfc } from '../math/special.js';
import { TOOL_VERSION } from '../version.js';
import type { MachineDescription } from '../environment.js';

/** Chains per point: the small version (minutes on 2 cores) and --full (≥ 10⁵ per point). */
export const ENSEMBLE_SIZES = {
  small: {
    fig1: 1000,
    coupling: 500,
    mitigation: 10000,
    isingMitigation: 5000,
    multiMitigation: 5000,
    relaxation: 10000,
    motion: 100000,
    tailLoss: 1000,
    gaussian: 10000,
  },
  full: {
    fig1: 100000,
    coupling: 100000,
    mitigation: 100000,
    isingMitigation: 100000,
    multiMitigation: 100000,
    relaxation: 100000,
    // One generation per chain: 10⁶ chains cost less than one 10⁵-chain point elsewhere.
    motion: 1000000,
    tailLoss: 100000,
    gaussian: 100000,
  },
} as const;
export type EnsembleKind = keyof typeof ENSEMBLE_SIZES.small;

/** The significance level of every verdict. */
export const ALPHA = 0.01;

export type Verdict = 'supported' | 'not supported' | 'supported up to finite-size corrections';

/**
 * Whose claim it is: the PRL's, another publication's, or a prediction this project
 * derived (docs/reproduction/theory.md). The report counts them apart.
 */
/**
 * Chains a read-back dataset's first rows are simulated again for: the configuration key
 * names the tool's version, not its code, and a chain's row depends on nothing but its own
 * streams, so these rows must come out the same, cell for cell, from this build.
 */
export const READ_BACK_CHECK_CHAINS = 200;

/** Whose claim it is; 'check': a property of the fit that holds by construction, reported apart and not counted with the claims. */
export type ClaimOrigin = 'paper' | 'published' | 'project' | 'check';
/** The origins in the report's order. */
export const CLAIM_ORIGINS: readonly ClaimOrigin[] = ['paper', 'published', 'project', 'check'];

export const SOURCES = {
  prl: 'Jangjoo, Di Sarra, Marsili, Roudi, Phys. Rev. Lett. 136, 197301 (2026)',
  shumailov: 'Shumailov et al., Nature 631, 755–759 (2024)',
  gerstgrasser: 'Gerstgrasser et al., "Is Model Collapse Inevitable?", arXiv:2404.01413 (2024)',
  bertrand: 'Bertrand et al., "On the Stability of Iterative Retraining of Generative Models on their own Data", ICLR 2024',
  project: 'this project (derived in docs/reproduction/theory.md)',
} as const;

/**
 * How a claim is tested. `agreement`: the claim is the null hypothesis (an exact
 * prediction, or a bound); supported unless p < ALPHA. `effect`: the claim is the
 * alternative (e.g. "faster than"); supported only if its negation is rejected, p < ALPHA.
 */
export type ClaimTest = 'agreement' | 'effect';

/** One claim and what the simulation says of it. */
/** A mitigation an experiment runs: fresh truth points, pseudo-observations, an L2 penalty. */
export interface MitigationSetting {
  /** The point's name in the dataset paths. */
  readonly name: string;
  readonly label: string;
  readonly groundTruth: number;
  readonly prior: number;
  readonly l2: number;
}

/** The run flags of a mitigation (those it sets). */
export function mitigationFlags(mitigation: MitigationSetting): Record<string, number> {
  return {
    ...(mitigation.groundTruth > 0 ? { 'ground-truth': mitigation.groundTruth } : {}),
    ...(mitigation.prior > 0 ? { prior: mitigation.prior } : {}),
    ...(mitigation.l2 > 0 ? { l2: mitigation.l2 } : {}),
  };
}

export interface Claim {
  readonly experiment: string;
  readonly claim: string;
  readonly origin: ClaimOrigin;
  /** Where the claim comes from (a citation from SOURCES, with the figure or theorem). */
  readonly source: string;
  /** Our number, with its interval. */
  readonly measured: string;
  readonly prediction: string;
  readonly verdict: Verdict;
  /** How the verdict was reached (the test and its p-value). */
  readonly basis: string;
  readonly test: ClaimTest;
  /** The p-value the verdict rests on; null only where the claim is a count that must be exact (said in the basis). NaN where a statistic was not finite. */
  readonly pValue: number | null;
}

/** The verdict of a test: NaN (a statistic that is not finite) never supports a claim. */
export function verdictOf(test: ClaimTest, pValue: number): Verdict {
  if (!Number.isFinite(pValue)) return 'not supported';
  if (test === 'agreement') return pValue >= ALPHA ? 'supported' : 'not supported';
  return pValue < ALPHA ? 'supported' : 'not supported';
}

/** A claim whose verdict follows from its test and p-value. */
export function testedClaim(claim: Omit<Claim, 'verdict' | 'test'> & { readonly test?: ClaimTest; readonly pValue: number }): Claim {
  const test = claim.test ?? 'agreement';
  const basis = Number.isFinite(claim.pValue) ? claim.basis : `${claim.basis} — a statistic was not finite, so the claim is not supported`;
  return { ...claim, test, basis, verdict: verdictOf(test, claim.pValue) };
}

/** Bonferroni over several p-values; NaN if any is not finite (a point is never dropped). */
export function bonferroni(pValues: readonly number[]): number {
  if (pValues.length === 0) return NaN;
  if (pValues.some((p) => !Number.isFinite(p))) return NaN;
  return Math.min(1, Math.min(...pValues) * pValues.length);
}

export interface ExperimentResult {
  readonly id: string;
  readonly title: string;
  /** Markdown: what was run and a table of the numbers. */
  readonly body: string;
  readonly claims: readonly Claim[];
  /** Paths relative to the output folder. */
  readonly figures: readonly string[];
}

/** One point of an experiment's plan: a run, its configuration as `collapse-sim run` flags. */
export interface PointPlan<Meta = unknown> {
  /** Folder under data/ (usually the experiment's id). */
  readonly folder: string;
  readonly point: string;
  /** Which ensemble size it takes; null for a point of fixed size in every version (example trajectories). */
  readonly kind: EnsembleKind | null;
  /** Flags, chains and generations included; seed, backend and output paths are the context's. */
  readonly options: RawOptions;
  /** --trajectories, if the analysis needs them. */
  readonly trajectories: string | null;
  /** What the analysis needs to know of the point. */
  readonly meta: Meta;
}

export type PlannedRun<Meta = unknown> = PointPlan<Meta> & { readonly run: PointRun };

/** The chains per point of each kind, for the version being planned. */
export type ChainsOf = (kind: EnsembleKind) => number;

/** An experiment: its points (planned without running anything) and their analysis. */
export interface Experiment<Meta = unknown> {
  readonly id: string;
  readonly title: string;
  plan(chains: ChainsOf): PointPlan<Meta>[];
  analyse(context: AnalysisContext, runs: PlannedRun<Meta>[]): Promise<ExperimentResult>;
}

/** What an analysis may ask of where it runs: its figures drawn and kept, and their caption's last line. */
export interface AnalysisContext {
  /** The last caption line of every figure: how it was made. */
  captionLine(): string;
  /** Draws a Vega-Lite figure named `name`; returns what it was kept as (paths relative to the output folder). */
  figure(name: string, spec: TopLevelSpec): Promise<string[]>;
}

/** Erases an experiment's point type for the registry. */
export const defineExperiment = <Meta>(experiment: Experiment<Meta>): Experiment => experiment as unknown as Experiment;

export interface ReproduceSettings {
  readonly outDir: string;
  readonly full: boolean;
  /** Chains per point instead of the version's sizes. */
  readonly chains: number | null;
  readonly backend: string;
  readonly seed: string;
  readonly log: (line: string) => void;
  readonly onProgress?: (label: string, chains: number, progress: Progress | null) => void;
  readonly signal?: AbortSignal;
}

/** A finished run: its configuration and the dataset it wrote (or that was read back). */
export interface PointRun {
  readonly spec: RunSpec;
  readonly file: string;
  readonly trajectoriesFile: string | null;
  readonly backend: string;
  /** The chain table, and the trajectories table where the point records them. */
  readonly table: Table;
  readonly trajectories: Table | null;
}

/** What a point cost, measured when it was simulated (kept beside its dataset). */
export interface PointRecord {
  readonly folder: string;
  readonly point: string;
  readonly kind: EnsembleKind | null;
  readonly chains: number;
  readonly chainGenerations: number;
  /** Seconds the simulation took when it ran (in an earlier process if read back). */
  readonly seconds: number;
  readonly backend: string;
  /** Read back from an earlier run's dataset instead of simulated. */
  readonly reused: boolean;
}

/** The sidecar written beside each point's dataset once it is complete. */
export interface PointSidecar {
  readonly tool: 'collapse-sim';
  readonly configuration: Record<string, unknown>;
  readonly backend: string;
  readonly chainGenerations: number;
  readonly seconds: number;
}

/** The configuration as it bears on results: no output paths, batch size, shard or backend; with the version and key. */
export function resultConfiguration(spec: RunSpec, version: string = TOOL_VERSION, stream: number = STREAM_VERSION): Record<string, unknown> {
  const { out: _out, batchSize: _batchSize, shard: _shard, backend: _backend, trajectories, ...rest } = spec;
  return {
    ...rest,
    trajectories: trajectories === null ? null : { every: trajectories.every, chains: trajectories.chains },
    version,
    // Datasets of another stream version hold other draws for the same seed: never reused.
    stream,
    key: spec.rng === 'philox' ? keyToHex(keyFromSeed(spec.seed)) : null,
  };
}

/**
 * The configuration of a point: the seed is "<seed>:<folder>:<point>", so every point has
 * streams of its own; `out` is where (or under which name) its dataset is kept.
 */
export function pointSpec(plan: PointPlan, seed: string, backend: string, out: string): RunSpec {
  return resolveRunSpec({
    ...plan.options,
    seed: `${seed}:${plan.folder}:${plan.point}`,
    backend,
    out,
    ...(plan.trajectories === null ? {} : { trajectories: plan.trajectories }),
  });
}

/** A column as float64, NaN where null. */
export function numericColumn(table: Table, name: string): Float64Array {
  const column = table.getChild(name);
  if (column === null) throw new Error(`no column ${name}`);
  const values = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const value = column.get(i) as number | null;
    values[i] = value === null ? NaN : Number(value);
  }
  return values;
}

/** Mean with a normal 95 % interval and its standard error. */
export interface MeanEstimate {
  readonly n: number;
  readonly mean: number;
  readonly standardError: number;
  readonly lower: number;
  readonly upper: number;
}

export function meanEstimate(values: ArrayLike<number>): MeanEstimate {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) (n++, (sum += values[i]));
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) squares += (values[i] - mean) ** 2;
  const standardError = Math.sqrt(squares / (n - 1) / n);
  return { n, mean, standardError, lower: mean - Z95 * standardError, upper: mean + Z95 * standardError };
}

/** Sample variance with the asymptotic 95 % interval from the fourth moment: Var s² ≈ (m₄ − s⁴)/n. */
export function varianceEstimate(values: ArrayLike<number>): MeanEstimate {
  const { mean, n } = meanEstimate(values);
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    const d = (values[i] - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  const variance = m2 / (n - 1);
  const standardError = Math.sqrt(Math.max(0, m4 / n - (m2 / n) ** 2) / n);
  return { n, mean: variance, standardError, lower: variance - Z95 * standardError, upper: variance + Z95 * standardError };
}

/** Sample covariance of two paired samples with its asymptotic standard error (delta method on the products). */
export function covarianceEstimate(a: ArrayLike<number>, b: ArrayLike<number>): MeanEstimate {
  const meanA = meanEstimate(a).mean;
  const meanB = meanEstimate(b).mean;
  const products = Float64Array.from({ length: a.length }, (_, i) => (a[i] - meanA) * (b[i] - meanB));
  const estimate = meanEstimate(products);
  const n = estimate.n;
  const covariance = (estimate.mean * n) / (n - 1);
  return { n, mean: covariance, standardError: estimate.standardError, lower: covariance - Z95 * estimate.standardError, upper: covariance + Z95 * estimate.standardError };
}

/** Two-sided p-value of a z-score. */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/** One-sided p-value of a z-score: P(Z ≥ z). */
export function upperP(z: number): number {
  return Math.min(1, 0.5 * erfc(z / Math.SQRT2));
}

/**
 * Two-sided z-test of an estimate against an exact value. A zero standard error is a sample
 * without spread: it agrees exactly (p = 1) or not at all (p = 0). NaN stays NaN.
 */
export function zTestP(estimate: MeanEstimate, expected: number): number {
  if (!Number.isFinite(estimate.mean) || !Number.isFinite(expected) || Number.isNaN(estimate.standardError)) return NaN;
  if (estimate.standardError === 0) return estimate.mean === expected ? 1 : 0;
  return twoSidedP((estimate.mean - expected) / estimate.standardError);
}

/**
 * z-test of the mean of a statistic confined to [low, high]. Where the sample has no spread
 * (every chain ended on the same value) its standard error is no estimate of the law's:
 * the largest variance such a statistic can have with the predicted mean,
 * (expected − low)(high − expected), stands in for it.
 */
export function boundedZTestP(estimate: MeanEstimate, expected: number, low: number, high: number): number {
  if (estimate.standardError > 0 || !Number.isFinite(estimate.mean)) return zTestP(estimate, expected);
  const standardError = Math.sqrt(Math.max(0, (expected - low) * (high - expected)) / estimate.n);
  return zTestP({ ...estimate, standardError }, expected);
}

/** The z-score behind boundedZTestP (NaN-free where the sample has no spread). */
export function boundedZ(estimate: MeanEstimate, expected: number, low: number, high: number): number {
  const standardError = estimate.standardError > 0 ? estimate.standardError : Math.sqrt(Math.max(0, (expected - low) * (high - expected)) / estimate.n);
  return standardError > 0 ? (estimate.mean - expected) / standardError : estimate.mean === expected ? 0 : Infinity;
}

/** P(X ≥ k) for X ~ Binomial(n, p): the one-sided p-value of seeing k or more events. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Summed from k upwards in logs, stopping once terms no longer matter.
  let total = 0;
  let logTerm = logBinomialPmf(k, n, p);
  for (let j = k; j <= n; j++) {
    const term = Math.exp(logTerm);
    total += term;
    if (term < total * 1e-17 && j > n * p) break;
    logTerm += Math.log((n - j) / (j + 1)) + Math.log(p) - Math.log1p(-p);
  }
  return Math.min(1, total);
}

/** Two-sided exact binomial p-value of seeing k events: twice the smaller tail. */
export function binomialTwoSided(k: number, n: number, p: number): number {
  const upper = binomialUpperTail(k, n, p);
  const lower = 1 - binomialUpperTail(k + 1, n, p);
  return Math.min(1, 2 * Math.min(upper, lower));
}

function logBinomialPmf(k: number, n: number, p: number): number {
  let logChoose = 0;
  for (let i = 1; i <= k; i++) logChoose += Math.log((n - k + i) / i);
  return logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

export const fmt = (value: number, digits = 4): string => (Number.isFinite(value) ? Number(value.toPrecision(digits)).toString() : Number.isNaN(value) ? 'not finite (NaN)' : String(value));
export const fmtInterval = (estimate: { mean?: number; estimate?: number; lower: number; upper: number }, digits = 4): string =>
  `${fmt(estimate.mean ?? estimate.estimate ?? NaN, digits)} [${fmt(estimate.lower, digits)}, ${fmt(estimate.upper, digits)}]`;
export const fmtP = (p: number): string => (Number.isNaN(p) ? 'not finite' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** What an experiment cost, in this run and (scaled by chains per point) in the full version. */
export interface ExperimentCost {
  readonly points: readonly PointRecord[];
  /** Chain·generations of every point, read-back points included. */
  readonly chainGenerations: number;
  /** Chain·generations simulated by this process. */
  readonly simulatedChainGenerations: number;
  /** Wall time of this run's part (simulation, read-back and analysis). */
  readonly seconds: number;
  /** The full version's chain·generations and simulation seconds on this machine, scaled from these points by chains per point. */
  readonly fullEstimate: { readonly chainGenerations: number; readonly seconds: number };
}

/** An experiment's result with what the context measured while it ran. */
export type ExperimentRecord = ExperimentResult & ExperimentCost & { readonly datasets: readonly string[] };

export interface ReproduceResult {
  readonly tool: 'collapse-sim';
  /** The provenance schema (io/provenance.ts SCHEMA_VERSION) and random stream version it was made with. */
  readonly schema_version: number;
  readonly version: string;
  readonly stream: number;
  readonly command: string;
  readonly full: boolean;
  readonly seed: string;
  readonly backend: string;
  readonly chainsOverride: number | null;
  readonly machine: MachineDescription;
  readonly started: string;
  readonly seconds: number;
  /** Chain·generations of every point (read back or simulated). */
  readonly chainGenerations: number;
  readonly simulatedChainGenerations: number;
  /** Chain·generations simulated again to check read-back datasets (not counted above). */
  readonly readBackCheckChainGenerations: number;
  readonly experiments: readonly ExperimentRecord[];
  readonly report: string;
}

/** One point of the plan, as `--plan` lists it. */
export interface PlannedPoint {
  readonly experiment: string;
  readonly folder: string;
  readonly point: string;
  readonly kind: EnsembleKind | null;
  readonly family: string;
  readonly chains: number;
  readonly generations: number;
  readonly trajectories: string | null;
  /** The point's other flags. */
  readonly flags: Record<string, unknown>;
}

