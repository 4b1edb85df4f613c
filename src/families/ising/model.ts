/**
 * Mean-field Ising model of N spins s_i = ±1:
 *   P(s) ∝ exp(θ₁ Σ_i s_i + θ₂ · pair(m)),  m = Σ_i s_i,
 * where the pair term is (1/N) Σ_{i<j} s_i s_j = (m² − N)/(2N) ("mean-field" scale, the
 * default) or Σ_{i<j} s_i s_j = (m² − N)/2 ("unscaled"); the two differ by a factor N in
 * θ₂. Everything depends on a configuration only through its level u = (N + m)/2 (the
 * number of up spins), so the model is a distribution over the N + 1 levels:
 *   P(u) = C(N, u) exp(θ₁ m + θ₂ pair(m)) / Z.
 * Sufficient statistics per sample: (m, m²). Absorbing states are the fully polarised
 * models (all spins up or all down). With θ₂ = 0 and only θ₁ learned the spins are
 * independent with P(up) = (1 + tanh θ₁)/2 and the chain is Wright–Fisher with N·M copies.
 *
 * Learning θ₂ too, the maximum-likelihood fit can land on the boundary of the family's
 * closure: all samples at ±N with both signs (θ₂ = +∞, a two-point law on ±N), or all
 * samples on one or two adjacent levels (θ₂ = −∞). These are handled exactly from the
 * integer statistics; a point mass on a level other than ±N is absorbing without being
 * polarised ("frozen").
 */
import { column, fillActive, laneScratch, sharedValue, shifted, withActiveSubset } from '../../rng/lanes.js';
import { logChoose } from '../../math/special.js';
import { solveIncreasing } from '../../math/roots.js';
import { UsageError } from '../../spec/errors.js';
import { given, parseChoice, parseNumber, type RawOptions } from '../../spec/parse.js';
import { wrightFisherAbsorption, type AbsorptionLaw } from '../../stats/wright-fisher.js';
import { SAMPLING_MODES, absorbedUnlessMitigated, addSums, countRefusal, eventColumn, floatColumn, type FamilyEvent, type FamilyModel, type LoopConfig, wrightFisherTheory } from '../family.js';
import { describeFamily, peerDepartures } from '../descriptor.js';

export type IsingLearn = 'theta1' | 'theta1,theta2';
export const ISING_LEARN: readonly IsingLearn[] = ['theta1', 'theta1,theta2'];
export type CouplingScale = 'mean-field' | 'unscaled';
export const COUPLING_SCALES: readonly CouplingScale[] = ['mean-field', 'unscaled'];
export const MAX_SPINS = 4096;

/** A model given by its mean magnetisation per spin m and its natural parameters. */
export interface IsingModelSpec {
  /** E[m]/N in [−1, 1]. */
  readonly m: number;
  /** null where infinite: the fully polarised models m = ±1. */
  readonly theta1: number | null;
  readonly theta2: number;
}

export interface IsingParams {
  readonly spins: number;
  readonly learn: IsingLearn;
  readonly couplingScale: CouplingScale;
  readonly initial: IsingModelSpec;
  readonly truth: IsingModelSpec;
}

/** Moments of (m, pair(m)) under a level distribution (logNormaliser NaN where not computed). */
export interface Moments {
  logNormaliser: number;
  meanM: number;
  meanPair: number;
  varM: number;
  covariance: number;
  varPair: number;
}

const emptyMoments = (): Moments => ({ logNormaliser: NaN, meanM: NaN, meanPair: NaN, varM: NaN, covariance: NaN, varPair: NaN });

/** The N + 1 magnetisation levels and the distributions over them. */
export class IsingLevels {
  readonly count: number;
  readonly magnetisation: Float64Array;
  readonly pair: Float64Array;
  readonly logMultiplicity: Float64Array;
  private readonly logWeights: Float64Array;

  constructor(
    readonly spins: number,
    readonly couplingScale: CouplingScale,
  ) {
    this.count = spins + 1;
    this.magnetisation = new Float64Array(this.count);
    this.pair = new Float64Array(this.count);
    this.logMultiplicity = new Float64Array(this.count);
    this.logWeights = new Float64Array(this.count);
    const pairDivisor = couplingScale === 'mean-field' ? 2 * spins : 2;
    for (let u = 0; u <= spins; u++) {
      const m = 2 * u - spins;
      this.magnetisation[u] = m;
      this.pair[u] = (m * m - spins) / pairDivisor;
      this.logMultiplicity[u] = logChoose(spins, u);
    }
  }

