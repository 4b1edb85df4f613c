/**
 * The predictions `collapse-sim reproduce` holds the simulations against. Each is exact
 * (a finite Markov chain propagated, or a moment recursion that closes) except the
 * diffusion limit, which is the paper's "one curve" and is labelled as a limit wherever it
 * is used. The derivations are in docs/reproduction/theory.md.
 */
import { logisticWithL2 } from '../families/bernoulli/index.js';
import { binomialPmf } from '../stats/wright-fisher.js';

/**
 * Kimura's diffusion limit of neutral Wright–Fisher with `copies` copies: P(τ > x·copies)
 * started at frequency p, for x > 0. The generator ½ y(1 − y) ∂² has eigenfunctions
 * y(1 − y) P′_i(1 − 2y) with eigenvalues −i(i + 1)/2; expanding 1 in them gives
 *   S(x, p) = Σ_{i odd} 4(2i + 1)/(i(i + 1)) · p(1 − p) P′_i(1 − 2p) · e^{−i(i+1)x/2}.
 */
export function diffusionSurvival(x: number, p: number): number {
  if (p <= 0 || p >= 1) return 0;
  if (x <= 0) return 1;
  const y = 1 - 2 * p;
  // P_n and P′_n by the recurrences (n + 1)P_{n+1} = (2n + 1)yP_n − nP_{n−1}, P′_{n+1} = P′_{n−1} + (2n + 1)P_n.
  let previous = 1;
  let current = y;
  let previousDerivative = 0;
  let derivative = 1;
  let total = 0;
  for (let i = 1; ; i++) {
    const decay = Math.exp((-i * (i + 1) * x) / 2);
    if (i % 2 === 1) total += ((4 * (2 * i + 1)) / (i * (i + 1))) * p * (1 - p) * derivative * decay;
    if (decay < 1e-18 && i > 2) break;
    const next = ((2 * i + 1) * y * current - i * previous) / (i + 1);
    const nextDerivative = previousDerivative + (2 * i + 1) * current;
    previous = current;
    current = next;
    previousDerivative = derivative;
    derivative = nextDerivative;
  }
  return Math.min(1, Math.max(0, total));
}

/** The law of a chain's model over the values it can take, at one generation. */
export interface LatticeLaw {
  /** The model's parameter at each state. */
  readonly values: Float64Array;
  readonly probabilities: Float64Array;
}

export function lawMean(law: LatticeLaw): number {
  let mean = 0;
  for (let i = 0; i < law.values.length; i++) mean += law.values[i] * law.probabilities[i];
  return mean;
}

export function lawVariance(law: LatticeLaw): number {
  const mean = lawMean(law);
  let variance = 0;
  for (let i = 0; i < law.values.length; i++) variance += (law.values[i] - mean) ** 2 * law.probabilities[i];
  return variance;
}

/** The closed Bernoulli loop (replace regime) with its mitigations, as collapse-sim runs it. */
export interface BernoulliLoop {
  /** M synthetic points per generation. */
  readonly samples: number;
  /** K fresh ground-truth points per generation. */
  readonly groundTruth: number;
  /** a pseudo-observations with mean p* (MAP). */
  readonly prior: number;
  /** λ on the natural parameter. */
  readonly l2: number;
  readonly p0: number;
  readonly truthP: number;
}

/** p after a generation whose M + K points held `ones` ones: the family's fit, pseudo-counts included. */
export function bernoulliFitted(loop: BernoulliLoop, ones: number): number {
  const points = loop.samples + loop.groundTruth + loop.prior;
  const mean = (ones + loop.prior * loop.truthP) / points;
  return loop.l2 > 0 ? logisticWithL2(mean, loop.l2 / points) : mean;
}

/** The law of the number of ones among a generation's points, from a model p. */
function onesLaw(loop: BernoulliLoop, p: number, truth: Float64Array): Float64Array {
  const synthetic = binomialPmf(loop.samples, p);
  if (loop.groundTruth === 0) return synthetic;
  const law = new Float64Array(loop.samples + loop.groundTruth + 1);
  for (let i = 0; i <= loop.samples; i++) {
    if (synthetic[i] === 0) continue;
    for (let j = 0; j <= loop.groundTruth; j++) law[i + j] += synthetic[i] * truth[j];
  }
  return law;
}

