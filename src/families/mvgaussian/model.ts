/**
 * The d-dimensional Gaussian N(μ, Σ), full covariance (the setting of Shumailov et al. 2024 and
 * Bertrand et al. 2024). Sufficient statistics (x, xxᵀ), kept as (n, mean, scatter =
 * Σ(x − mean)(x − mean)ᵀ) so that pooling (Chan's update, vector form) stays accurate. With M
 * points the mean is N(μ, Σ/M) and the scatter Wishart_d(Σ, M − 1), independent: under the MLE
 * E[Σ_{t+1} | Σ_t] = ((M−1)/M) Σ_t, and det S / det Σ ~ Π_{i=1..d} χ²_{M−i} / M^d (Bartlett),
 * whatever Σ is, so ln det Σ_t is a random walk with i.i.d. steps that drifts down; the smallest
 * eigenvalue goes first (dimensional collapse). Collapse: det Σ_t ≤ ε det Σ₀ (default) or
 * λ_min(Σ_t) ≤ ε λ_min(Σ₀) (--collapse-on), both crossings recorded as events.
 * docs/families/mvgaussian.md has the science and the draw order.
 */
import { fillActive, laneScratch, shifted, type Column, type LaneGenerator } from '../../rng/lanes.js';
import { digamma, trigamma } from '../../math/special.js';
import { choleskyPacked, exceedsSmallestEigenvalue, numericalRank, packedIndex, packedSize, symmetricEigenvalues } from '../../math/symmetric.js';
import { UsageError } from '../../spec/errors.js';
import { given, parseChoice, parseNumber, parseNumberList, type RawOptions } from '../../spec/parse.js';
import { SAMPLING_MODES, absorbedUnlessMitigated, eventColumn, floatColumn, intColumn, type ColumnSpec, type FamilyModel, type FamilyOption, type LaneSampler, type LoopConfig, type SamplingMode } from '../family.js';
import { COLLAPSE_THRESHOLD_OPTION, parseCollapseThreshold } from '../collapse-threshold.js';
import { describeFamily } from '../descriptor.js';

export type CovarianceEstimator = 'mle' | 'unbiased';
export const COVARIANCE_ESTIMATORS: readonly CovarianceEstimator[] = ['mle', 'unbiased'];
/** What collapses: the determinant (generalised variance) or the smallest eigenvalue. */
export type CollapseCriterion = 'det' | 'min-eig';
export const COLLAPSE_CRITERIA: readonly CollapseCriterion[] = ['det', 'min-eig'];

export const DEFAULT_DIM = 2;
/** Largest --dim: a chain's state is d + d(d + 1) + 1 floats (1089 at d = 32). */
export const MAX_DIM = 32;

export interface MvGaussianParams {
  readonly dim: number;
  readonly mu0: readonly number[];
  /** Σ₀, packed lower triangle row by row (see src/math/symmetric.ts). */
  readonly cov0: readonly number[];
  readonly estimator: CovarianceEstimator;
  readonly collapseOn: CollapseCriterion;
  /** ε: collapse when det Σ_t ≤ ε det Σ₀ (or λ_min(Σ_t) ≤ ε λ_min(Σ₀)). */
  readonly collapseThreshold: number;
  readonly truthMu: readonly number[];
  readonly truthCov: readonly number[];
}

/**
 * Where things live in a chain's state (d dimensions, p = d(d + 1)/2): μ, Σ (packed), its
 * Cholesky factor L (packed, what the sampler reads) and ln det Σ.
 */
export function stateLayout(d: number): { mu: number; cov: number; factor: number; logDet: number; size: number } {
  const p = packedSize(d);
  return { mu: 0, cov: d, factor: d + p, logDet: d + 2 * p, size: d + 2 * p + 1 };
}

/** Statistics: [n, mean (d), scatter (packed)]. */
export function statsSizeOf(d: number): number {
  return 1 + d + packedSize(d);
}