  /** pair(m) as a function of m² (for turning E[m²] into E[pair]). */
  pairOfSquare(mSquared: number): number {
    return (mSquared - this.spins) / (this.couplingScale === 'mean-field' ? 2 * this.spins : 2);
  }

  /**
   * Fills `probabilities` with P(u) for finite θ and returns the moments, written into
   * `into` when given (the fit's inner loop evaluates this a few times per chain and
   * generation: no allocation there).
   */
  distribution(theta1: number, theta2: number, probabilities: Float64Array, into?: Moments): Moments {
    let largest = -Infinity;
    for (let u = 0; u < this.count; u++) {
      const w = this.logMultiplicity[u] + theta1 * this.magnetisation[u] + theta2 * this.pair[u];
      this.logWeights[u] = w;
      if (w > largest) largest = w;
    }
    let total = 0;
    for (let u = 0; u < this.count; u++) {
      const w = Math.exp(this.logWeights[u] - largest);
      probabilities[u] = w;
      total += w;
    }
    for (let u = 0; u < this.count; u++) probabilities[u] /= total;
    const moments = this.moments(probabilities, into ?? emptyMoments());
    moments.logNormaliser = largest + Math.log(total);
    return moments;
  }

  /** Moments of (m, pair) under `probabilities` (two-pass, so variances stay accurate). */
  moments(probabilities: Float64Array, into: Moments = emptyMoments()): Moments {
    let meanM = 0;
    let meanPair = 0;
    for (let u = 0; u < this.count; u++) {
      meanM += probabilities[u] * this.magnetisation[u];
      meanPair += probabilities[u] * this.pair[u];
    }
    let varM = 0;
    let covariance = 0;
    let varPair = 0;
    for (let u = 0; u < this.count; u++) {
      const dm = this.magnetisation[u] - meanM;
      const dp = this.pair[u] - meanPair;
      varM += probabilities[u] * dm * dm;
      covariance += probabilities[u] * dm * dp;
      varPair += probabilities[u] * dp * dp;
    }
    into.logNormaliser = NaN;
    into.meanM = meanM;
    into.meanPair = meanPair;
    into.varM = varM;
    into.covariance = covariance;
    into.varPair = varPair;
    return into;
  }

  /** The θ₁ giving E[m]/N = m at fixed θ₂ (|m| < 1). */
  theta1ForMagnetisation(m: number, theta2: number): number {
    if (theta2 === 0) return Math.atanh(m);
    const probabilities = new Float64Array(this.count);
    const target = m * this.spins;
    return solveIncreasing(
      (theta1) => {
        const moments = this.distribution(theta1, theta2, probabilities);
        return [moments.meanM - target, moments.varM];
      },
      -1,
      1,
      Math.atanh(m),
    );
  }

  /** E[m]/N of the model (θ₁, θ₂). */
  magnetisationOf(theta1: number, theta2: number): number {
    return this.distribution(theta1, theta2, new Float64Array(this.count)).meanM / this.spins;
  }
}

/**
 * Largest span of log weights (θ₂'s part plus 2|θ₁|N) the fixed-coupling evaluation takes:
 * every weight is then at least e^−700, a normal float64, so none underflows to 0 (the
 * exp-per-level law keeps weights down to e^−745).
 */
const FIXED_COUPLING_SPAN = 700;
/** Every ANCHOR-th power of exp(−2|θ₁|) comes from exp itself, so no power carries more than a few roundings. */
const ANCHOR = 4;

/**
 * The level law at a fixed θ₂ as a function of θ₁ alone — what a θ₁-only fit evaluates a
 * few times per chain and generation. P(u) ∝ b(u)·exp(2θ₁u) with b(u) = C(N, u)·exp(θ₂·pair)
 * computed once, so an evaluation takes ⌊N/4⌋ + 1 exps instead of N + 1: the powers
 * exp(−2|θ₁|k) come from exp at k = 1 and every fourth k, and from at most three products
 * in between. Each P(u) then carries a few ulps more than the exp-per-level law's rounding,
 * which is itself ~ε times the size of the exponents combined (not of ln P(u), which can be
 * far smaller). Weights spanning more than e^700 (huge N, θ₁ or θ₂) go back to
 * IsingLevels.distribution.
 */
export class FixedCouplingLaw {
  private readonly base: Float64Array;
  private readonly logBaseMax: number;
  private readonly usable: boolean;
  private readonly baseSpan: number;
  private readonly powers: Float64Array;

