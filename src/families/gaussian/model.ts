/**
 * Gaussian(μ, σ²), sufficient statistics (x, x²), kept as (n, mean, M2 = Σ(x − mean)²)
 * so that pooling (Chan et al.) stays accurate when σ² ≪ μ². With M points,
 * mean ~ N(μ, σ²/M) and M2 ~ σ² χ²_{M−1}. Under the MLE σ² shrinks by (M−1)/M per step
 * in expectation; under the unbiased estimator σ² is a martingale and still collapses,
 * since E[Δ ln σ²] = ψ((M−1)/2) − ln((M−1)/2) < 0 (Shumailov et al. 2024, Thm 3.1).
 * Collapse is the first generation with σ²_t ≤ ε σ²₀.
 */
import { fillActive, laneScratch, shifted } from '../../rng/lanes.js';
import { digamma, logGamma, trigamma } from '../../math/special.js';
import { solveIncreasing } from '../../math/roots.js';
import { UsageError } from '../../spec/errors.js';
import { given, parseChoice, parseNumber, type RawOptions } from '../../spec/parse.js';
import { SAMPLING_MODES, floatColumn, type FamilyModel, type FamilyOption, type LoopConfig, formatLimit, GROWTH_MARGIN, pooledPoints, type NumberFormat, type RangeContext } from '../family.js';
import { COLLAPSE_THRESHOLD_OPTION, parseCollapseThreshold } from '../collapse-threshold.js';
import { describeFamily, peerDepartures } from '../descriptor.js';

export type VarianceEstimator = 'mle' | 'unbiased';
export const VARIANCE_ESTIMATORS: readonly VarianceEstimator[] = ['mle', 'unbiased'];

export interface GaussianParams {
  readonly mu0: number;
  readonly var0: number;
  readonly estimator: VarianceEstimator;
  /** ε: collapse when σ²_t ≤ ε σ²₀. */
  readonly collapseThreshold: number;
  readonly truthMu: number;
  readonly truthVar: number;
}


/** Chan, Golub & LeVeque's pairwise update of (n, mean, M2). */
export function poolMoments(into: Float64Array, from: Float64Array): void {
  const nA = into[0];
  const nB = from[0];
  if (nB === 0) return;
  if (nA === 0) {
    into.set(from);
    return;
  }
  const n = nA + nB;
  const delta = from[1] - into[1];
  into[1] += (delta * nB) / n;
  into[2] += from[2] + (delta * delta * nA * nB) / n;
  into[0] = n;
}

/**
 * The L2-penalised fit of the natural parameters θ = (μ/v, −1/(2v)): with c = λ/n,
 * mean x̄ and s² = M2/n it solves v − c/(2v) − s² − x̄² c(2v + c)/(v + c)² = 0 (increasing
 * in v), then μ = x̄ v/(v + c). Returns [μ, v].
 */
export function gaussianWithL2(mean: number, spread: number, c: number): [number, number] {
  const m2 = mean * mean;
  const logVariance = solveIncreasing(
    (x) => {
      const v = Math.exp(x);
      const vc = v + c;
      const value = v - c / (2 * v) - spread - (m2 * c * (2 * v + c)) / (vc * vc);
      const slope = v * (1 + c / (2 * v * v) + (2 * m2 * c * v) / (vc * vc * vc));
      return [value, slope];
    },
    Math.log(Math.sqrt(c / 2)) - 1,
    Math.log(Math.max(spread, Math.sqrt(c / 2))) + 1,
  );
  const v = Math.exp(logVariance);
  return [(mean * v) / (v + c), v];
}