/** Chan, Golub & LeVeque's pairwise update of (n, mean, scatter), vector form. */
export function poolScatter(d: number, into: Float64Array, from: Float64Array): void {
  const nA = into[0];
  const nB = from[0];
  if (nB === 0) return;
  if (nA === 0) {
    into.set(from);
    return;
  }
  const n = nA + nB;
  const scatter = 1 + d;
  for (let r = 0; r < d; r++) {
    const deltaR = from[1 + r] - into[1 + r];
    for (let c = 0; c <= r; c++) {
      const deltaC = from[1 + c] - into[1 + c];
      const at = scatter + packedIndex(r, c);
      into[at] += from[at] + (deltaR * deltaC * nA * nB) / n;
    }
  }
  for (let r = 0; r < d; r++) into[1 + r] += ((from[1 + r] - into[1 + r]) * nB) / n;
  into[0] = n;
}

/**
 * The sampler, for the reference's one lane and WebAssembly's thousands alike. Draw order per
 * lane (each call below draws one value for every active lane, so a lane's stream is consumed
 * in exactly this order):
 * - per-sample: for each of the n points, d standard normals z₁..z_d; x = μ + L z, folded
 *   into (mean, scatter) by Welford's update;
 * - sufficient: d normals for the mean, mean = μ + (L/√n) z; then the scatter by Bartlett's
 *   decomposition with m = n − 1 degrees of freedom, row by row (i = 1..d): the diagonal
 *   T_ii = √(2·Gamma((m − i + 1)/2)) if i ≤ m, then the normals T_i1..T_i,min(i−1,m); scatter =
 *   (L T)(L T)ᵀ. For m < d, T is d×m lower trapezoidal (rows beyond m have no diagonal): the
 *   singular Wishart of n ≤ d points, drawn the same way.
 */
function createSampler(d: number, generator: LaneGenerator): LaneSampler {
  const layout = stateLayout(d);
  const normals = laneScratch(generator, d);
  const bartlett = laneScratch(generator, d * d);
  const gammas = laneScratch(generator);
  const point = new Float64Array(d);
  const delta = new Float64Array(d);
  const product = new Float64Array(d * d);
  return (states: Column, count: number, mode: SamplingMode, stats: Column): void => {
    const { active, activeCount } = generator;
    const source = states.data;
    const target = stats.data;
    const scatterAt = 1 + d;
    if (mode === 'per-sample') {
      for (let k = 0; k < activeCount; k++) {
        const at = stats.offset + active[k] * stats.stride;
        target.fill(0, at + 1, at + statsSizeOf(d));
      }
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < d; j++) generator.normals(shifted(normals, j));
        for (let k = 0; k < activeCount; k++) {
          const lane = active[k];
          const row = states.offset + lane * states.stride;
          const at = stats.offset + lane * stats.stride;
          const z = lane * d;
          for (let r = 0; r < d; r++) {
            let x = 0;
            const factorRow = row + layout.factor + (r * (r + 1)) / 2;
            for (let c = 0; c < r; c++) x += source[factorRow + c] * normals.data[z + c];
            // μ + L_rr z_r last, so that d = 1 is the one-dimensional family's x = μ + σ z.
            point[r] = source[row + layout.mu + r] + (source[factorRow + r] * normals.data[z + r] + x);
          }
          // Welford: δ = x − mean, mean += δ/(i + 1), scatter += δ (x − mean)ᵀ.
          for (let r = 0; r < d; r++) {
            delta[r] = point[r] - target[at + 1 + r];
            target[at + 1 + r] += delta[r] / (i + 1);
          }
          for (let r = 0; r < d; r++) {
            const scatterRow = at + scatterAt + (r * (r + 1)) / 2;
            for (let c = 0; c <= r; c++) target[scatterRow + c] += delta[r] * (point[c] - target[at + 1 + c]);
          }
        }
      }
    } else {
      for (let j = 0; j < d; j++) generator.normals(shifted(normals, j));
      const freedom = count - 1;
      const columns = Math.min(freedom, d);
      for (let i = 0; i < d; i++) {
        if (i < freedom) {
          generator.gammas((freedom - i) / 2, gammas);
          for (let k = 0; k < activeCount; k++) {
            const lane = active[k];
            bartlett.data[lane * d * d + i * d + i] = Math.sqrt(2 * gammas.data[lane]);
          }
        }
        for (let j = 0; j < Math.min(i, freedom); j++) generator.normals(shifted(bartlett, i * d + j));
      }
      const rootCount = Math.sqrt(count);
      for (let k = 0; k < activeCount; k++) {
        const lane = active[k];
        const row = states.offset + lane * states.stride;
        const at = stats.offset + lane * stats.stride;
        const z = lane * d;
        for (let r = 0; r < d; r++) {
          const factorRow = row + layout.factor + (r * (r + 1)) / 2;
          let x = 0;
          for (let c = 0; c < r; c++) x += (source[factorRow + c] / rootCount) * normals.data[z + c];
          target[at + 1 + r] = source[row + layout.mu + r] + ((source[factorRow + r] / rootCount) * normals.data[z + r] + x);
        }
        // B = L T (d × columns), then scatter = B Bᵀ.
        const t = lane * d * d;
        for (let r = 0; r < d; r++) {
          const factorRow = row + layout.factor + (r * (r + 1)) / 2;
          for (let c = 0; c < columns; c++) {
            let sum = 0;
            for (let s = c; s <= r; s++) sum += source[factorRow + s] * bartlett.data[t + s * d + c];
            product[r * d + c] = sum;
          }
        }
        for (let r = 0; r < d; r++) {
          const scatterRow = at + scatterAt + (r * (r + 1)) / 2;
          for (let c = 0; c <= r; c++) {
            let sum = 0;
            for (let s = 0; s < columns; s++) sum += product[r * d + s] * product[c * d + s];
            target[scatterRow + c] = sum;
          }
        }
      }
    }
    fillActive(generator, stats, count);
  };
}

