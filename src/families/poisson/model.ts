/**
 * Poisson(λ), sufficient statistic x: Σx ~ Poisson(Mλ_t). Under maximum likelihood
 * S_{t+1} = Σx ~ Poisson(S_t), a critical Galton–Watson process with Poisson(1)
 * offspring, so λ = 0 is reached with probability 1 (but E[τ] = ∞: the tail is ~2/t).
 */
import { fillActive, laneScratch, shifted } from '../../rng/lanes.js';
import { solveIncreasing } from '../../math/roots.js';
import { given, parseNumber, type RawOptions } from '../../spec/parse.js';
import { SAMPLING_MODES, addSums, floatColumn, type FamilyModel, type LoopConfig, countRefusal, formatLimit, type NumberFormat, type RangeContext } from '../family.js';
import { describeFamily, peerDepartures } from '../descriptor.js';

export interface PoissonParams {
  readonly lambda0: number;
  readonly truthLambda: number;
}

/** λ = e^θ fitted with an L2 penalty on θ: solves e^θ + cθ = mean. */
export function poissonWithL2(mean: number, c: number): number {
  const theta = solveIncreasing((x) => [Math.exp(x) + c * x - mean, Math.exp(x) + c], -1, Math.log(Math.max(mean, 1)) + 1);
  return Math.exp(theta);
}

function createModel(params: PoissonParams, loop: LoopConfig): FamilyModel {
  return {
    family: 'poisson',
    stateSize: 1,
    statsSize: 2,
    hasOutcome: true,
    events: [],
    finalColumns: [floatColumn('final_lambda', 'λ at the last generation simulated')],
    trajectoryColumns: [floatColumn('lambda', 'fitted rate λ')],
    initialState: () => Float64Array.of(params.lambda0),
    truthState: () => Float64Array.of(params.truthLambda),
    createSampler(generator) {
      const means = laneScratch(generator);
      return (states, count, mode, stats) => {
        const sums = shifted(stats, 1);
        if (mode === 'sufficient') {
          // Σx ~ Poisson(M·λ): the mean of each lane's one draw.
          const { active, activeCount } = generator;
          for (let k = 0; k < activeCount; k++) {
            const lane = active[k];
            means.data[lane] = count * states.data[states.offset + lane * states.stride];
          }
          generator.poissons(means, sums);
        } else {
          generator.poissonSums(count, states, sums);
        }
        fillActive(generator, stats, count);
      };
    },
    samplerFloatsPerLane: 1,
    addStats: addSums,
    pseudoStats(weight, out) {
      out[0] = weight;
      out[1] = weight * params.truthLambda;
    },
    fit(stats, state) {
      state[0] = loop.l2 > 0 ? poissonWithL2(stats[1] / stats[0], loop.l2 / stats[0]) : stats[1] / stats[0];
    },
    isCollapsed: (state) => state[0] === 0,
    outcome: () => 0,
    isOutcome: (value) => value === 0,
    isFrozen: (state) => state[0] === 0,
    writeFinals(state, out) {
      out[0] = state[0];
    },
    writeTrajectory(state, out) {
      out[0] = state[0];
    },
  };
}

/**
 * Where a Poisson configuration leaves `format`: counts must stay exact integers. The count
 * of a generation, S = Σx, is a martingale (a critical Galton–Watson process under maximum
 * likelihood, pulled back by mitigations), starting at S₀ = n·max(λ₀, λ*). Over T
 * generations it stays below S₀ + 10√(S₀T) but for fluctuations beyond ten standard
 * deviations, and a surviving line of descent grows like t/2 (S_t/t → Exp(½) given
 * survival), so it reaches a count A with probability about S₀·e^{−2A/T}: that must be
 * below 10⁻¹² per chain too. Pooled generations (accumulate, window) add theirs up.
 */
export function poissonRangeRefusal(params: PoissonParams, run: RangeContext, format: NumberFormat): string | null {
  const counted = countRefusal(run, format);
  if (counted !== null) return counted;
  const n = run.samples + run.groundTruth;
  const start = n * Math.max(params.lambda0, params.truthLambda) + run.prior * params.truthLambda;
  const horizon = run.generations;
  const fluctuation = start + 10 * Math.sqrt(Math.max(start, 1) * horizon);
  const limit = format.exactIntegers / run.pooledGenerations;
  const lineage = Math.max(start, 1) * Math.exp((-2 * limit) / horizon);
  if (!(fluctuation < limit) || !(lineage < 1e-12)) {
    return (
      `--lambda0 (or --truth-lambda) × (--samples + --ground-truth) = ${formatLimit(start)} counts per generation can grow over --generations ${horizon} ` +
      `beyond ${formatLimit(limit)}${run.pooledGenerations > 1 ? ' (pooled over the generations kept)' : ''}, past exact ${format.name} integers`
    );
  }
  return null;
}

/** The family's description; ./index.ts adds its GPU routes. */
export const poissonParts = describeFamily({
  name: 'poisson',
  summary: 'Poisson(λ): a critical Galton–Watson process; absorbed at λ = 0',
  options: [
    { flag: 'lambda0', valueName: '<λ>', description: 'initial rate ≥ 0', defaultValue: '1' },
    { flag: 'truth-lambda', valueName: '<λ>', description: 'ground-truth rate ≥ 0 (default: --lambda0)' },
  ],
  resolve(raw: RawOptions): PoissonParams {
    const rate = { min: 0 };
    const lambda0 = given(raw, 'lambda0') ? parseNumber(raw['lambda0'], 'lambda0', rate) : 1;
    const truthLambda = given(raw, 'truth-lambda') ? parseNumber(raw['truth-lambda'], 'truth-lambda', rate) : lambda0;
    return { lambda0, truthLambda };
  },
  modes: SAMPLING_MODES,
  exactTheory: () => 'no exact collapse-time law for poisson (its variance and martingale laws are checked by the test suite)',
  peerRequest: () => null,
  rangeRefusal: poissonRangeRefusal,
  toOptions: (params) => ({ lambda0: params.lambda0, 'truth-lambda': params.truthLambda }),
  create: createModel,
});

/** Exact theory for pure maximum likelihood, replace regime. */
export const poissonTheory = {
  /**
   * P(τ ≤ t) = exp(Mλ₀(q_{t−1} − 1)), q₀ = 0, q_{k+1} = e^{q_k − 1}: S₁ ~ Poisson(Mλ₀)
   * founders, each line extinct within k generations with probability q_k.
   */
  extinctionCdf(samples: number, lambda0: number, horizon: number): Float64Array {
    const cdf = new Float64Array(horizon + 1);
    if (lambda0 === 0) return cdf.fill(1);
    let q = 0;
    for (let t = 1; t <= horizon; t++) {
      cdf[t] = Math.exp(samples * lambda0 * (q - 1));
      q = Math.exp(q - 1);
    }
    return cdf;
  },
};
