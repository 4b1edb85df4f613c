/**
 * Exact predictions for the Gaussian loop with both μ and σ² learned and a mitigation:
 * K fresh truth points per generation and/or a pseudo-observations (the family's MAP,
 * which is the joint mode of a normal–inverse-gamma posterior; docs/reproduction/theory.md).
 *
 * With d = μ − μ*, v = σ², n = M + K + a and independent draws Z₁, Z₂ ~ N(0, 1),
 * C₁ ~ χ²_{M−1}, C₂ ~ χ²_{K−1}, one generation is
 *   e₁ = d + √(v/M) Z₁  (synthetic mean − μ*),   K e₂ = √K σ* Z₂  (truth mean − μ*, times K),
 *   d′ = (M e₁ + K e₂)/n,
 *   c·v′ = v C₁ + σ*² C₂ + a σ*² + M e₁² + K e₂² − n d′²     (c = n for the MLE, n − 1 unbiased).
 * Every E[d′^i v′^j | d, v] is a polynomial in (d, v) of the same degree (degree of d = 1,
 * of v = 2), so the moments E[d^i v^j], i + 2j ≤ 4, obey a closed linear recursion: exact
 * mean and variance of μ_t and σ²_t at every t, and their stationary values. The full
 * law of σ² is not computed; its lower tail is bounded (varianceLowerTailBound).
 */
import { logGamma, regularizedGammaP } from '../math/special.js';

export interface GaussianLoop {
  readonly samples: number;
  readonly groundTruth: number;
  readonly prior: number;
  readonly truthMu: number;
  readonly truthVar: number;
  readonly mu0: number;
  readonly var0: number;
  /** The variance divisor: n (mle) or n − 1 (unbiased). */
  readonly estimator: 'mle' | 'unbiased';
}

// Variables of the polynomials: the state (d, s = √v) and the generation's draws.
const D = 0;
const S = 1;
const Z1 = 2;
const Z2 = 3;
const C1 = 4;
const C2 = 5;
const VARIABLES = 6;

/** A polynomial: exponent vector (as a string key) → coefficient. */
type Polynomial = Map<string, number>;

const key = (exponents: readonly number[]): string => exponents.join(',');
const exponentsOf = (k: string): number[] => k.split(',').map(Number);

function monomial(coefficient: number, exponents: Partial<Record<number, number>>): Polynomial {
  const e = new Array<number>(VARIABLES).fill(0);
  for (const [variable, power] of Object.entries(exponents)) e[Number(variable)] = power ?? 0;
  return new Map([[key(e), coefficient]]);
}

function add(...terms: Polynomial[]): Polynomial {
  const sum: Polynomial = new Map();
  for (const term of terms) for (const [k, c] of term) sum.set(k, (sum.get(k) ?? 0) + c);
  return sum;
}

function scale(p: Polynomial, factor: number): Polynomial {
  return new Map(Array.from(p, ([k, c]) => [k, c * factor]));
}

function multiply(a: Polynomial, b: Polynomial): Polynomial {
  const product: Polynomial = new Map();
  for (const [ka, ca] of a) {
    const ea = exponentsOf(ka);
    for (const [kb, cb] of b) {
      const eb = exponentsOf(kb);
      const k = key(ea.map((x, i) => x + eb[i]));
      product.set(k, (product.get(k) ?? 0) + ca * cb);
    }
  }
  return product;
}

function power(p: Polynomial, exponent: number): Polynomial {
  let result: Polynomial = monomial(1, {});
  for (let i = 0; i < exponent; i++) result = multiply(result, p);
  return result;
}

/** E[Z^k], Z ~ N(0, 1): (k − 1)!! for even k. */
function normalMoment(k: number): number {
  if (k % 2 === 1) return 0;
  let value = 1;
  for (let j = k - 1; j > 0; j -= 2) value *= j;
  return value;
}