function createModel(params: GaussianParams, loop: LoopConfig): FamilyModel {
  const varianceFloor = params.collapseThreshold * params.var0;
  const denominatorShift = params.estimator === 'unbiased' ? 1 : 0;
  return {
    family: 'gaussian',
    stateSize: 2,
    statsSize: 3,
    hasOutcome: false,
    events: [],
    finalColumns: [
      floatColumn('final_mu', 'μ at the last generation simulated'),
      floatColumn('final_var', 'σ² at the last generation simulated'),
    ],
    trajectoryColumns: [floatColumn('mu', 'fitted mean μ'), floatColumn('var', 'fitted variance σ²')],
    initialState: () => Float64Array.of(params.mu0, params.var0),
    truthState: () => Float64Array.of(params.truthMu, params.truthVar),
    createSampler(generator) {
      const normals = laneScratch(generator);
      const gammas = laneScratch(generator);
      return (states, count, mode, stats) => {
        const means = shifted(stats, 1);
        const spreads = shifted(stats, 2);
        if (mode === 'per-sample') {
          // Welford's running mean and M2 over the points, one by one.
          generator.normalMoments(count, states, shifted(states, 1), means, spreads);
        } else {
          // mean ~ N(μ, σ²/M) and M2 ~ σ²·χ²_{M−1} = σ²·2·Gamma((M−1)/2), drawn in that order.
          generator.normals(normals);
          if (count > 1) generator.gammas((count - 1) / 2, gammas);
          const { active, activeCount } = generator;
          for (let k = 0; k < activeCount; k++) {
            const lane = active[k];
            const row = states.offset + lane * states.stride;
            const sigma = Math.sqrt(states.data[row + 1]);
            const at = stats.offset + lane * stats.stride;
            stats.data[at + 1] = states.data[row] + (sigma / Math.sqrt(count)) * normals.data[lane];
            stats.data[at + 2] = count > 1 ? states.data[row + 1] * (2 * gammas.data[lane]) : 0;
          }
        }
        fillActive(generator, stats, count);
      };
    },
    samplerFloatsPerLane: 2,
    addStats: poolMoments,
    pseudoStats(weight, out) {
      out[0] = weight;
      out[1] = params.truthMu;
      out[2] = weight * params.truthVar;
    },
    fit(stats, state) {
      if (loop.l2 > 0) {
        const [mu, variance] = gaussianWithL2(stats[1], stats[2] / stats[0], loop.l2 / stats[0]);
        state[0] = mu;
        state[1] = variance;
        return;
      }
      state[0] = stats[1];
      state[1] = stats[2] / (stats[0] - denominatorShift);
    },
    isCollapsed: (state) => state[1] <= varianceFloor,
    outcome: () => NaN,
    isOutcome: () => false,
    isFrozen: (state) => state[1] === 0,
    writeFinals(state, out) {
      out[0] = state[0];
      out[1] = state[1];
    },
    writeTrajectory(state, out) {
      out[0] = state[0];
      out[1] = state[1];
    },
  };
}

/**
 * Where a Gaussian configuration leaves `format` (see FamilyDescriptor.rangeRefusal):
 * - M2 = Σ(x − x̄)² over the points pooled, with σ² free to grow by GROWTH_MARGIN (σ² is a
 *   supermartingale), must stay finite;
 * - the collapse floor ε·σ²₀ must be a normal number with room to spare;
 * - where points are drawn one by one or pooled (per-sample, ground truth, prior, a regime
 *   that pools generations), x = μ + σz is rounded to the spacing of numbers near |μ|:
 *   that rounding adds a variance of spacing²/12, which at the collapse floor must be
 *   below a hundredth of σ²'s per-generation drift (about σ²/n), or the collapse time is
 *   wrong. |μ| is bounded by its start and the truth plus ten standard deviations.
 */
/**
 * A lower bound on σ² over the run that fails with probability below 10⁻¹² per chain: the
 * collapse floor, or, where the run is too short to get there, what T generations can do.
 * In the replace regime (the fastest decline; pooling only slows it) σ²_{t+1}/σ²_t =
 * χ²_k/c with k = n − 1 and c = n (MLE) or n − 1, so ln σ²_T/σ²_0 is a sum of T
 * independent ln(χ²_k/c); Chernoff's bound with E[(χ²_k/c)^{−s}] = (c/2)^s Γ(k/2 − s)/Γ(k/2)
 * gives how far below its start it can fall.
 */