  constructor(
    private readonly levels: IsingLevels,
    readonly theta2: number,
  ) {
    const logBase = new Float64Array(levels.count);
    let largest = -Infinity;
    let smallest = Infinity;
    for (let u = 0; u < levels.count; u++) {
      logBase[u] = levels.logMultiplicity[u] + theta2 * levels.pair[u];
      largest = Math.max(largest, logBase[u]);
      smallest = Math.min(smallest, logBase[u]);
    }
    this.logBaseMax = largest;
    this.baseSpan = largest - smallest;
    this.usable = Number.isFinite(largest) && this.baseSpan < FIXED_COUPLING_SPAN;
    this.base = logBase.map((value) => Math.exp(value - largest));
    this.powers = new Float64Array(levels.count);
  }

  /** As IsingLevels.distribution(theta1, this.theta2, probabilities, into), but for the moments of pair(m) (NaN). */
  distribution(theta1: number, probabilities: Float64Array, into: Moments): Moments {
    const { levels, base, powers } = this;
    const spins = levels.spins;
    const step = -2 * Math.abs(theta1);
    if (!this.usable || !(step * spins > this.baseSpan - FIXED_COUPLING_SPAN)) return levels.distribution(theta1, this.theta2, probabilities, into);
    // powers[k] = exp(step·k) ≤ 1 and base[u] ≤ 1: no overflow, and their products ≥ e^−700.
    powers[0] = 1;
    for (let k = 1; k <= spins; k++) {
      const within = k % ANCHOR;
      powers[k] = within === 0 || k === 1 ? Math.exp(step * k) : k < ANCHOR ? powers[k - 1] * powers[1] : powers[k - within] * powers[within];
    }
    // θ₁ ≥ 0: weight b(u)·exp(−2θ₁(N − u)); θ₁ < 0: b(u)·exp(2θ₁u); both times exp(|θ₁|N + max log b).
    const upward = theta1 >= 0;
    const magnetisation = levels.magnetisation;
    let total = 0;
    let sumM = 0;
    for (let u = 0; u <= spins; u++) {
      const w = base[u] * powers[upward ? spins - u : u];
      probabilities[u] = w;
      total += w;
      sumM += w * magnetisation[u];
    }
    const meanM = sumM / total;
    let sumSquares = 0;
    for (let u = 0; u <= spins; u++) {
      const w = probabilities[u];
      const dm = magnetisation[u] - meanM;
      sumSquares += w * dm * dm;
      probabilities[u] = w / total;
    }
    // A θ₁-only fit needs no moment of pair(m): those are left NaN rather than computed.
    const moments = into;
    moments.meanM = meanM;
    moments.varM = sumSquares / total;
    moments.meanPair = NaN;
    moments.covariance = NaN;
    moments.varPair = NaN;
    moments.logNormaliser = this.logBaseMax + Math.abs(theta1) * spins + Math.log(total);
    return moments;
  }
}

// Layout of a chain's state vector.
const THETA1 = 0;
const THETA2 = 1;
const MEAN_M = 2;
/** P(spin up) where spins are independent (θ₂ = 0 or polarised); NaN otherwise. */
const P_UP = 3;
const LEVELS = 4;
/** Where a chain's state keeps P(up) (independent spins, else NaN) and the level law P(u), u = 0 … N. */
export const ISING_STATE = { P_UP, LEVELS } as const;

/**
 * Per-sample draws of coupled spins: spin i + 1 is up with probability
 * P(up | i spins drawn, u of them up), from the level law by the recursion
 * Z(i, u) = Z(i + 1, u + 1) + Z(i + 1, u) in logs. upGivenSoFar[i·(N + 1) + u] holds it.
 */
export class SpinConditionals {
  readonly upGivenSoFar: Float64Array;
  private readonly logCompletions: Float64Array;
  private readonly nextLogCompletions: Float64Array;

  constructor(private readonly levels: IsingLevels) {
    this.upGivenSoFar = new Float64Array(levels.spins * levels.count);
    this.logCompletions = new Float64Array(levels.count);
    this.nextLogCompletions = new Float64Array(levels.count);
  }