/** E[C^k], C ~ χ²_ν: ν(ν + 2)…(ν + 2k − 2). */
function chiSquaredMoment(nu: number, k: number): number {
  let value = 1;
  for (let j = 0; j < k; j++) value *= nu + 2 * j;
  return value;
}

/** Integrates the draws out: a polynomial in (d, s) only. */
function expectation(p: Polynomial, loop: GaussianLoop): Polynomial {
  const result: Polynomial = new Map();
  for (const [k, c] of p) {
    const e = exponentsOf(k);
    const factor = normalMoment(e[Z1]) * normalMoment(e[Z2]) * chiSquaredMoment(loop.samples - 1, e[C1]) * chiSquaredMoment(Math.max(0, loop.groundTruth - 1), e[C2]);
    if (factor === 0 || c === 0) continue;
    const reduced = [e[D], e[S], 0, 0, 0, 0];
    const rk = key(reduced);
    result.set(rk, (result.get(rk) ?? 0) + c * factor);
  }
  return result;
}

/** The moments tracked: E[d^i v^j] with i + 2j ≤ 4. */
export const MOMENT_INDEX: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 0],
  [2, 0],
  [3, 0],
  [4, 0],
  [0, 1],
  [1, 1],
  [2, 1],
  [0, 2],
];

/** The one-generation map of the moment vector: row r gives E[d′^i v′^j] as a combination of the current moments. */
export function gaussianMomentMatrix(loop: GaussianLoop): Float64Array[] {
  const m = loop.samples;
  const k = loop.groundTruth;
  const n = m + k + loop.prior;
  const divisor = loop.estimator === 'mle' ? n : n - 1;
  const sigma2 = loop.truthVar;
  const e1 = add(monomial(1, { [D]: 1 }), monomial(1 / Math.sqrt(m), { [S]: 1, [Z1]: 1 }));
  const kE2 = k > 0 ? monomial(Math.sqrt(k) * Math.sqrt(sigma2), { [Z2]: 1 }) : new Map<string, number>();
  const kE2Squared = k > 0 ? monomial(sigma2, { [Z2]: 2 }) : new Map<string, number>();
  const dNext = scale(add(scale(e1, m), kE2), 1 / n);
  const spread = add(
    monomial(1, { [S]: 2, [C1]: 1 }),
    k > 1 ? monomial(sigma2, { [C2]: 1 }) : new Map<string, number>(),
    monomial(loop.prior * sigma2, {}),
    scale(multiply(e1, e1), m),
    kE2Squared,
    scale(multiply(dNext, dNext), -n),
  );
  const vNext = scale(spread, 1 / divisor);
  return MOMENT_INDEX.map(([i, j]) => {
    const row = new Float64Array(MOMENT_INDEX.length);
    const expected = expectation(multiply(power(dNext, i), power(vNext, j)), loop);
    for (const [termKey, coefficient] of expected) {
      const e = exponentsOf(termKey);
      if (e[S] % 2 === 1) {
        if (Math.abs(coefficient) > 1e-12) throw new Error('odd power of √v survived the expectation');
        continue;
      }
      const column = MOMENT_INDEX.findIndex(([a, b]) => a === e[D] && b === e[S] / 2);
      if (column < 0) throw new Error(`moment d^${e[D]} v^${e[S] / 2} is not tracked`);
      row[column] += coefficient;
    }
    return row;
  });
}

export interface GaussianMoments {
  readonly meanMu: number;
  readonly varianceMu: number;
  readonly meanVar: number;
  readonly varianceVar: number;
  /** E[(μ − μ*)²] and its variance E[(μ − μ*)⁴] − E[(μ − μ*)²]²: what a test of the spread of μ needs. */
  readonly meanSquaredDeviation: number;
  readonly varianceSquaredDeviation: number;
}

