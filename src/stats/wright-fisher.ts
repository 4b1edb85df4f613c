import { logChoose } from '../math/special.js';

/** Binomial(n, p) probabilities of 0..n. */
export function binomialPmf(n: number, p: number): Float64Array {
  const pmf = new Float64Array(n + 1);
  if (p <= 0) pmf[0] = 1;
  else if (p >= 1) pmf[n] = 1;
  else {
    const logP = Math.log(p);
    const logQ = Math.log1p(-p);
    for (let k = 0; k <= n; k++) pmf[k] = Math.exp(logChoose(n, k) + k * logP + (n - k) * logQ);
  }
  return pmf;
}

/** The law of the absorption time τ of a Wright–Fisher chain, from exact linear algebra. */
export interface AbsorptionLaw {
  /** cdf[t] = P(τ ≤ t) for t = 0 … computedTo. */
  readonly cdf: Float64Array;
  /** The last t at which the law was computed (see `complete`). */
  readonly computedTo: number;
  /**
   * Whether P(τ ≤ t) is known for every t up to the horizon: computed to it, or to where
   * the transient mass fell below 10⁻¹⁵ (the CDF is then constant to that precision).
   */
  readonly complete: boolean;
  /** P(τ ≤ t) for any t ≥ 0: NaN where it was not computed. */
  cdfAt(t: number): number;
  /** P(absorbed at n copies), i.e. fixation. */
  readonly fixation: number;
  /** E[τ] and Var[τ], or null where their cost passed the limits. */
  readonly mean: number | null;
  readonly variance: number | null;
  /** What was left out and why (the limits), or null. */
  readonly note: string | null;
}

/**
 * What the exact law may cost. It is computed on banded transition rows (each row's
 * binomial probabilities down to 10⁻²⁰, dropped beyond: a loss below 10⁻¹⁹ per
 * generation), so a generation costs Σ band widths ≈ 19·copies^{3/2}/2 multiply-adds and
 * the moments a banded elimination of (I − Q), copies·w² with w the widest half-band.
 */
export interface AbsorptionLimits {
  /** Most stored transition probabilities (memory: 8 bytes each). */
  readonly bandEntries: number;
  /** Most multiply-adds propagating the distribution (the CDF stops where they run out). */
  readonly propagation: number;
  /** Most multiply-adds of the elimination for E[τ] and Var[τ]. */
  readonly solve: number;
}

/** The limits summarize and plot compute within (about a second, under 200 MB). */
export const ANALYSIS_LIMITS: AbsorptionLimits = { bandEntries: 2 ** 24, propagation: 4e8, solve: 4e8 };
/** No limits: for callers that size the problem themselves (reproduce's fig1). */
export const UNLIMITED: AbsorptionLimits = { bandEntries: Infinity, propagation: Infinity, solve: Infinity };

/** Probabilities below this are dropped from a transition row. */
const ROW_CUTOFF = 1e-20;
/** Transient mass below this counts as absorbed: the CDF is complete. */
const CONVERGED_MASS = 1e-15;

/** The nonzero band of Binomial(copies, p): probabilities from `first`, down to ROW_CUTOFF on both sides. */
function binomialBand(copies: number, p: number): { first: number; values: Float64Array } {
  if (p <= 0) return { first: 0, values: Float64Array.of(1) };
  if (p >= 1) return { first: copies, values: Float64Array.of(1) };
  const mode = Math.min(copies, Math.floor((copies + 1) * p));
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const at = (k: number): number => Math.exp(logChoose(copies, k) + k * logP + (copies - k) * logQ);
  const ratio = p / (1 - p);
  const below: number[] = [];
  let value = at(mode);
  const peak = value;
  for (let k = mode - 1; k >= 0; k--) {
    value *= (k + 1) / ((copies - k) * ratio);
    if (value < ROW_CUTOFF) break;
    below.push(value);
  }
  const above: number[] = [];
  value = peak;
  for (let k = mode + 1; k <= copies; k++) {
    value *= ((copies - k + 1) * ratio) / k;
    if (value < ROW_CUTOFF) break;
    above.push(value);
  }
  const values = new Float64Array(below.length + 1 + above.length);
  for (let i = 0; i < below.length; i++) values[below.length - 1 - i] = below[i];
  values[below.length] = peak;
  values.set(above, below.length + 1);
  return { first: mode - below.length, values };
}