/** Descriptions of the columns of one vector component, numbered from 1. */
function numbered(prefix: string, d: number, describe: (i: number) => string): ColumnSpec[] {
  return Array.from({ length: d }, (_, i) => floatColumn(`${prefix}_${i + 1}`, describe(i + 1)));
}

/** Eigenvalues, rank, trace of a chain's Σ: what finals and trajectories record. */
function spectrum(d: number): (state: Float64Array, eigenvalues: Float64Array) => { rank: number; trace: number } {
  const layout = stateLayout(d);
  const scratch = new Float64Array(d * d);
  return (state, eigenvalues) => {
    symmetricEigenvalues(state, layout.cov, d, eigenvalues, 0, scratch);
    let trace = 0;
    for (let i = 0; i < d; i++) trace += state[layout.cov + packedIndex(i, i)];
    return { rank: numericalRank(eigenvalues, 0, d), trace };
  };
}

/** A model state from (μ, Σ packed): Σ, its factor and ln det. */
function stateOf(d: number, mu: readonly number[], cov: readonly number[]): Float64Array {
  const layout = stateLayout(d);
  const state = new Float64Array(layout.size);
  state.set(mu, layout.mu);
  state.set(cov, layout.cov);
  state[layout.logDet] = choleskyPacked(state, layout.cov, d, state, layout.factor);
  return state;
}