  build(levelProbabilities: ArrayLike<number>): void {
    const { levels, upGivenSoFar, logCompletions, nextLogCompletions } = this;
    for (let u = 0; u <= levels.spins; u++) {
      const p = levelProbabilities[u];
      nextLogCompletions[u] = p > 0 ? Math.log(p) - levels.logMultiplicity[u] : -Infinity;
    }
    for (let i = levels.spins - 1; i >= 0; i--) {
      for (let u = 0; u <= i; u++) {
        const up = nextLogCompletions[u + 1];
        const down = nextLogCompletions[u];
        const largest = Math.max(up, down);
        const total = largest === -Infinity ? -Infinity : largest + Math.log(Math.exp(up - largest) + Math.exp(down - largest));
        logCompletions[u] = total;
        upGivenSoFar[i * levels.count + u] = total === -Infinity ? 0 : Math.exp(up - total);
      }
      nextLogCompletions.set(logCompletions.subarray(0, i + 1));
    }
  }
}

/** The level law at (θ₁, θ₂) into `probabilities`, its moments into `into`. */
type LevelLaw = (theta1: number, theta2: number, probabilities: Float64Array, into: Moments) => Moments;

/** Scratch of one fit: the moments at the accepted point and at a line-search trial. */
interface FitScratch {
  current: Moments;
  trial: Moments;
}

/**
 * Newton on the convex A(θ) − θ·t + (c/2)|θ|² (θ₂ held where not learned): damped by a
 * backtracking line search while far from the optimum, full steps once the Newton
 * decrement is small (there the objective's rounding would defeat any line search, and
 * Newton converges quadratically). Leaves the fitted level law in `probabilities` and its
 * moments in `scratch.current`; evaluates nothing twice (the law at the accepted point is
 * recomputed only where a rejected trial overwrote it).
 */
function newtonFit(
  evaluate: LevelLaw,
  targetM: number,
  targetPair: number,
  c: number,
  learnTheta2: boolean,
  start: [number, number],
  probabilities: Float64Array,
  scratch: FitScratch,
): [number, number] {
  let [theta1, theta2] = start;
  const objective = (moments: Moments, t1: number, t2: number): number =>
    moments.logNormaliser - t1 * targetM - (learnTheta2 ? t2 * targetPair : 0) + 0.5 * c * (t1 * t1 + (learnTheta2 ? t2 * t2 : 0));
  let moments = evaluate(theta1, theta2, probabilities, scratch.current);
  let lawIsCurrent = true;
  let value = objective(moments, theta1, theta2);
  for (let iteration = 0; iteration < 100; iteration++) {
    const g1 = moments.meanM - targetM + c * theta1;
    const g2 = learnTheta2 ? moments.meanPair - targetPair + c * theta2 : 0;
    let d1: number;
    let d2 = 0;
    if (learnTheta2) {
      const h11 = moments.varM + c;
      const h12 = moments.covariance;
      const h22 = moments.varPair + c;
      const determinant = h11 * h22 - h12 * h12;
      if (!(determinant > 0)) break;
      d1 = -(h22 * g1 - h12 * g2) / determinant;
      d2 = -(h11 * g2 - h12 * g1) / determinant;
    } else {
      if (!(moments.varM + c > 0)) break;
      d1 = -g1 / (moments.varM + c);
    }
    const decrement = -(g1 * d1 + g2 * d2);
    if (!(decrement > 0)) break;
    if (decrement < 1e-6) {
      theta1 += d1;
      theta2 += d2;
      moments = evaluate(theta1, theta2, probabilities, moments);
      lawIsCurrent = true;
      value = objective(moments, theta1, theta2);
      if (Math.max(Math.abs(d1), Math.abs(d2)) <= 1e-14 * (1 + Math.max(Math.abs(theta1), Math.abs(theta2)))) break;
      continue;
    }
    let step = 1;
    let accepted = false;
    for (let halving = 0; halving < 60 && !accepted; halving++, step /= 2) {
      const trial1 = theta1 + step * d1;
      const trial2 = theta2 + step * d2;
      const trialMoments = evaluate(trial1, trial2, probabilities, scratch.trial);
      const trialValue = objective(trialMoments, trial1, trial2);
      if (trialValue <= value - 1e-4 * step * decrement) {
        theta1 = trial1;
        theta2 = trial2;
        // The trial's moments become the current ones; the old current is the next trial's scratch.
        scratch.trial = moments;
        scratch.current = trialMoments;
        moments = trialMoments;
        value = trialValue;
        accepted = true;
        lawIsCurrent = true;
      } else {
        lawIsCurrent = false;
      }
    }
    if (!accepted) break;
  }
  if (!lawIsCurrent) evaluate(theta1, theta2, probabilities, moments);
  scratch.current = moments;
  return [theta1, theta2];
}