/** An upper estimate of Σ band widths, to refuse before building the bands. */
function estimatedBandEntries(copies: number): number {
  // ±√(2 ln(1/ROW_CUTOFF)) ≈ 9.6 standard deviations, σ ≤ √copies/2, plus the recurrence's slack.
  return (copies - 1) * (2 * 9.7 * Math.sqrt(copies / 4) + 3);
}

const short = (value: number): string => value.toExponential(1).replace('e+', 'e');

/**
 * Neutral haploid Wright–Fisher with `copies` gene copies, started from a model with
 * frequency `p0` at generation 0: the count at generation 1 is Binomial(copies, p0) and
 * then k → Binomial(copies, k/copies). τ = first generation at which the count is 0 or
 * `copies`. The CDF comes from propagating the count distribution through the banded
 * transition rows, until the horizon, until the transient mass is negligible, or until the
 * limits' work is spent (then `complete` is false and `note` says so); the moments from
 * the fundamental matrix (I − Q)⁻¹ by banded elimination, where the limits allow.
 */
export function wrightFisherAbsorption(copies: number, p0: number, horizon: number, limits: AbsorptionLimits = ANALYSIS_LIMITS): AbsorptionLaw {
  if (p0 <= 0 || p0 >= 1) {
    const cdf = Float64Array.of(1);
    return { cdf, computedTo: 0, complete: true, cdfAt: () => 1, fixation: p0 >= 1 ? 1 : 0, mean: 0, variance: 0, note: null };
  }
  const notes: string[] = [];
  const estimate = estimatedBandEntries(copies);
  if (estimate > limits.bandEntries) {
    notes.push(`the exact law of τ (Wright–Fisher, ${copies} copies) needs about ${short(estimate)} transition probabilities, above the limit of ${short(limits.bandEntries)}: not computed`);
    return { cdf: Float64Array.of(0), computedTo: 0, complete: horizon === 0, cdfAt: (t) => (t === 0 ? 0 : NaN), fixation: p0, mean: null, variance: null, note: notes.join('; ') };
  }
  // Transient states 1 … copies − 1; row k's band over all states 0 … copies.
  const rows: { first: number; values: Float64Array }[] = [];
  let entries = 0;
  let halfWidth = 0;
  for (let k = 1; k < copies; k++) {
    const band = binomialBand(copies, k / copies);
    rows.push(band);
    entries += band.values.length;
    halfWidth = Math.max(halfWidth, k - band.first, band.first + band.values.length - 1 - k);
  }

  // The CDF: P(τ ≤ t) = absorbed mass after generation t (generation 1 draws from p0).
  const start = binomialBand(copies, p0);
  let distribution = new Float64Array(copies + 1);
  distribution.set(start.values, start.first);
  let next = new Float64Array(copies + 1);
  const grown: number[] = [0];
  let computedTo = 0;
  let converged = false;
  let operations = 0;
  for (let t = 1; t <= horizon; t++) {
    const absorbed = distribution[0] + distribution[copies];
    grown.push(absorbed);
    computedTo = t;
    if (1 - absorbed < CONVERGED_MASS) {
      converged = true;
      break;
    }
    if (t === horizon) break;
    if (operations + entries > limits.propagation) break;
    operations += entries;
    next.fill(0);
    next[0] = distribution[0];
    next[copies] = distribution[copies];
    for (let i = 1; i < copies; i++) {
      const mass = distribution[i];
      if (mass === 0) continue;
      const { first, values } = rows[i - 1];
      for (let j = 0; j < values.length; j++) next[first + j] += mass * values[j];
    }
    [distribution, next] = [next, distribution];
  }
  const cdf = Float64Array.from(grown);
  const complete = converged || computedTo >= horizon;
  if (!complete) {
    notes.push(`the exact law of τ is computed up to t = ${computedTo} of ${horizon} (the limit of ${short(limits.propagation)} operations, ${short(entries)} per generation at ${copies} copies)`);
  }
  const cdfAt = (t: number): number => (t <= computedTo ? cdf[t] : converged ? cdf[computedTo] : NaN);

  // Moments: steps to absorption from transient count i solve (I − Q) t = 1, and the
  // second moments solve (I − Q) s = 2t − 1 (s = (2N − I) t for N = (I − Q)⁻¹).
  const n = copies - 1;
  const solveCost = n * (halfWidth + 1) * (2 * halfWidth + 1);
  let mean: number | null = null;
  let variance: number | null = null;
  if (solveCost > limits.solve) {
    notes.push(`E[τ] needs about ${short(solveCost)} operations at ${copies} copies, above the limit of ${short(limits.solve)}: not computed`);
  } else {
    const system = new BandedSystem(n, halfWidth);
    for (let i = 0; i < n; i++) {
      const { first, values } = rows[i];
      for (let j = 0; j < values.length; j++) {
        const column = first + j - 1; // state first + j is transient index first + j − 1
        if (column >= 0 && column < n) system.add(i, column, -values[j]);
      }
      system.add(i, i, 1);
    }
    system.factor();
    const steps = system.solve(new Float64Array(n).fill(1));
    const secondMoments = system.solve(steps.map((value) => 2 * value - 1));
    const pmf = binomialPmf(copies, p0);
    let meanAfterFirst = 0;
    let secondAfterFirst = 0;
    for (let i = 1; i < copies; i++) {
      meanAfterFirst += pmf[i] * steps[i - 1];
      secondAfterFirst += pmf[i] * secondMoments[i - 1];
    }
    // τ = 1 + τ′, τ′ the steps from the count at generation 1.
    mean = 1 + meanAfterFirst;
    variance = 1 + 2 * meanAfterFirst + secondAfterFirst - mean * mean;
  }
  return { cdf, computedTo, complete, cdfAt, fixation: p0, mean, variance, note: notes.length > 0 ? notes.join('; ') : null };
}