function createModel(params: MvGaussianParams, loop: LoopConfig): FamilyModel {
  const d = params.dim;
  const p = packedSize(d);
  const layout = stateLayout(d);
  const statsSize = statsSizeOf(d);
  const shift = params.estimator === 'unbiased' ? 1 : 0;
  const initial = stateOf(d, params.mu0, params.cov0);
  const truth = stateOf(d, params.truthMu, params.truthCov);
  const eigenvalues = new Float64Array(d);
  const measure = spectrum(d);
  measure(initial, eigenvalues);
  const logDetFloor = Math.log(params.collapseThreshold) + initial[layout.logDet];
  const eigenvalueFloor = params.collapseThreshold * eigenvalues[0];
  const scratch = new Float64Array(p);
  const detCollapsed = (state: Float64Array): boolean => state[layout.logDet] <= logDetFloor;
  const eigenvalueCollapsed = (state: Float64Array): boolean => !exceedsSmallestEigenvalue(state, layout.cov, d, eigenvalueFloor, scratch);
  if (loop.l2 > 0) throw new Error('mvgaussian has no L2 fit (refused when the run is resolved)');

  const writeMeasures = (state: Float64Array, out: Float64Array): void => {
    const { rank, trace } = measure(state, eigenvalues);
    out[0] = state[layout.logDet];
    out[1] = eigenvalues[0];
    out[2] = eigenvalues[d - 1];
    out[3] = rank;
    out[4] = trace;
    for (let r = 0; r < d; r++) out[5 + r] = state[layout.mu + r];
    out.set(eigenvalues, 5 + d);
  };

  return {
    family: 'mvgaussian',
    stateSize: layout.size,
    statsSize,
    hasOutcome: false,
    isOutcome: () => false,
    events: [
      { column: eventColumn('det_collapse_time', 'first generation with det Σ_t ≤ ε det Σ₀'), happened: detCollapsed },
      { column: eventColumn('min_eig_collapse_time', 'first generation with λ_min(Σ_t) ≤ ε λ_min(Σ₀)'), happened: eigenvalueCollapsed },
    ],
    finalColumns: [
      floatColumn('final_log_det', 'ln det Σ at the last generation simulated (−inf when singular)'),
      floatColumn('final_min_eig', 'smallest eigenvalue of Σ at the last generation simulated'),
      floatColumn('final_max_eig', 'largest eigenvalue of Σ at the last generation simulated'),
      intColumn('final_rank', "numerical rank of Σ at the last generation simulated (eigenvalues above d·ε·λ_max, as NumPy's matrix_rank)"),
      floatColumn('final_trace', 'trace of Σ (total variance) at the last generation simulated'),
      ...numbered('final_mu', d, (i) => `component ${i} of μ at the last generation simulated`),
      ...numbered('final_eig', d, (i) => `eigenvalue ${i} of Σ in ascending order (1: the smallest) at the last generation simulated`),
    ],
    trajectoryColumns: [
      floatColumn('log_det', 'ln det Σ (−inf when singular)'),
      floatColumn('min_eig', 'smallest eigenvalue of Σ'),
      floatColumn('max_eig', 'largest eigenvalue of Σ'),
      intColumn('rank', 'numerical rank of Σ'),
      floatColumn('trace', 'trace of Σ'),
      ...numbered('mu', d, (i) => `component ${i} of μ`),
      ...numbered('eig', d, (i) => `eigenvalue ${i} of Σ, ascending`),
    ],
    initialState: () => initial.slice(),
    truthState: () => truth.slice(),
    createSampler: (generator) => createSampler(d, generator),
    samplerFloatsPerLane: d * d + d + 1,
    addStats: (into, from) => poolScatter(d, into, from),
    pseudoStats(weight, out) {
      out[0] = weight;
      for (let r = 0; r < d; r++) out[1 + r] = params.truthMu[r];
      for (let i = 0; i < p; i++) out[1 + d + i] = weight * params.truthCov[i];
    },
    fit(stats, state) {
      const divisor = stats[0] - shift;
      for (let r = 0; r < d; r++) state[layout.mu + r] = stats[1 + r];
      for (let i = 0; i < p; i++) state[layout.cov + i] = stats[1 + d + i] / divisor;
      state[layout.logDet] = choleskyPacked(state, layout.cov, d, state, layout.factor);
    },
    isCollapsed: params.collapseOn === 'det' ? detCollapsed : eigenvalueCollapsed,
    ...absorbedUnlessMitigated(loop, params.collapseOn === 'det' ? detCollapsed : eigenvalueCollapsed),
    outcome: () => NaN,
    isFrozen(state) {
      for (let r = 0; r < d; r++) if (state[layout.cov + packedIndex(r, r)] !== 0) return false;
      return true;
    },
    // Finals and trajectory rows are the same measures (see their columns above).
    writeFinals: writeMeasures,
    writeTrajectory: writeMeasures,
  };
}

// ---- Options -------------------------------------------------------------------------------