export function lowestVariance(params: GaussianParams, run: RangeContext): number {
  const floor = params.collapseThreshold * params.var0;
  const n = run.samples + run.groundTruth;
  const k = n - 1;
  if (k < 1) return floor;
  const c = params.estimator === 'mle' ? n : k;
  const logChance = Math.log(1e-12);
  let fall = Infinity;
  // Minimise over s in (0, k/2) on a grid: the bound holds at every s.
  for (let i = 1; i < 200; i++) {
    const s = (i / 200) * (k / 2);
    const logMoment = s * Math.log(c / 2) + logGamma(k / 2 - s) - logGamma(k / 2);
    fall = Math.min(fall, (run.generations * logMoment - logChance) / s);
  }
  return Math.max(floor, Math.min(params.var0, params.truthVar) * Math.exp(-fall));
}

export function gaussianRangeRefusal(params: GaussianParams, run: RangeContext, format: NumberFormat): string | null {
  const points = pooledPoints(run);
  const largestVariance = Math.max(params.var0, params.truthVar) * GROWTH_MARGIN;
  if (!(largestVariance * points * 4 < format.largest)) {
    return `--var0 (or --truth-var) × the points one fit pools (${formatLimit(points)}) must stay below ${formatLimit(format.largest / (4 * GROWTH_MARGIN))} in ${format.name}, with room for σ² to grow ${formatLimit(GROWTH_MARGIN)}-fold (got σ² = ${formatLimit(Math.max(params.var0, params.truthVar))})`;
  }
  const floor = params.collapseThreshold * params.var0;
  if (!(floor >= format.smallest)) {
    return `--collapse-threshold × --var0 (${formatLimit(floor)}) must be at least ${formatLimit(format.smallest)} in ${format.name}`;
  }
  const n = run.samples + run.groundTruth;
  const rounds = run.mode === 'per-sample' || run.groundTruth > 0 || run.prior > 0 || run.pooledGenerations > 1;
  const largestMean = Math.max(Math.abs(params.mu0), Math.abs(params.truthMu)) + 10 * Math.sqrt(Math.max(params.var0, params.truthVar));
  const spacing = 2 * format.unitRoundoff * largestMean;
  // σ at the lowest σ² the run reaches: the collapse floor, or above it for a short run.
  const floorSigma = Math.sqrt(lowestVariance(params, run));
  if (rounds && !(spacing <= floorSigma * Math.sqrt(0.12 / n))) {
    const spread = 10 * Math.sqrt(Math.max(params.var0, params.truthVar));
    const widest = (floorSigma * Math.sqrt(0.12 / n)) / (2 * format.unitRoundoff) - spread;
    const resolution = `near |x| = ${formatLimit(largestMean)} numbers are ${formatLimit(spacing)} apart, too coarse for σ = ${formatLimit(floorSigma)} (the lowest the run reaches: σ₀ √--collapse-threshold, or what --generations allow) with ${formatLimit(n)} points`;
    return widest > 0
      ? `--mu0 (or --truth-mu) is too far from 0 for ${format.name} at this collapse floor: ${resolution}; |μ| up to about ${formatLimit(widest)} works, or a larger --collapse-threshold`
      : `--truth-var (or --var0) spreads the data too wide for ${format.name} to resolve the collapse floor: ${resolution}; use a larger --collapse-threshold or a narrower truth`;
  }
  if (run.l2 > 0 && !(largestMean * largestMean * GROWTH_MARGIN < format.largest)) {
    return `--l2 squares μ: --mu0 (or --truth-mu) must be below ${formatLimit(Math.sqrt(format.largest / GROWTH_MARGIN))} in ${format.name}`;
  }
  return null;
}