function summarise(moments: Float64Array, truthMu: number): GaussianMoments {
  const at = (i: number, j: number): number => moments[MOMENT_INDEX.findIndex(([a, b]) => a === i && b === j)];
  return {
    meanMu: truthMu + at(1, 0),
    varianceMu: at(2, 0) - at(1, 0) ** 2,
    meanVar: at(0, 1),
    varianceVar: at(0, 2) - at(0, 1) ** 2,
    meanSquaredDeviation: at(2, 0),
    varianceSquaredDeviation: at(4, 0) - at(2, 0) ** 2,
  };
}

/**
 * Whether E[σ^{2k}] grows without bound: σ²_{t+1} ≥ σ²_t C₁/n (the other terms of the
 * pooled sum of squares are ≥ 0), so E[σ^{2k}_t] ≥ σ^{2k}_0 (E[(C₁/n)^k])^t, which diverges
 * when E[(χ²_{M−1}/n)^k] = Π_{j<k}(M − 1 + 2j)/n^k > 1 (the stationary law then has a heavy,
 * power-law upper tail).
 */
export function varianceMomentDiverges(loop: Pick<GaussianLoop, 'samples' | 'groundTruth' | 'prior' | 'estimator'>, k: number): { diverges: boolean; growth: number } {
  const n = loop.samples + loop.groundTruth + loop.prior;
  const divisor = loop.estimator === 'mle' ? n : n - 1;
  let growth = 1;
  for (let j = 0; j < k; j++) growth *= (loop.samples - 1 + 2 * j) / divisor;
  return { diverges: growth > 1, growth };
}

/**
 * Exact mean and variance of μ_t and σ²_t at each of `generations` (sorted), from the
 * deterministic start (μ₀, σ²₀), and their stationary values (null if the moments diverge:
 * no mitigation).
 */
export function gaussianLoopMoments(loop: GaussianLoop, generations: readonly number[]): { atGenerations: GaussianMoments[]; stationary: GaussianMoments | null } {
  const matrix = gaussianMomentMatrix(loop);
  const d0 = loop.mu0 - loop.truthMu;
  let moments: Float64Array = Float64Array.from(MOMENT_INDEX, ([i, j]) => d0 ** i * loop.var0 ** j);
  const step = (current: Float64Array): Float64Array => Float64Array.from(matrix, (row) => row.reduce((total, coefficient, c) => total + coefficient * current[c], 0));
  const atGenerations: GaussianMoments[] = [];
  let t = 0;
  for (const target of generations) {
    for (; t < target; t++) moments = step(moments);
    atGenerations.push(summarise(moments, loop.truthMu));
  }
  if (loop.groundTruth === 0 && loop.prior === 0) return { atGenerations, stationary: null };
  for (let iteration = 0; iteration < 1_000_000; iteration++) {
    const next = step(moments);
    let change = 0;
    for (let i = 0; i < next.length; i++) change = Math.max(change, Math.abs(next[i] - moments[i]) / Math.max(1e-300, Math.abs(next[i])));
    moments = next;
    if (!moments.every(Number.isFinite)) return { atGenerations, stationary: null };
    if (change < 1e-15) break;
  }
  return { atGenerations, stationary: summarise(moments, loop.truthMu) };
}

/**
 * The stationary E[σ²] and Var μ in closed form (MLE): Var μ = σ*²(M + K)/(n² − M² + M)
 * and E[σ²] = σ*² − Var μ (the second moment E[x²] = μ² + σ² is matched, so its mean is
 * the truth's).
 */
export function gaussianStationaryFirstMoments(loop: Pick<GaussianLoop, 'samples' | 'groundTruth' | 'prior' | 'truthVar'>): { varianceMu: number; meanVar: number } {
  const m = loop.samples;
  const n = m + loop.groundTruth + loop.prior;
  const varianceMu = (loop.truthVar * (m + loop.groundTruth)) / (n * n - m * m + m);
  return { varianceMu, meanVar: loop.truthVar - varianceMu };
}

