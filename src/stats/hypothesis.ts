/**
 * Goodness-of-fit and two-sample tests used to check the simulator against exact theory
 * and engines against each other. All p-values are asymptotic; for discrete data the
 * Kolmogorov–Smirnov p-values are conservative (too large), never anti-conservative.
 */
import { chiSquaredSurvival, kolmogorovSurvival } from '../math/special.js';

export interface TestResult {
  readonly statistic: number;
  readonly pValue: number;
  /** Degrees of freedom (χ² tests) or effective sample size (KS tests). */
  readonly size: number;
}

/** KS against a continuous CDF, with Stephens' small-sample correction. */
export function ksOneSample(samples: ArrayLike<number>, cdf: (x: number) => number): TestResult {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    distance = Math.max(distance, (i + 1) / n - f, f - i / n);
  }
  const root = Math.sqrt(n);
  return { statistic: distance, pValue: kolmogorovSurvival((root + 0.12 + 0.11 / root) * distance), size: n };
}

/**
 * KS for integer-valued samples against an exact CDF given on 0..cdf.length−1 (P(X ≤ t));
 * values ≥ cdf.length count as beyond the horizon, where the CDF is taken as 1 − P(beyond).
 */
export function ksDiscrete(samples: ArrayLike<number>, cdf: ArrayLike<number>): TestResult {
  const counts = new Float64Array(cdf.length);
  for (let i = 0; i < samples.length; i++) if (samples[i] < cdf.length) counts[samples[i]]++;
  return ksDiscreteCounts(counts, samples.length, cdf);
}

/** ksDiscrete from the samples' counts at 0..cdf.length−1, of n samples in all. */
export function ksDiscreteCounts(counts: ArrayLike<number>, n: number, cdf: ArrayLike<number>): TestResult {
  const horizon = cdf.length;
  let cumulative = 0;
  let distance = 0;
  for (let t = 0; t < horizon; t++) {
    cumulative += counts[t];
    distance = Math.max(distance, Math.abs(cumulative / n - cdf[t]));
  }
  return { statistic: distance, pValue: kolmogorovSurvival(Math.sqrt(n) * distance), size: n };
}

/** Two-sample KS on the pooled distinct values (ties handled exactly). */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let distance = 0;
  while (i < x.length && j < y.length) {
    const value = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === value) i++;
    while (j < y.length && y[j] === value) j++;
    distance = Math.max(distance, Math.abs(i / x.length - j / y.length));
  }
  const effective = (x.length * y.length) / (x.length + y.length);
  const root = Math.sqrt(effective);
  return { statistic: distance, pValue: kolmogorovSurvival((root + 0.12 + 0.11 / root) * distance), size: effective };
}

/**
 * Merges adjacent cells (in order) until every merged cell expects at least `minimum`,
 * the usual condition for the χ² approximation.
 */
function poolCells(observed: ArrayLike<number>, expected: ArrayLike<number>, minimum: number): [number[], number[]] {
  const pooledObserved: number[] = [];
  const pooledExpected: number[] = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < expected.length; i++) {
    o += observed[i];
    e += expected[i];
    if (e >= minimum) {
      pooledObserved.push(o);
      pooledExpected.push(e);
      o = 0;
      e = 0;
    }
  }
  if (e > 0 || o > 0) {
    if (pooledExpected.length === 0) {
      pooledObserved.push(o);
      pooledExpected.push(e);
    } else {
      pooledObserved[pooledObserved.length - 1] += o;
      pooledExpected[pooledExpected.length - 1] += e;
    }
  }
  return [pooledObserved, pooledExpected];
}

/**
 * Pearson χ² goodness of fit of observed counts to probabilities (which should sum to 1;
 * any missing mass is a final "elsewhere" cell with observed count total − Σ observed).
 */
export function chiSquareGoodnessOfFit(observed: ArrayLike<number>, probabilities: ArrayLike<number>, minimumExpected = 5): TestResult {
  let total = 0;
  for (let i = 0; i < observed.length; i++) total += observed[i];
  let mass = 0;
  for (let i = 0; i < probabilities.length; i++) mass += probabilities[i];
  const cellsObserved = Array.from(observed);
  const cellsExpected = Array.from(probabilities, (p) => p * total);
  if (mass < 1 - 1e-12) {
    cellsObserved.push(0);
    cellsExpected.push((1 - mass) * total);
  }
  const [o, e] = poolCells(cellsObserved, cellsExpected, minimumExpected);
  let statistic = 0;
  for (let i = 0; i < o.length; i++) statistic += ((o[i] - e[i]) * (o[i] - e[i])) / e[i];
  const dof = Math.max(1, o.length - 1);
  return { statistic, pValue: chiSquaredSurvival(statistic, dof), size: dof };
}

/** χ² test that two count vectors over the same cells come from one distribution. */
export function chiSquareHomogeneity(a: ArrayLike<number>, b: ArrayLike<number>, minimumExpected = 5): TestResult {
  let totalA = 0;
  let totalB = 0;
  for (let i = 0; i < a.length; i++) {
    totalA += a[i];
    totalB += b[i];
  }
  const total = totalA + totalB;
  // Pool cells on their combined frequency, then test the 2 × cells table.
  const combined = Array.from(a, (value, i) => value + b[i]);
  const pooledA: number[] = [];
  const pooledB: number[] = [];
  let sumA = 0;
  let sumB = 0;
  const threshold = (minimumExpected * total) / Math.min(totalA, totalB);
  for (let i = 0; i < combined.length; i++) {
    sumA += a[i];
    sumB += b[i];
    if (sumA + sumB >= threshold) {
      pooledA.push(sumA);
      pooledB.push(sumB);
      sumA = 0;
      sumB = 0;
    }
  }
  if (sumA + sumB > 0) {
    if (pooledA.length === 0) {
      pooledA.push(sumA);
      pooledB.push(sumB);
    } else {
      pooledA[pooledA.length - 1] += sumA;
      pooledB[pooledB.length - 1] += sumB;
    }
  }
  let statistic = 0;
  for (let i = 0; i < pooledA.length; i++) {
    const cell = pooledA[i] + pooledB[i];
    const expectedA = (cell * totalA) / total;
    const expectedB = (cell * totalB) / total;
    statistic += ((pooledA[i] - expectedA) ** 2) / expectedA + ((pooledB[i] - expectedB) ** 2) / expectedB;
  }
  const dof = Math.max(1, pooledA.length - 1);
  return { statistic, pValue: chiSquaredSurvival(statistic, dof), size: dof };
}