/** The family's description; ./index.ts adds its GPU routes. */
export const gaussianParts = describeFamily({
  name: 'gaussian',
  summary: 'Gaussian(μ, σ²): σ² shrinks (MLE) or random-walks down (unbiased) until σ² ≤ ε σ²₀',
  options: [
    { flag: 'mu0', valueName: '<μ>', description: 'initial mean', defaultValue: '0' },
    { flag: 'var0', valueName: '<σ²>', description: 'initial variance > 0', defaultValue: '1' },
    { flag: 'estimator', valueName: '<name>', description: 'variance estimator: mle (÷n) or unbiased (÷(n−1))', defaultValue: 'mle' },
    COLLAPSE_THRESHOLD_OPTION,
    { flag: 'truth-mu', valueName: '<μ>', description: 'ground-truth mean (default: --mu0)' },
    { flag: 'truth-var', valueName: '<σ²>', description: 'ground-truth variance > 0 (default: --var0)' },
  ],
  resolve(raw: RawOptions, loop: LoopConfig): GaussianParams {
    const finite = {};
    const positive = { min: 0, minOpen: true };
    const mu0 = given(raw, 'mu0') ? parseNumber(raw['mu0'], 'mu0', finite) : 0;
    const var0 = given(raw, 'var0') ? parseNumber(raw['var0'], 'var0', positive) : 1;
    const estimator = given(raw, 'estimator') ? parseChoice(raw['estimator'], 'estimator', VARIANCE_ESTIMATORS) : 'mle';
    const collapseThreshold = parseCollapseThreshold(raw);
    const truthMu = given(raw, 'truth-mu') ? parseNumber(raw['truth-mu'], 'truth-mu', finite) : mu0;
    const truthVar = given(raw, 'truth-var') ? parseNumber(raw['truth-var'], 'truth-var', positive) : var0;
    if (estimator === 'unbiased' && loop.samples + loop.groundTruth < 2) {
      throw new UsageError('--estimator unbiased needs at least 2 points per generation (--samples plus --ground-truth ≥ 2)');
    }
    if (estimator === 'unbiased' && loop.l2 > 0) {
      throw new UsageError('--l2 penalises the likelihood, so it needs --estimator mle');
    }
    return { mu0, var0, estimator, collapseThreshold, truthMu, truthVar };
  },
  modes: SAMPLING_MODES,
  exactTheory: () => 'no exact collapse-time law for gaussian (its variance and martingale laws are checked by the test suite)',
  peerRequest(config) {
    const params = config.familyParams as GaussianParams;
    return peerDepartures(config) ?? { params: { mu0: params.mu0, var0: params.var0, estimator: params.estimator, collapse_threshold: params.collapseThreshold }, sufficientForm: 'chi-square' };
  },
  toOptions: (params) => ({
    mu0: params.mu0,
    var0: params.var0,
    estimator: params.estimator,
    'collapse-threshold': params.collapseThreshold,
    'truth-mu': params.truthMu,
    'truth-var': params.truthVar,
  }),
  rangeRefusal: gaussianRangeRefusal,
  create: createModel,
});

/** Exact theory for replace-regime fits on M points, no mitigation. */
export const gaussianTheory = {
  /** E[σ²_t]/σ²₀ = r^t, r = (M−1)/M for the MLE and 1 for the unbiased estimator. */
  expectedVarianceRatio(samples: number, estimator: VarianceEstimator, generations: number): number {
    return estimator === 'mle' ? Math.pow((samples - 1) / samples, generations) : 1;
  },
  /** E[σ⁴_t]/σ⁴₀ = (E[(χ²_{M−1}/c)²])^t = ((M−1)(M+1)/c²)^t with c = M or M−1. */
  expectedSquaredVarianceRatio(samples: number, estimator: VarianceEstimator, generations: number): number {
    const divisor = estimator === 'mle' ? samples : samples - 1;
    return Math.pow(((samples - 1) * (samples + 1)) / (divisor * divisor), generations);
  },
  /** E[ln σ²_{t+1} − ln σ²_t] = ψ((M−1)/2) + ln 2 − ln c. */
  logVarianceDrift(samples: number, estimator: VarianceEstimator): number {
    const divisor = estimator === 'mle' ? samples : samples - 1;
    return digamma((samples - 1) / 2) + Math.LN2 - Math.log(divisor);
  },
  /** Var[ln σ²_{t+1} − ln σ²_t] = ψ′((M−1)/2). */
  logVarianceStepVariance: (samples: number): number => trigamma((samples - 1) / 2),
};