/**
 * An upper bound on P(σ²_t ≤ x) valid at every t ≥ 1 (MLE): the pooled sum of squares
 * holds σ*²C₂ + aσ*² and, from the spread between the synthetic and the truth means,
 * at least (MK/(M + K))(e₁ − e₂)², with e₁ − e₂ ~ N(·, v/M + σ*²/K) whatever the past, so
 * n σ²_t ≥_st σ*²(χ²_{K−1} + a + (M/(M + K)) χ²₁) ≥_st σ*²(a + (M/(M + K)) χ²_K). Hence
 *   P(σ²_t ≤ x) ≤ P(χ²_K ≤ (n x/σ*² − a)(M + K)/M).
 * With K = 0 and a > 0 the bound is the floor σ²_t ≥ aσ*²/n.
 */
export function varianceLowerTailBound(loop: Pick<GaussianLoop, 'samples' | 'groundTruth' | 'prior' | 'truthVar'>, x: number): number {
  const m = loop.samples;
  const k = loop.groundTruth;
  const n = m + k + loop.prior;
  const threshold = (n * x) / loop.truthVar - loop.prior;
  if (threshold <= 0) return 0;
  if (k === 0) return 1;
  return regularizedGammaP(k / 2, (threshold * (m + k)) / m / 2);
}

/** The x at which varianceLowerTailBound equals `probability` (bisection). */
export function varianceLowerTailQuantile(loop: Pick<GaussianLoop, 'samples' | 'groundTruth' | 'prior' | 'truthVar'>, probability: number): number {
  let low = 0;
  let high = loop.truthVar * 10;
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (varianceLowerTailBound(loop, mid) < probability) low = mid;
    else high = mid;
  }
  return high;
}

/**
 * The Gaussian family's --prior a, stated as a conjugate prior (MLE estimator): the fit on
 * the data pooled with a pseudo-observations of mean μ* and spread aσ*² is the joint mode
 * of the normal–inverse-gamma posterior with μ₀ = μ*, κ₀ = a, α₀ = (a − 3)/2,
 * β₀ = aσ*²/2. Returns that mode from the data's (n, x̄, Σ(x − x̄)²), for checking.
 */
export function normalInverseGammaMode(data: { n: number; mean: number; sumSquares: number }, prior: { mu0: number; kappa0: number; alpha0: number; beta0: number }): { mu: number; variance: number } {
  const kappa = prior.kappa0 + data.n;
  const mu = (prior.kappa0 * prior.mu0 + data.n * data.mean) / kappa;
  const alpha = prior.alpha0 + data.n / 2;
  const beta = prior.beta0 + data.sumSquares / 2 + (prior.kappa0 * data.n * (data.mean - prior.mu0) ** 2) / (2 * kappa);
  // Density ∝ (σ²)^{−(α + 1) − 1/2} exp(−(2β + κ(μ − μₙ)²)/(2σ²)): the joint mode has σ² = β/(α + 3/2).
  return { mu, variance: beta / (alpha + 1.5) };
}

/**
 * A Chernoff bound on P(σ²_T > ε σ²₀) for the unmitigated loop (ln σ² a random walk with
 * steps ln(χ²_{M−1}/c)): for any s > 0,
 *   P(ln σ²_T − ln σ²₀ > ln ε) ≤ exp(T(s ln 2 + ln Γ(k + s) − ln Γ(k) − s ln c) − s ln ε), k = (M − 1)/2,
 * minimised over s. A chain alive at T must be above the threshold at T, so this bounds
 * P(alive at T) too.
 */
export function aboveThresholdBound(samples: number, divisor: number, generations: number, threshold: number): number {
  const k = (samples - 1) / 2;
  const logBound = (s: number): number => generations * (s * Math.LN2 + logGamma(k + s) - logGamma(k) - s * Math.log(divisor)) - s * Math.log(threshold);
  let best = 0;
  for (let s = 0.01; s <= 20; s += 0.01) best = Math.min(best, logBound(s));
  return Math.exp(best);
}