/**
 * The exact law of p_t of the Bernoulli loop: the model after generation t is a function of
 * the ones count c ∈ {0 … M + K} of that generation, and c is a Markov chain with
 * P(c → c′) = (Binomial(M, f(c)) ∗ Binomial(K, p*))(c′). Returns the law at each of
 * `generations` (sorted, ≥ 1), and the stationary law (propagated until the total
 * variation between successive laws is below 1e-13; null if the chain absorbs).
 */
export function bernoulliLoopLaws(loop: BernoulliLoop, generations: readonly number[]): { laws: LatticeLaw[]; stationary: LatticeLaw | null } {
  const states = loop.samples + loop.groundTruth + 1;
  const truth = binomialPmf(loop.groundTruth, loop.truthP);
  const values = Float64Array.from({ length: states }, (_, c) => bernoulliFitted(loop, c));
  const rows = Array.from(values, (p) => onesLaw(loop, p, truth));
  const step = (distribution: Float64Array): Float64Array => {
    const next = new Float64Array(states);
    for (let c = 0; c < states; c++) {
      const mass = distribution[c];
      if (mass === 0) continue;
      const row = rows[c];
      for (let d = 0; d < states; d++) next[d] += mass * row[d];
    }
    return next;
  };
  let distribution = onesLaw(loop, loop.p0, truth);
  let generation = 1;
  const laws: LatticeLaw[] = [];
  for (const target of generations) {
    for (; generation < target; generation++) distribution = step(distribution);
    laws.push({ values, probabilities: Float64Array.from(distribution) });
  }
  const absorbing = loop.groundTruth === 0 && loop.prior === 0 && loop.l2 === 0;
  if (absorbing) return { laws, stationary: null };
  for (let iteration = 0; iteration < 1_000_000; iteration++) {
    const next = step(distribution);
    let change = 0;
    for (let c = 0; c < states; c++) change += Math.abs(next[c] - distribution[c]);
    distribution = next;
    if (change < 1e-13) break;
  }
  return { laws, stationary: { values, probabilities: distribution } };
}

/**
 * The exact stationary variance of p for K ground-truth points or a pseudo-count prior a
 * (no L2): with n = M + K + a, p′ = (k + j + a p*)/n, k ~ Bin(M, p), j ~ Bin(K, p*), the
 * mean is p* and Var p′ = (M(p*q* − V) + K p*q*)/n² + (M/n)² V closes:
 *   V = p*q* (M + K) / (n² − M² + M).
 */
export function bernoulliStationaryVariance(loop: Pick<BernoulliLoop, 'samples' | 'groundTruth' | 'prior' | 'truthP'>): number {
  const n = loop.samples + loop.groundTruth + loop.prior;
  const m = loop.samples;
  return (loop.truthP * (1 - loop.truthP) * (m + loop.groundTruth)) / (n * n - m * m + m);
}

/**
 * The Beta law the diffusion approximation gives for the stationary p (M ≫ K, a): drift
 * (K + a)(p* − p)/M against variance p(1 − p)/M gives a density ∝ p^{2w p* − 1}(1 − p)^{2w q* − 1},
 * w = K + a: Beta(2(K + a)p*, 2(K + a)(1 − p*)).
 */
export function bernoulliStationaryBeta(loop: Pick<BernoulliLoop, 'groundTruth' | 'prior' | 'truthP'>): { alpha: number; beta: number } {
  const weight = loop.groundTruth + loop.prior;
  return { alpha: 2 * weight * loop.truthP, beta: 2 * weight * (1 - loop.truthP) };
}