function createModel(params: IsingParams, loop: LoopConfig): FamilyModel {
  const spins = params.spins;
  const levels = new IsingLevels(spins, params.couplingScale);
  const learnTheta2 = params.learn === 'theta1,theta2';
  const stateSize = LEVELS + levels.count;

  const setPointMass = (state: Float64Array, level: number): void => {
    state.fill(0, LEVELS);
    state[LEVELS + level] = 1;
    state[MEAN_M] = levels.magnetisation[level] / spins;
    const polarised = level === 0 || level === spins;
    state[THETA1] = level === spins ? Infinity : level === 0 ? -Infinity : NaN;
    // Learning θ₂, a point mass is a limit in which θ₂ is undetermined (±N) or −∞.
    state[THETA2] = learnTheta2 ? (polarised ? NaN : -Infinity) : params.initial.theta2;
    state[P_UP] = polarised ? level / spins : NaN;
  };

  /** A two-point law on levels `low` < `high` with P(high) = pHigh ∈ (0, 1). */
  const setTwoPoint = (state: Float64Array, low: number, high: number, pHigh: number): void => {
    state.fill(0, LEVELS);
    state[LEVELS + low] = 1 - pHigh;
    state[LEVELS + high] = pHigh;
    state[MEAN_M] = ((1 - pHigh) * levels.magnetisation[low] + pHigh * levels.magnetisation[high]) / spins;
    const topFace = low === 0 && high === spins;
    state[THETA1] = topFace ? Math.log(pHigh / (1 - pHigh)) / (2 * spins) : NaN;
    state[THETA2] = topFace ? Infinity : -Infinity;
    state[P_UP] = NaN;
  };

  /** Independent spins with P(up) = pUp: the θ₂ = 0 model, kept exact when pUp = k/n. */
  const setIndependent = (state: Float64Array, pUp: number): void => {
    if (pUp <= 0 || pUp >= 1) {
      setPointMass(state, pUp >= 1 ? spins : 0);
      return;
    }
    const logP = Math.log(pUp);
    const logQ = Math.log1p(-pUp);
    for (let u = 0; u <= spins; u++) state[LEVELS + u] = Math.exp(levels.logMultiplicity[u] + u * logP + (spins - u) * logQ);
    state[THETA1] = 0.5 * (logP - logQ);
    state[THETA2] = 0;
    state[MEAN_M] = 2 * pUp - 1;
    state[P_UP] = pUp;
  };

  /** `fitted`: the moments of the law at (θ₁, θ₂), already in the state's levels (a fit's). */
  const setFromTheta = (state: Float64Array, theta1: number, theta2: number, fitted?: Moments): void => {
    if (theta2 === 0) {
      setIndependent(state, 1 / (1 + Math.exp(-2 * theta1)));
      return;
    }
    const moments = fitted ?? levels.distribution(theta1, theta2, state.subarray(LEVELS));
    state[THETA1] = theta1;
    state[THETA2] = theta2;
    state[MEAN_M] = moments.meanM / spins;
    state[P_UP] = NaN;
  };

  const stateOf = (spec: IsingModelSpec): Float64Array => {
    const state = new Float64Array(stateSize);
    if (spec.theta1 === null) setPointMass(state, spec.m > 0 ? spins : 0);
    else if (spec.theta2 === 0) setIndependent(state, (1 + spec.m) / 2);
    else setFromTheta(state, spec.theta1, spec.theta2);
    return state;
  };
  const truth = stateOf(params.truth);
  const truthMoments = levels.moments(truth.subarray(LEVELS));
  const truthMeanSquare = truthMoments.varM + truthMoments.meanM * truthMoments.meanM;

  /** Exact boundary fits when both parameters are learned; false if the data are interior. */
  const fitOnBoundary = (state: Float64Array, n: number, sumM: number, sumSquares: number): boolean => {
    if (sumSquares >= spins * spins * n) {
      // All samples fully polarised: a law on {−N, +N} only.
      const pHigh = (1 + sumM / (spins * n)) / 2;
      if (pHigh >= 1) setPointMass(state, spins);
      else if (pHigh <= 0) setPointMass(state, 0);
      else setTwoPoint(state, 0, spins, pHigh);
      return true;
    }
    const meanM = sumM / n;
    const low = Math.min(spins - 1, Math.max(0, Math.floor((meanM + spins) / 2)));
    const a = levels.magnetisation[low];
    // Σ (m − a)(m − a − 2) ≥ 0 over levels, = 0 iff every sample is at level a or a + 2.
    if (sumSquares - (2 * a + 2) * sumM + a * (a + 2) * n <= 0) {
      const pHigh = (meanM - a) / 2;
      if (pHigh <= 0) setPointMass(state, low);
      else if (pHigh >= 1) setPointMass(state, low + 1);
      else setTwoPoint(state, low, low + 1, pHigh);
      return true;
    }
    return false;
  };

  const fitScratch: FitScratch = { current: emptyMoments(), trial: emptyMoments() };
  // θ₂ held fixed: the fit's law is a function of θ₁ alone, with θ₂'s part computed once.
  const fixedCoupling = learnTheta2 ? null : new FixedCouplingLaw(levels, params.initial.theta2);
  const levelLaw: LevelLaw = fixedCoupling
    ? (theta1, _theta2, probabilities, into) => fixedCoupling.distribution(theta1, probabilities, into)
    : (theta1, theta2, probabilities, into) => levels.distribution(theta1, theta2, probabilities, into);

  const warmStart = (state: Float64Array): [number, number] => [
    Number.isFinite(state[THETA1]) ? state[THETA1] : 0,
    learnTheta2 ? (Number.isFinite(state[THETA2]) ? state[THETA2] : 0) : params.initial.theta2,
  ];

  const isPolarised = (state: Float64Array): boolean => Math.abs(state[THETA1]) === Infinity;
  const isPointMass = (state: Float64Array): boolean => {
    for (let u = 0; u <= spins; u++) if (state[LEVELS + u] === 1) return true;
    return false;
  };
  const events: FamilyEvent[] = learnTheta2
    ? [
        {
          column: eventColumn('frozen_time', 'first generation at which every sample had one magnetisation (a point mass: absorbing)'),
          happened: isPointMass,
        },
      ]
    : [];

  return {
    family: 'ising',
    stateSize,
    statsSize: 3,
    hasOutcome: true,
    events,
    finalColumns: [
      floatColumn('final_m', 'mean magnetisation per spin E[m]/N at the last generation simulated'),
      floatColumn('final_theta1', 'θ₁ at the last generation simulated (±inf when polarised; null where undetermined)', true),
      floatColumn('final_theta2', 'θ₂ at the last generation simulated (±inf on the boundary; null where undetermined)', true),
    ],
    trajectoryColumns: [
      floatColumn('m', 'mean magnetisation per spin E[m]/N (φ̄₁)'),
      floatColumn('theta1', 'θ₁', true),
      floatColumn('theta2', 'θ₂', true),
    ],
    initialState: () => stateOf(params.initial),
    truthState: () => Float64Array.from(truth),
    createSampler(generator) {
      const trials = sharedValue(generator);
      const levelCounts = laneScratch(generator, levels.count);
      const tableWidth = spins * levels.count;
      const table = laneScratch(generator, tableWidth);
      const conditionals = new SpinConditionals(levels);

      return (states, count, mode, stats) => {
        const { active, activeCount } = generator;
        const sums = shifted(stats, 1);
        const squares = shifted(stats, 2);
        if (mode === 'sufficient') {
          generator.multinomials(trials.set(count), shifted(states, LEVELS), levels.count, levelCounts);
          for (let k = 0; k < activeCount; k++) {
            const lane = active[k];
            let sumM = 0;
            let sumSquares = 0;
            for (let u = 0; u <= spins; u++) {
              const m = levels.magnetisation[u];
              const drawn = levelCounts.data[lane * levels.count + u];
              sumM += drawn * m;
              sumSquares += drawn * m * m;
            }
            sums.data[sums.offset + lane * sums.stride] = sumM;
            squares.data[squares.offset + lane * squares.stride] = sumSquares;
          }
        } else {
          const pUp = (lane: number): number => states.data[states.offset + lane * states.stride + P_UP];
          // Independent spins (θ₂ = 0 or polarised): N Bernoulli draws per sample.
          withActiveSubset(generator, (lane) => !Number.isNaN(pUp(lane)), () => generator.spinMoments(count, spins, shifted(states, P_UP), sums, squares));
          // Coupled spins: each spin from its exact conditional given the spins before it.
          withActiveSubset(
            generator,
            (lane) => Number.isNaN(pUp(lane)),
            () => {
              const shared = states.stride === 0;
              const lanes = shared ? 1 : generator.activeCount;
              for (let k = 0; k < lanes; k++) {
                const lane = shared ? 0 : generator.active[k];
                const from = states.offset + lane * states.stride + LEVELS;
                conditionals.build(states.data.subarray(from, from + levels.count));
                table.data.set(conditionals.upGivenSoFar, lane * tableWidth);
              }
              generator.coupledSpinMoments(count, spins, shared ? column(table.data, 0, 0) : table, sums, squares);
            },
          );
        }
        fillActive(generator, stats, count);
      };
    },
    samplerFloatsPerLane: levels.count + spins * levels.count,
    addStats: addSums,
    pseudoStats(weight, out) {
      out[0] = weight;
      out[1] = weight * truthMoments.meanM;
      out[2] = weight * truthMeanSquare;
    },
    fit(stats, state) {
      const n = stats[0];
      const sumM = stats[1];
      const sumSquares = stats[2];
      const c = loop.l2 / n;
      const targetM = sumM / n;
      if (c === 0) {
        if (Math.abs(sumM) >= spins * n) {
          setPointMass(state, sumM > 0 ? spins : 0);
          return;
        }
        if (!learnTheta2 && params.initial.theta2 === 0) {
          // Closed form, from the integer counts: P(up) = ups / (N·n).
          setIndependent(state, (sumM + spins * n) / (2 * spins * n));
          return;
        }
        if (learnTheta2 && fitOnBoundary(state, n, sumM, sumSquares)) return;
      }
      const targetPair = levels.pairOfSquare(sumSquares / n);
      const [theta1, theta2] = newtonFit(levelLaw, targetM, targetPair, c, learnTheta2, warmStart(state), state.subarray(LEVELS), fitScratch);
      // newtonFit left the law at (θ₁, θ₂) in the state and its moments in the scratch.
      setFromTheta(state, theta1, theta2, fitScratch.current);
    },
    isCollapsed: isPolarised,
    ...absorbedUnlessMitigated(loop, isPolarised),
    outcome: (state) => (state[THETA1] > 0 ? 1 : -1),
    isOutcome: (value) => value === 1 || value === -1,
    isFrozen: isPointMass,
    writeFinals(state, out) {
      out[0] = state[MEAN_M];
      out[1] = state[THETA1];
      out[2] = state[THETA2];
    },
    writeTrajectory(state, out) {
      out[0] = state[MEAN_M];
      out[1] = state[THETA1];
      out[2] = state[THETA2];
    },
  };
}