/** A covariance as given: s·I, a diagonal, or a full matrix (rows). */
type CovarianceInput = { kind: 'scalar'; value: number } | { kind: 'diag'; values: number[] } | { kind: 'full'; rows: number[][] };

const COVARIANCE_FORMS = 'identity, a variance s > 0 (s·I), diag:v1,…,vd (each > 0) or the rows of a symmetric positive-definite matrix, a11,a12,…;a21,a22,…';

function parseCovarianceInput(value: unknown, flag: string): CovarianceInput {
  const fail = (): never => {
    throw new UsageError(`--${flag} must be ${COVARIANCE_FORMS} (got ${JSON.stringify(value)})`);
  };
  const positive = { min: 0, minOpen: true };
  if (typeof value === 'number') return { kind: 'scalar', value: parseNumber(value, flag, positive) };
  if (Array.isArray(value)) {
    // A config file's matrix: an array of rows.
    if (!value.every(Array.isArray)) fail();
    return { kind: 'full', rows: (value as unknown[][]).map((row) => row.map((entry) => (typeof entry === 'number' && Number.isFinite(entry) ? entry : fail()))) };
  }
  if (typeof value !== 'string') return fail();
  const text = value.trim();
  if (text === 'identity') return { kind: 'scalar', value: 1 };
  if (text.startsWith('diag:')) {
    try {
      return { kind: 'diag', values: parseNumberList(text.slice(5), flag, positive) };
    } catch {
      return fail();
    }
  }
  if (!text.includes(',') && !text.includes(';')) {
    try {
      return { kind: 'scalar', value: parseNumber(text, flag, positive) };
    } catch {
      return fail();
    }
  }
  try {
    return { kind: 'full', rows: text.split(';').map((row) => parseNumberList(row, flag, {})) };
  } catch {
    return fail();
  }
}

/** Entries a covariance input fixes the dimension to, or null (s·I, any dimension). */
function covarianceDimension(input: CovarianceInput): number | null {
  if (input.kind === 'scalar') return null;
  return input.kind === 'diag' ? (input.values.length > 1 ? input.values.length : null) : input.rows.length;
}

/** The packed covariance for dimension d, validated symmetric and positive definite. */
function covarianceOf(input: CovarianceInput, d: number, flag: string, dimSource: string): number[] {
  const packed = new Float64Array(packedSize(d));
  if (input.kind === 'scalar') {
    for (let i = 0; i < d; i++) packed[packedIndex(i, i)] = input.value;
  } else if (input.kind === 'diag') {
    if (input.values.length !== 1 && input.values.length !== d) {
      throw new UsageError(`--${flag} has ${input.values.length} diagonal entries: it needs 1 or d = ${d} (${dimSource})`);
    }
    for (let i = 0; i < d; i++) packed[packedIndex(i, i)] = input.values[input.values.length === 1 ? 0 : i];
  } else {
    const rows = input.rows;
    if (rows.length !== d || rows.some((row) => row.length !== d)) {
      throw new UsageError(`--${flag} must be a ${d}×${d} matrix, d = ${d} (${dimSource}); got ${rows.length} rows of ${rows.map((row) => row.length).join(', ')} entries`);
    }
    let largest = 0;
    for (const row of rows) for (const entry of row) largest = Math.max(largest, Math.abs(entry));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        if (Math.abs(rows[i][j] - rows[j][i]) > 1e-12 * largest) throw new UsageError(`--${flag} must be symmetric: entry (${i + 1},${j + 1}) = ${rows[i][j]} but (${j + 1},${i + 1}) = ${rows[j][i]}`);
      }
      for (let j = 0; j <= i; j++) packed[packedIndex(i, j)] = (rows[i][j] + rows[j][i]) / 2;
    }
  }
  if (!exceedsSmallestEigenvalue(packed, 0, d, 0, new Float64Array(packedSize(d))) || choleskyPacked(packed, 0, d, new Float64Array(packedSize(d)), 0) === -Infinity) {
    throw new UsageError(`--${flag} must be positive definite (its Cholesky factorisation meets a pivot ≤ 0)`);
  }
  return Array.from(packed);
}