/**
 * The accumulate regime (every point so far refits the model): p_t = S_t/(tM) is a
 * martingale with E[p_{t+1}q_{t+1}] = E[p_t q_t](1 − 1/((t + 1)²M)), so
 *   Var p_t = p₀q₀ (1 − Π_{s=1}^{t} (1 − 1/(s²M)))  →  ≈ p₀q₀ π²/(6M) as t → ∞,
 * and it is absorbed only if the first generation is all zeros or all ones.
 */
export const accumulateTheory = {
  variance(samples: number, p0: number, generations: number): number {
    let product = 1;
    for (let s = 1; s <= generations; s++) product *= 1 - 1 / (s * s * samples);
    return p0 * (1 - p0) * (1 - product);
  },
  collapseProbability: (samples: number, p0: number): number => Math.pow(p0, samples) + Math.pow(1 - p0, samples),
};

/**
 * E[surviving categories at generation t] of the neutral categorical loop with M samples:
 * category j against the rest is two-allele Wright–Fisher with M copies, so
 *   E[survivors_t] = Σ_j (1 − P(lost by t | π_j)),
 * with P(lost by t | π) = Σ_k Bin(k; M, π) h_{t−1}(k) and h_s(k) = P(count 0 within s steps
 * from k), h_s = Q h_{s−1} (one vector for every starting point).
 */
export function expectedSurvivors(init: readonly number[], samples: number, times: readonly number[]): number[] {
  const rows = Array.from({ length: samples + 1 }, (_, k) => binomialPmf(samples, k / samples));
  const horizon = Math.max(0, ...times);
  // lostWithin[s][k] for s = 0 … horizon − 1.
  const lostWithin: Float64Array[] = [];
  let h = new Float64Array(samples + 1);
  h[0] = 1;
  for (let s = 0; s < horizon; s++) {
    lostWithin.push(h);
    const next = new Float64Array(samples + 1);
    next[0] = 1;
    for (let k = 1; k <= samples; k++) {
      const row = rows[k];
      let total = 0;
      for (let d = 0; d < samples; d++) total += row[d] * h[d];
      next[k] = total;
    }
    h = next;
  }
  const firstStep = init.map((pi) => binomialPmf(samples, pi));
  return times.map((t) => {
    let survivors = 0;
    for (let j = 0; j < init.length; j++) {
      if (init[j] <= 0) continue;
      if (t === 0) {
        survivors++;
        continue;
      }
      const within = lostWithin[t - 1];
      let lost = 0;
      for (let k = 0; k <= samples; k++) lost += firstStep[j][k] * within[k];
      survivors += 1 - lost;
    }
    return survivors;
  });
}

/**
 * LU factors of a dense square matrix with partial pivoting (P·A = L·U), kept so that
 * one factorisation solves many right-hand sides, with A or with Aᵀ (inverse iteration
 * needs both). Cost n³/3 to factor, n² per solve.
 */
export class LuFactors {
  readonly size: number;
  private readonly lu: Float64Array[];
  private readonly pivots: Int32Array;

  constructor(matrix: readonly Float64Array[]) {
    const n = matrix.length;
    this.size = n;
    this.lu = matrix.map((row) => Float64Array.from(row));
    this.pivots = Int32Array.from({ length: n }, (_, i) => i);
    const a = this.lu;
    for (let column = 0; column < n; column++) {
      let pivot = column;
      for (let row = column + 1; row < n; row++) if (Math.abs(a[row][column]) > Math.abs(a[pivot][column])) pivot = row;
      if (pivot !== column) {
        [a[column], a[pivot]] = [a[pivot], a[column]];
        [this.pivots[column], this.pivots[pivot]] = [this.pivots[pivot], this.pivots[column]];
      }
      const diagonal = a[column][column];
      if (diagonal === 0) throw new Error('LuFactors: singular matrix');
      const source = a[column];
      for (let row = column + 1; row < n; row++) {
        const target = a[row];
        const factor = target[column] / diagonal;
        target[column] = factor;
        if (factor === 0) continue;
        for (let j = column + 1; j < n; j++) target[j] -= factor * source[j];
      }
    }
  }

