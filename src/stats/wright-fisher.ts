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
  /** cdf[t] = P(τ ≤ t) for t = 0..horizon. */
  readonly cdf: Float64Array;
  /** P(absorbed at n copies), i.e. fixation. */
  readonly fixation: number;
  readonly mean: number;
  readonly variance: number;
}

/**
 * Neutral haploid Wright–Fisher with `copies` gene copies, started from a model with
 * frequency `p0` at generation 0: the count at generation 1 is Binomial(copies, p0) and
 * then k → Binomial(copies, k/copies). τ = first generation at which the count is 0 or
 * `copies`. The CDF comes from propagating the count distribution through the
 * (copies+1)-state transition matrix; the moments from the fundamental matrix (I − Q)⁻¹.
 */
export function wrightFisherAbsorption(copies: number, p0: number, horizon: number): AbsorptionLaw {
  const cdf = new Float64Array(horizon + 1);
  if (p0 <= 0 || p0 >= 1) {
    cdf.fill(1);
    return { cdf, fixation: p0 >= 1 ? 1 : 0, mean: 0, variance: 0 };
  }
  const rows: Float64Array[] = [];
  for (let k = 0; k <= copies; k++) rows.push(binomialPmf(copies, k / copies));
  let distribution = binomialPmf(copies, p0);
  for (let t = 1; t <= horizon; t++) {
    cdf[t] = distribution[0] + distribution[copies];
    const next = new Float64Array(copies + 1);
    next[0] = distribution[0];
    next[copies] = distribution[copies];
    for (let i = 1; i < copies; i++) {
      const mass = distribution[i];
      if (mass === 0) continue;
      const row = rows[i];
      for (let j = 0; j <= copies; j++) next[j] += mass * row[j];
    }
    distribution = next;
  }

  // Moments: steps to absorption from transient count i solve (I − Q) t = 1, and the
  // second moments solve (I − Q) s = 2t − 1 (s = (2N − I) t for N = (I − Q)⁻¹).
  const transient = copies - 1;
  const system = (rhs: Float64Array): Float64Array => {
    const a: Float64Array[] = [];
    for (let i = 0; i < transient; i++) {
      const row = new Float64Array(transient);
      for (let j = 0; j < transient; j++) row[j] = (i === j ? 1 : 0) - rows[i + 1][j + 1];
      a.push(row);
    }
    return solveLinear(a, Float64Array.from(rhs));
  };
  const steps = system(new Float64Array(transient).fill(1));
  const secondMoments = system(steps.map((t) => 2 * t - 1));
  const start = binomialPmf(copies, p0);
  let meanAfterFirst = 0;
  let secondAfterFirst = 0;
  for (let i = 1; i < copies; i++) {
    meanAfterFirst += start[i] * steps[i - 1];
    secondAfterFirst += start[i] * secondMoments[i - 1];
  }
  // τ = 1 + τ′, τ′ the steps from the count at generation 1.
  const mean = 1 + meanAfterFirst;
  const second = 1 + 2 * meanAfterFirst + secondAfterFirst;
  return { cdf, fixation: p0, mean, variance: second - mean * mean };
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