/**
 * A band matrix (entries within `width` of the diagonal) factored as L·U without pivoting:
 * the systems here, I − Q with Q substochastic and irreducible, are diagonally dominant,
 * for which elimination without pivoting is stable and keeps the band.
 */
class BandedSystem {
  private readonly stride: number;
  private readonly entries: Float64Array;
  private readonly multipliers: Float64Array;

  constructor(
    private readonly n: number,
    private readonly width: number,
  ) {
    this.stride = 2 * width + 1;
    this.entries = new Float64Array(n * this.stride);
    this.multipliers = new Float64Array(n * (width + 1));
  }

  add(row: number, column: number, value: number): void {
    this.entries[row * this.stride + column - row + this.width] += value;
  }

  factor(): void {
    const { n, width, stride, entries, multipliers } = this;
    for (let k = 0; k < n; k++) {
      const pivot = entries[k * stride + width];
      const last = Math.min(n - 1, k + width);
      for (let i = k + 1; i <= last; i++) {
        const factor = entries[i * stride + k - i + width] / pivot;
        multipliers[i * (width + 1) + (i - k)] = factor;
        if (factor === 0) continue;
        for (let j = k; j <= last; j++) entries[i * stride + j - i + width] -= factor * entries[k * stride + j - k + width];
      }
    }
  }

  solve(rhs: Float64Array): Float64Array {
    const { n, width, stride, entries, multipliers } = this;
    const y = Float64Array.from(rhs);
    for (let i = 0; i < n; i++) {
      for (let k = Math.max(0, i - width); k < i; k++) y[i] -= multipliers[i * (width + 1) + (i - k)] * y[k];
    }
    const x = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i];
      for (let j = i + 1; j <= Math.min(n - 1, i + width); j++) sum -= entries[i * stride + j - i + width] * x[j];
      x[i] = sum / entries[i * stride + width];
    }
    return x;
  }
}

/** Solves a·x = b in place by Gaussian elimination with partial pivoting. */
export function solveLinear(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let row = column + 1; row < n; row++) if (Math.abs(a[row][column]) > Math.abs(a[pivot][column])) pivot = row;
    [a[column], a[pivot]] = [a[pivot], a[column]];
    [b[column], b[pivot]] = [b[pivot], b[column]];
    const diagonal = a[column][column];
    for (let row = column + 1; row < n; row++) {
      const factor = a[row][column] / diagonal;
      if (factor === 0) continue;
      const target = a[row];
      const source = a[column];
      for (let j = column; j < n; j++) target[j] -= factor * source[j];
      b[row] -= factor * b[column];
    }
  }
  const x = new Float64Array(n);
  for (let row = n - 1; row >= 0; row--) {
    let sum = b[row];
    for (let j = row + 1; j < n; j++) sum -= a[row][j] * x[j];
    x[row] = sum / a[row][row];
  }
  return x;
}