  /** x with A·x = b. */
  solve(b: ArrayLike<number>): Float64Array {
    const n = this.size;
    const x = Float64Array.from({ length: n }, (_, i) => b[this.pivots[i]]);
    for (let i = 0; i < n; i++) {
      const row = this.lu[i];
      let sum = x[i];
      for (let j = 0; j < i; j++) sum -= row[j] * x[j];
      x[i] = sum;
    }
    for (let i = n - 1; i >= 0; i--) {
      const row = this.lu[i];
      let sum = x[i];
      for (let j = i + 1; j < n; j++) sum -= row[j] * x[j];
      x[i] = sum / row[i];
    }
    return x;
  }

  /** x with Aᵀ·x = b: Uᵀ y = b, Lᵀ z = y, x = Pᵀ z. */
  solveTransposed(b: ArrayLike<number>): Float64Array {
    const n = this.size;
    const y = Float64Array.from(b);
    for (let j = 0; j < n; j++) {
      y[j] /= this.lu[j][j];
      const value = y[j];
      const row = this.lu[j];
      for (let i = j + 1; i < n; i++) y[i] -= row[i] * value;
    }
    for (let j = n - 1; j >= 0; j--) {
      const value = y[j];
      const row = this.lu[j];
      for (let i = 0; i < j; i++) y[i] -= row[i] * value;
    }
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[this.pivots[i]] = y[i];
    return x;
  }
}

/**
 * The absorption time τ of a finite chain with transient block Q (rows: transitions
 * among the transient states), started from `start` (the law of the state at generation
 * 1, restricted to the transient states; τ ≥ 1). Exact mean and variance from the
 * fundamental matrix, P(τ > t) for large t from Q's Perron eigenpair (inverse iteration):
 * P(τ > t) = start·Q^{t−1}·1 = (start·r)(l·1)/(l·r) λ^{t−1} (1 + O((λ₂/λ)^{t−1})).
 */
export class TransientChain {
  private readonly factors: LuFactors;
  private readonly steps: Float64Array;
  private readonly secondSteps: Float64Array;
  private eigen: { lambda: number; right: Float64Array; left: Float64Array } | null = null;

  constructor(readonly transient: readonly Float64Array[]) {
    const n = transient.length;
    this.factors = new LuFactors(transient.map((row, i) => Float64Array.from(row, (q, j) => (i === j ? 1 : 0) - q)));
    this.steps = this.factors.solve(new Float64Array(n).fill(1));
    this.secondSteps = this.factors.solve(this.steps.map((t) => 2 * t - 1));
  }

  /** x with (I − Q)x = b: e.g. absorption probabilities from the one-step rates b. */
  solve(b: ArrayLike<number>): Float64Array {
    return this.factors.solve(b);
  }

  /** E[τ] and Var τ from `start` (τ = 1 + steps from the state at generation 1). */
  timeMoments(start: ArrayLike<number>): { mean: number; variance: number } {
    // Chains absorbed at generation 1 have τ = 1: the constants below count them.
    let mean = 0;
    let second = 0;
    for (let i = 0; i < this.steps.length; i++) {
      mean += start[i] * this.steps[i];
      second += start[i] * this.secondSteps[i];
    }
    const m = 1 + mean;
    const s = 1 + 2 * mean + second;
    return { mean: m, variance: s - m * m };
  }

  /** P(τ > t) for t ≥ 1, from the Perron eigenpair: accurate once t is several relaxation times. */
  survival(start: ArrayLike<number>, t: number): number {
    const { lambda, right, left } = this.perron();
    let startRight = 0;
    let leftOne = 0;
    let leftRight = 0;
    for (let i = 0; i < right.length; i++) {
      startRight += start[i] * right[i];
      leftOne += left[i];
      leftRight += left[i] * right[i];
    }
    return ((startRight * leftOne) / leftRight) * Math.pow(lambda, t - 1);
  }