/** A packed covariance as the rows of the full matrix (the form a config file gives). */
function unpacked(packed: readonly number[], d: number): number[][] {
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => packed[packedIndex(Math.max(i, j), Math.min(i, j))]));
}

function vectorOf(values: number[], d: number, flag: string, dimSource: string): number[] {
  if (values.length !== 1 && values.length !== d) throw new UsageError(`--${flag} has ${values.length} entries: it needs 1 (broadcast) or d = ${d} (${dimSource})`);
  return Array.from({ length: d }, (_, i) => values[values.length === 1 ? 0 : i]);
}

export const MVGAUSSIAN_OPTIONS: readonly FamilyOption[] = [
  { flag: 'dim', valueName: '<d>', description: `dimension, 1 … ${MAX_DIM} (default: the length of --mu0, --cov0, --truth-mu or --truth-cov when one has several entries, else ${DEFAULT_DIM})` },
  { flag: 'mu0', valueName: '<μ>', description: 'initial mean (mvgaussian: μ1,…,μd or one value for every component)', defaultValue: '0' },
  { flag: 'cov0', valueName: '<Σ>', description: `initial covariance: ${COVARIANCE_FORMS}`, defaultValue: 'identity' },
  { flag: 'estimator', valueName: '<name>', description: 'variance estimator: mle (÷n) or unbiased (÷(n−1))', defaultValue: 'mle' },
  { flag: 'collapse-on', valueName: '<what>', description: 'collapse when det Σ (det) or the smallest eigenvalue (min-eig) falls to ε times its start', defaultValue: 'det' },
  COLLAPSE_THRESHOLD_OPTION,
  { flag: 'truth-mu', valueName: '<μ>', description: 'ground-truth mean (default: --mu0)' },
  { flag: 'truth-cov', valueName: '<Σ>', description: 'ground-truth covariance, as --cov0 (default: --cov0)' },
];

export function resolveMvGaussian(raw: RawOptions, loop: LoopConfig): MvGaussianParams {
  const finite = {};
  const mu0Input = given(raw, 'mu0') ? parseNumberList(raw['mu0'], 'mu0', finite) : [0];
  const truthMuInput = given(raw, 'truth-mu') ? parseNumberList(raw['truth-mu'], 'truth-mu', finite) : null;
  const cov0Input = given(raw, 'cov0') ? parseCovarianceInput(raw['cov0'], 'cov0') : ({ kind: 'scalar', value: 1 } as CovarianceInput);
  const truthCovInput = given(raw, 'truth-cov') ? parseCovarianceInput(raw['truth-cov'], 'truth-cov') : null;

  let dim = DEFAULT_DIM;
  let dimSource = 'the default';
  if (given(raw, 'dim')) {
    dim = parseNumber(raw['dim'], 'dim', { integer: true, min: 1, max: MAX_DIM });
    dimSource = 'from --dim';
  } else {
    const candidates: [string, number | null][] = [
      ['mu0', mu0Input.length > 1 ? mu0Input.length : null],
      ['cov0', covarianceDimension(cov0Input)],
      ['truth-mu', truthMuInput !== null && truthMuInput.length > 1 ? truthMuInput.length : null],
      ['truth-cov', truthCovInput === null ? null : covarianceDimension(truthCovInput)],
    ];
    const found = candidates.find(([, size]) => size !== null);
    if (found !== undefined) {
      dim = found[1]!;
      dimSource = `from --${found[0]}`;
      if (dim > MAX_DIM) throw new UsageError(`--${found[0]} has ${dim} dimensions: --dim must be an integer in [1, ${MAX_DIM}]`);
    }
  }
  const mu0 = vectorOf(mu0Input, dim, 'mu0', dimSource);
  const cov0 = covarianceOf(cov0Input, dim, 'cov0', dimSource);
  const truthMu = truthMuInput === null ? mu0 : vectorOf(truthMuInput, dim, 'truth-mu', dimSource);
  const truthCov = truthCovInput === null ? cov0 : covarianceOf(truthCovInput, dim, 'truth-cov', dimSource);
  const estimator = given(raw, 'estimator') ? parseChoice(raw['estimator'], 'estimator', COVARIANCE_ESTIMATORS) : 'mle';
  const collapseOn = given(raw, 'collapse-on') ? parseChoice(raw['collapse-on'], 'collapse-on', COLLAPSE_CRITERIA) : 'det';
  const collapseThreshold = parseCollapseThreshold(raw);
  if (estimator === 'unbiased' && loop.samples + loop.groundTruth < 2) {
    throw new UsageError('--estimator unbiased needs at least 2 points per generation (--samples plus --ground-truth ≥ 2)');
  }
  if (loop.l2 > 0) {
    throw new UsageError('--l2 is not offered for --family mvgaussian: the penalised fit has no closed form (use --prior or --ground-truth)');
  }
  return { dim, mu0, cov0, estimator, collapseOn, collapseThreshold, truthMu, truthCov };
}

