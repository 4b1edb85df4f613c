/**
 * Exponential(rate), sufficient statistic x: the mean is multiplied by Gamma(M, 1)/M each
 * generation, so ln(mean) drifts by ψ(M) − ln M < 0 per step. Collapse is the first
 * generation with mean_t ≤ ε mean₀.
 */
import { fillActive, laneScratch, shifted } from '../../rng/lanes.js';
import { digamma, trigamma } from '../../math/special.js';
import { given, parseNumber, type RawOptions } from '../../spec/parse.js';
import { SAMPLING_MODES, addSums, floatColumn, type FamilyModel, type LoopConfig, formatLimit, GROWTH_MARGIN, pooledPoints, type NumberFormat, type RangeContext } from '../family.js';
import { describeFamily, peerDepartures } from '../descriptor.js';
import { COLLAPSE_THRESHOLD_OPTION, parseCollapseThreshold } from '../collapse-threshold.js';

export interface ExponentialParams {
  readonly rate0: number;
  readonly collapseThreshold: number;
  readonly truthRate: number;
}

/**
 * The L2-penalised fit of θ = −rate: mean = x̄ + c·rate = x̄ + c/mean, so
 * mean = (x̄ + √(x̄² + 4c))/2, never 0.
 */
export function exponentialMeanWithL2(mean: number, c: number): number {
  return (mean + Math.sqrt(mean * mean + 4 * c)) / 2;
}

function createModel(params: ExponentialParams, loop: LoopConfig): FamilyModel {
  const meanFloor = params.collapseThreshold / params.rate0;
  return {
    family: 'exponential',
    // The state is the mean 1/rate: it is what the fit produces and what collapses.
    stateSize: 1,
    statsSize: 2,
    hasOutcome: false,
    events: [],
    finalColumns: [floatColumn('final_rate', 'rate at the last generation simulated')],
    trajectoryColumns: [floatColumn('rate', 'fitted rate (1 / mean)')],
    initialState: () => Float64Array.of(1 / params.rate0),
    truthState: () => Float64Array.of(1 / params.truthRate),
    createSampler(generator) {
      const gammas = laneScratch(generator);
      return (states, count, mode, stats) => {
        const sums = shifted(stats, 1);
        if (mode === 'sufficient') {
          // Σx = mean·Gamma(M, 1).
          generator.gammas(count, gammas);
          const { active, activeCount } = generator;
          for (let k = 0; k < activeCount; k++) {
            const lane = active[k];
            sums.data[sums.offset + lane * sums.stride] = states.data[states.offset + lane * states.stride] * gammas.data[lane];
          }
        } else {
          generator.exponentialSums(count, states, sums);
        }
        fillActive(generator, stats, count);
      };
    },
    samplerFloatsPerLane: 1,
    addStats: addSums,
    pseudoStats(weight, out) {
      out[0] = weight;
      out[1] = weight / params.truthRate;
    },
    fit(stats, state) {
      const mean = stats[1] / stats[0];
      state[0] = loop.l2 > 0 ? exponentialMeanWithL2(mean, loop.l2 / stats[0]) : mean;
    },
    isCollapsed: (state) => state[0] <= meanFloor,
    outcome: () => NaN,
    isOutcome: () => false,
    isFrozen: (state) => state[0] === 0,
    writeFinals(state, out) {
      out[0] = 1 / state[0];
    },
    writeTrajectory(state, out) {
      out[0] = 1 / state[0];
    },
  };
}

/**
 * Where an exponential configuration leaves `format`: the sum of the points one fit pools,
 * with the mean free to grow by GROWTH_MARGIN (it is a martingale), must stay finite, and
 * the collapse floor ε·mean₀ must be a normal number with room to spare. The sums are
 * scale-free otherwise: float32 loses no more than rounding.
 */
export function exponentialRangeRefusal(params: ExponentialParams, run: RangeContext, format: NumberFormat): string | null {
  const points = pooledPoints(run);
  const largestMean = Math.max(1 / params.rate0, 1 / params.truthRate) * GROWTH_MARGIN;
  if (!(largestMean * points * 4 < format.largest)) {
    return `1 / --rate0 (or 1 / --truth-rate) × the points one fit pools (${formatLimit(points)}) must stay below ${formatLimit(format.largest / (4 * GROWTH_MARGIN))} in ${format.name}, with room for the mean to grow ${formatLimit(GROWTH_MARGIN)}-fold (got a mean of ${formatLimit(largestMean / GROWTH_MARGIN)})`;
  }
  const floor = params.collapseThreshold / params.rate0;
  if (!(floor >= format.smallest)) {
    return `--collapse-threshold / --rate0 (${formatLimit(floor)}, the collapse floor of the mean) must be at least ${formatLimit(format.smallest)} in ${format.name}`;
  }
  return null;
}

/** The family's description; ./index.ts adds its GPU routes. */
export const exponentialParts = describeFamily({
  name: 'exponential',
  summary: 'Exponential(rate): ln(mean) drifts down by ψ(M) − ln M per generation until mean ≤ ε mean₀',
  options: [
    { flag: 'rate0', valueName: '<rate>', description: 'initial rate > 0', defaultValue: '1' },
    COLLAPSE_THRESHOLD_OPTION,
    { flag: 'truth-rate', valueName: '<rate>', description: 'ground-truth rate > 0 (default: --rate0)' },
  ],
  resolve(raw: RawOptions): ExponentialParams {
    const positive = { min: 0, minOpen: true };
    const rate0 = given(raw, 'rate0') ? parseNumber(raw['rate0'], 'rate0', positive) : 1;
    const collapseThreshold = parseCollapseThreshold(raw);
    const truthRate = given(raw, 'truth-rate') ? parseNumber(raw['truth-rate'], 'truth-rate', positive) : rate0;
    return { rate0, collapseThreshold, truthRate };
  },
  modes: SAMPLING_MODES,
  exactTheory: () => 'no exact collapse-time law for exponential (its variance and martingale laws are checked by the test suite)',
  peerRequest: () => null,
  rangeRefusal: exponentialRangeRefusal,
  toOptions: (params) => ({ rate0: params.rate0, 'collapse-threshold': params.collapseThreshold, 'truth-rate': params.truthRate }),
  create: createModel,
});

/** Exact theory for pure maximum likelihood, replace regime. */
export const exponentialTheory = {
  /** E[ln mean_{t+1} − ln mean_t] = ψ(M) − ln M. */
  logMeanDrift: (samples: number): number => digamma(samples) - Math.log(samples),
  /** Var[ln mean_{t+1} − ln mean_t] = ψ′(M). */
  logMeanStepVariance: (samples: number): number => trigamma(samples),
};