function resolveModelSpec(
  raw: RawOptions,
  levels: IsingLevels,
  flags: { m: string; theta1: string; theta2: string },
  defaults: { m: number; theta2: number },
): IsingModelSpec {
  const theta2 = given(raw, flags.theta2) ? parseNumber(raw[flags.theta2], flags.theta2, {}) : defaults.theta2;
  if (given(raw, flags.m) && given(raw, flags.theta1)) {
    throw new UsageError(`--${flags.m} and --${flags.theta1} both set the same parameter: give one`);
  }
  if (given(raw, flags.theta1)) {
    const theta1 = parseNumber(raw[flags.theta1], flags.theta1, {});
    return { m: levels.magnetisationOf(theta1, theta2), theta1, theta2 };
  }
  const m = given(raw, flags.m) ? parseNumber(raw[flags.m], flags.m, { min: -1, max: 1 }) : defaults.m;
  if (Math.abs(m) === 1) return { m, theta1: null, theta2 };
  return { m, theta1: levels.theta1ForMagnetisation(m, theta2), theta2 };
}

/** The family's description; ./index.ts adds its GPU routes. */
export const isingParts = describeFamily({
  name: 'ising',
  summary: 'mean-field Ising model of N spins; absorbed when fully polarised (all up or all down)',
  options: [
    { flag: 'spins', valueName: '<N>', description: `number of spins, 1..${MAX_SPINS}`, defaultValue: '10' },
    { flag: 'm0', valueName: '<m>', description: 'initial mean magnetisation per spin E[m]/N, in [−1, 1] (or give --theta1)', defaultValue: '0' },
    { flag: 'theta1', valueName: '<θ₁>', description: 'initial field θ₁ (instead of --m0)' },
    { flag: 'theta2', valueName: '<θ₂>', description: 'initial coupling θ₂ (held fixed unless --learn includes it)', defaultValue: '0' },
    { flag: 'learn', valueName: '<params>', description: 'parameters refitted each generation: theta1 or theta1,theta2', defaultValue: 'theta1' },
    { flag: 'coupling-scale', valueName: '<scale>', description: 'pair term: mean-field (θ₂/N Σ_{i<j} s_i s_j) or unscaled (θ₂ Σ_{i<j} s_i s_j)', defaultValue: 'mean-field' },
    { flag: 'truth-m', valueName: '<m>', description: 'ground-truth magnetisation per spin (default: the initial model)' },
    { flag: 'truth-theta1', valueName: '<θ₁>', description: 'ground-truth field (instead of --truth-m)' },
    { flag: 'truth-theta2', valueName: '<θ₂>', description: 'ground-truth coupling (default: --theta2)' },
  ],
  resolve(raw: RawOptions): IsingParams {
    const spins = given(raw, 'spins') ? parseNumber(raw['spins'], 'spins', { min: 1, max: MAX_SPINS, integer: true }) : 10;
    const learn = given(raw, 'learn') ? parseChoice(String(raw['learn']).replace(/\s+/g, ''), 'learn', ISING_LEARN) : 'theta1';
    const couplingScale = given(raw, 'coupling-scale') ? parseChoice(raw['coupling-scale'], 'coupling-scale', COUPLING_SCALES) : 'mean-field';
    if (learn === 'theta1,theta2' && spins < 2) {
      throw new UsageError('--learn theta1,theta2 needs --spins ≥ 2 (with one spin the pair term is constant)');
    }
    const levels = new IsingLevels(spins, couplingScale);
    const initial = resolveModelSpec(raw, levels, { m: 'm0', theta1: 'theta1', theta2: 'theta2' }, { m: 0, theta2: 0 });
    const truthGiven = given(raw, 'truth-m') || given(raw, 'truth-theta1') || given(raw, 'truth-theta2');
    const truth = truthGiven
      ? resolveModelSpec(raw, levels, { m: 'truth-m', theta1: 'truth-theta1', theta2: 'truth-theta2' }, { m: initial.m, theta2: initial.theta2 })
      : initial;
    return { spins, learn, couplingScale, initial, truth };
  },
  modes: SAMPLING_MODES,
  exactTheory(config) {
    const params = config.familyParams as IsingParams;
    if (params.learn !== 'theta1' || params.initial.theta2 !== 0) return 'coupled spins (θ₂ ≠ 0 or learned) have no exact collapse law here';
    const law = isingTheory.absorptionTime(params.spins, config.samples, params.initial.m, config.generations);
    const up = isingTheory.polarisedUpProbability(params.initial.m);
    return { source: `Wright–Fisher transition matrix, N·M = ${params.spins * config.samples} copies`, ...wrightFisherTheory(law, config.generations), outcome: (value) => (value === 1 ? up : 1 - up) };
  },
  peerRequest: () => null,
  // Counts of points: exact while one fit pools fewer than the format's exact integers.
  rangeRefusal: (_params, run, format) => countRefusal(run, format),
  toOptions(params) {
    // θ₁ where it is finite (m follows from it exactly), m where the model is polarised.
    const model = (spec: IsingModelSpec, flags: { m: string; theta1: string; theta2: string }): Record<string, unknown> =>
      spec.theta1 === null ? { [flags.m]: spec.m, [flags.theta2]: spec.theta2 } : { [flags.theta1]: spec.theta1, [flags.theta2]: spec.theta2 };
    const sameTruth = JSON.stringify(params.truth) === JSON.stringify(params.initial);
    return {
      spins: params.spins,
      learn: params.learn,
      'coupling-scale': params.couplingScale,
      ...model(params.initial, { m: 'm0', theta1: 'theta1', theta2: 'theta2' }),
      ...(sameTruth ? {} : model(params.truth, { m: 'truth-m', theta1: 'truth-theta1', theta2: 'truth-theta2' })),
    };
  },
  create: createModel,
});

/** Exact theory for θ₂ = 0 with only θ₁ learned (pure maximum likelihood, replace regime). */
export const isingTheory = {
  /** P(all spins up) = (1 + m₀)/2: the up-fraction is a martingale. */
  polarisedUpProbability: (m0: number): number => (1 + m0) / 2,
  /** Wright–Fisher with N·M copies started at p₀ = (1 + m₀)/2. */
  absorptionTime: (spins: number, samples: number, m0: number, horizon: number): AbsorptionLaw =>
    wrightFisherAbsorption(spins * samples, (1 + m0) / 2, horizon),
};