/** Exact laws of the plain loop (replace regime, no mitigation) on M points in d dimensions. */
export const mvGaussianTheory = {
  /** E[Σ_t] = r^t Σ₀, r = (M−1)/M for the MLE and 1 for the unbiased estimator. */
  expectedCovarianceRatio(samples: number, estimator: CovarianceEstimator, generations: number): number {
    return estimator === 'mle' ? Math.pow((samples - 1) / samples, generations) : 1;
  },
  /**
   * Var of one entry of Σ_{t+1} given Σ_t: the Wishart's Var S_ij = (M−1)(Σ_ij² + Σ_ii Σ_jj)/c²,
   * c = M or M − 1.
   */
  stepEntryVariance(samples: number, estimator: CovarianceEstimator, sigmaIJ: number, sigmaII: number, sigmaJJ: number): number {
    const divisor = estimator === 'mle' ? samples : samples - 1;
    return ((samples - 1) * (sigmaIJ * sigmaIJ + sigmaII * sigmaJJ)) / (divisor * divisor);
  },
  /**
   * E[ln det Σ_{t+1} − ln det Σ_t] = Σ_{i=1..d} [ψ((M−i)/2) + ln 2] − d ln c (Bartlett), the same
   * for every Σ_t: ln det is a random walk with i.i.d. steps.
   */
  logDetDrift(samples: number, dim: number, estimator: CovarianceEstimator): number {
    const divisor = estimator === 'mle' ? samples : samples - 1;
    let drift = 0;
    for (let i = 1; i <= dim; i++) drift += digamma((samples - i) / 2) + Math.LN2;
    return drift - dim * Math.log(divisor);
  },
  /** Var[ln det Σ_{t+1} − ln det Σ_t] = Σ_{i=1..d} ψ′((M−i)/2). */
  logDetStepVariance(samples: number, dim: number): number {
    let total = 0;
    for (let i = 1; i <= dim; i++) total += trigamma((samples - i) / 2);
    return total;
  },
};

/** The family's description; ./index.ts adds its (absent) GPU routes. */
export const mvGaussianParts = describeFamily({
  name: 'mvgaussian',
  summary: 'd-dimensional Gaussian N(μ, Σ): ln det Σ random-walks down (Bartlett) until det Σ (or λ_min) ≤ ε times its start',
  options: MVGAUSSIAN_OPTIONS,
  resolve: resolveMvGaussian,
  modes: SAMPLING_MODES,
  exactTheory: () =>
    'no exact collapse-time law for mvgaussian (ln det Σ_t is a random walk with i.i.d. Bartlett steps, whose first-passage law has no closed form; E[Σ_t] and the one-step law of ln det are checked by the test suite)',
  peerRequest: () => null,
  toOptions: (params) => ({
    dim: params.dim,
    mu0: [...params.mu0],
    cov0: unpacked(params.cov0, params.dim),
    estimator: params.estimator,
    'collapse-on': params.collapseOn,
    'collapse-threshold': params.collapseThreshold,
    'truth-mu': [...params.truthMu],
    'truth-cov': unpacked(params.truthCov, params.dim),
  }),
  create: createModel,
});