  /** Q's largest eigenvalue (the per-generation survival rate of the quasi-stationary law). */
  perron(): { lambda: number; right: Float64Array; left: Float64Array } {
    if (this.eigen !== null) return this.eigen;
    const n = this.transient.length;
    const iterate = (solve: (b: Float64Array) => Float64Array): { value: number; vector: Float64Array } => {
      let vector: Float64Array = new Float64Array(n).fill(1 / Math.sqrt(n));
      let value = 0;
      for (let iteration = 0; iteration < 500; iteration++) {
        const next = solve(vector);
        let norm = 0;
        for (let i = 0; i < n; i++) norm += next[i] * next[i];
        norm = Math.sqrt(norm);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += next[i] * vector[i];
        for (let i = 0; i < n; i++) next[i] /= norm;
        let change = 0;
        for (let i = 0; i < n; i++) change = Math.max(change, Math.abs(next[i] - vector[i]));
        vector = next;
        const previous = value;
        value = dot;
        if (change < 1e-15 && Math.abs(value - previous) <= 1e-15 * Math.abs(value)) break;
      }
      return { value, vector };
    };
    // (I − Q)⁻¹ has the dominant eigenvalue 1/(1 − λ).
    const right = iterate((b) => this.factors.solve(b)).vector;
    const left = iterate((b) => this.factors.solveTransposed(b)).vector;
    // λ = l·Q·r / l·r: second-order accurate in the eigenvectors' error, which λ^t magnifies t-fold.
    let numerator = 0;
    let denominator = 0;
    for (let i = 0; i < n; i++) {
      const row = this.transient[i];
      let qr = 0;
      for (let j = 0; j < n; j++) qr += row[j] * right[j];
      numerator += left[i] * qr;
      denominator += left[i] * right[i];
    }
    this.eigen = { lambda: numerator / denominator, right, left };
    return this.eigen;
  }
}

/**
 * The variance V_t of the model's mean E_t[φ] of a statistic φ that the fit matches
 * together with its second moment (the sample mean of φ and of φ² over the M synthetic,
 * K truth and a pseudo-observations), the chain started at the truth: with n = M + K + a,
 *   E_{t+1}[φ] = (M φ̄_syn + K φ̄_truth + a φ*)/n,  E[Var_t(φ)] = Var*(φ) − V_t,
 * so V_{t+1} = (M/n)² V_t + (M(Var* − V_t) + K Var*)/n², V_0 = 0, and
 * V_∞ = Var*(φ)(M + K)/(n² − M² + M). Holds for the Bernoulli p, the mean magnetisation of
 * the Ising model with θ₂ learned, and the Gaussian μ (maximum likelihood or MAP with
 * pseudo-observations; not for an L2 penalty, which breaks moment matching).
 */
export function momentMatchedMeanVariance(loop: { samples: number; groundTruth: number; prior: number; truthVariance: number }, generations: readonly number[]): { atGenerations: number[]; stationary: number } {
  const m = loop.samples;
  const n = m + loop.groundTruth + loop.prior;
  const variance = loop.truthVariance;
  const stationary = (variance * (m + loop.groundTruth)) / (n * n - m * m + m);
  const horizon = Math.max(0, ...generations);
  const values = new Float64Array(horizon + 1);
  for (let t = 0; t < horizon; t++) values[t + 1] = ((m / n) ** 2) * values[t] + (m * (variance - values[t]) + loop.groundTruth * variance) / (n * n);
  return { atGenerations: generations.map((t) => values[t]), stationary };
}

/** Total variation distance between two laws on the same lattice. */
export function totalVariation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i] - b[i]);
  return total / 2;
}

/**
 * P(τ > t) of neutral Wright–Fisher with `copies` copies started at frequency p₀ (τ the
 * generation of absorption), from the transient chain's Perron eigenpair: accurate once t
 * is a few times `copies` (where propagating the law would cost copies² per generation).
 */
export function wrightFisherTail(copies: number, p0: number, t: number): number {
  const transient = Array.from({ length: copies - 1 }, (_, i) => binomialPmf(copies, (i + 1) / copies).subarray(1, copies));
  return new TransientChain(transient).survival(binomialPmf(copies, p0).subarray(1, copies), t);
}
