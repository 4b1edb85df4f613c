/**
 * Bernoulli(p), sufficient statistic φ(x) = x. The closed loop is the neutral haploid
 * Wright–Fisher chain with M copies: p_{t+1} = k/M, k ~ Binomial(M, p_t); absorbing
 * states p ∈ {0, 1}, reached at 1 with probability p₀.
 */
import { fillActive, sharedValue, shifted } from '../../rng/lanes.js';
import { solveIncreasing } from '../../math/roots.js';
import { given, parseNumber, type RawOptions } from '../../spec/parse.js';
import { wrightFisherAbsorption, type AbsorptionLaw } from '../../stats/wright-fisher.js';
import { SAMPLING_MODES, addSums, floatColumn, type FamilyModel, type LoopConfig, countRefusal, wrightFisherTheory } from '../family.js';
import { describeFamily, peerDepartures } from '../descriptor.js';

export interface BernoulliParams {
  /** Initial P(x = 1). */
  readonly p0: number;
  /** Ground-truth P(x = 1): fresh real points and the prior's mean. */
  readonly truthP: number;
}

const PROBABILITY = { min: 0, max: 1 };

/** p = σ(θ) fitted with an L2 penalty: solves σ(θ) + cθ = mean, c = λ/n. */
export function logisticWithL2(mean: number, c: number): number {
  const theta = solveIncreasing(
    (x) => {
      const p = 1 / (1 + Math.exp(-x));
      return [p + c * x - mean, p * (1 - p) + c];
    },
    (mean - 1) / c,
    mean / c,
  );
  return 1 / (1 + Math.exp(-theta));
}

function createModel(params: BernoulliParams, loop: LoopConfig): FamilyModel {
  return {
    family: 'bernoulli',
    stateSize: 1,
    statsSize: 2,
    hasOutcome: true,
    events: [],
    finalColumns: [floatColumn('final_p', 'p at the last generation simulated')],
    trajectoryColumns: [floatColumn('p', 'P(x = 1) of the fitted model')],
    initialState: () => Float64Array.of(params.p0),
    truthState: () => Float64Array.of(params.truthP),
    createSampler(generator) {
      const trials = sharedValue(generator);
      return (states, count, mode, stats) => {
        const successes = shifted(stats, 1);
        if (mode === 'per-sample') generator.bernoulliCounts(count, states, successes);
        else generator.binomials(trials.set(count), states, successes);
        fillActive(generator, stats, count);
      };
    },
    samplerFloatsPerLane: 0,
    addStats: addSums,
    pseudoStats(weight, out) {
      out[0] = weight;
      out[1] = weight * params.truthP;
    },
    fit(stats, state) {
      // One division of the counts: exact enough that the next generation's Bernoulli
      // thresholds are the integer comparisons u·n < k·2^24 (see rng/distributions/bernoulli).
      state[0] = loop.l2 > 0 ? logisticWithL2(stats[1] / stats[0], loop.l2 / stats[0]) : stats[1] / stats[0];
    },
    isCollapsed: (state) => state[0] === 0 || state[0] === 1,
    outcome: (state) => state[0],
    isOutcome: (value) => value === 0 || value === 1,
    isFrozen: (state) => state[0] === 0 || state[0] === 1,
    writeFinals(state, out) {
      out[0] = state[0];
    },
    writeTrajectory(state, out) {
      out[0] = state[0];
    },
  };
}

/** The family's description; ./index.ts adds its GPU routes. */
export const bernoulliParts = describeFamily({
  name: 'bernoulli',
  summary: 'Bernoulli(p): Wright–Fisher with M copies; absorbed at p = 0 or 1',
  options: [
    { flag: 'p0', valueName: '<p>', description: 'initial probability of a 1, in [0, 1]', defaultValue: '0.5' },
    { flag: 'truth-p', valueName: '<p>', description: 'ground-truth p for --ground-truth and --prior, in [0, 1] (default: --p0)' },
  ],
  resolve(raw: RawOptions): BernoulliParams {
    const p0 = given(raw, 'p0') ? parseNumber(raw['p0'], 'p0', PROBABILITY) : 0.5;
    const truthP = given(raw, 'truth-p') ? parseNumber(raw['truth-p'], 'truth-p', PROBABILITY) : p0;
    return { p0, truthP };
  },
  modes: SAMPLING_MODES,
  exactTheory(config) {
    const p0 = (config.familyParams as BernoulliParams).p0;
    const law = bernoulliTheory.absorptionTime(config.samples, p0, config.generations);
    return { source: `Wright–Fisher transition matrix, ${config.samples} copies`, ...wrightFisherTheory(law, config.generations), outcome: (value) => (value === 1 ? p0 : 1 - p0) };
  },
  peerRequest(config) {
    return peerDepartures(config) ?? { params: { p0: (config.familyParams as BernoulliParams).p0 }, sufficientForm: 'binomial' };
  },
  // Counts of points: exact while one fit pools fewer than the format's exact integers.
  rangeRefusal: (_params, run, format) => countRefusal(run, format),
  toOptions: (params) => ({ p0: params.p0, 'truth-p': params.truthP }),
  create: createModel,
});

/** Exact theory for pure maximum likelihood with data of the last generation only. */
export const bernoulliTheory = {
  /** P(absorbed at 1) = p₀: optional stopping of the martingale p_t. */
  fixationProbability: (p0: number): number => p0,
  /** The absorption-time law from the (M+1)-state Wright–Fisher transition matrix. */
  absorptionTime: (samples: number, p0: number, horizon: number): AbsorptionLaw =>
    wrightFisherAbsorption(samples, p0, horizon),
  /** Kimura's diffusion approximation −2M[p₀ ln p₀ + (1−p₀) ln(1−p₀)]. */
  kimuraMeanAbsorptionTime: (samples: number, p0: number): number =>
    p0 <= 0 || p0 >= 1 ? 0 : -2 * samples * (p0 * Math.log(p0) + (1 - p0) * Math.log(1 - p0)),
};
