/**
 * The equations of motion of closed-loop maximum likelihood (docs/reproduction/theory.md,
 * "Equations of motion"). With η = E_θ[φ] the mean parameters and Σ(θ) = Cov_θ φ = ∇²A(θ),
 * one generation of M points gives η′ = the sample mean of φ, so exactly
 *   E[Δη] = 0,   Cov Δη = Σ(θ)/M,
 * and θ′ = θ(η′) expanded to second order (the delta method) gives
 *   E[Δθ_k] = b_k(θ)/M + O(1/M²),  b_k = ½ Σ_ij ∂²θ_k/∂η_i∂η_j Σ_ij,
 *   Cov Δθ = Σ(θ)⁻¹/M + O(1/M²)  (since ∂θ/∂η = Σ⁻¹),
 * in one dimension b = −A‴/(2A″²) and Var Δθ = 1/(M A″). The paper derives equations of
 * motion for θ (PRL 136, 197301; arXiv:2506.20623): their body was not available to us, so
 * these are derived here. Each family also has the exact one-generation moments, against
 * which the simulation is tested; the O(1/M) terms are shown beside them.
 */
import { logFactorial } from '../math/special.js';

/** Moments of one generation's change, in the natural (θ) and the mean (η) parameters. */
export interface StepMoments {
  /** Parameter names, θ first. */
  readonly theta: readonly string[];
  readonly eta: readonly string[];
  /** Exact E[Δθ] and Cov Δθ (conditional on θ′ finite), and P(θ′ finite). */
  readonly meanTheta: readonly number[];
  readonly covarianceTheta: readonly (readonly number[])[];
  readonly finiteProbability: number;
  /** Exact E[Δη] (zero: the martingale) and Cov Δη = Σ/M. */
  readonly meanEta: readonly number[];
  readonly covarianceEta: readonly (readonly number[])[];
  /** The O(1/M) equations of motion: drift b/M and diffusion Σ⁻¹/M. */
  readonly driftTheta: readonly number[];
  readonly diffusionTheta: readonly (readonly number[])[];
}

/** One-parameter families: drift −A‴/(2A″²)/M and diffusion 1/(A″M). */
function oneParameter(secondDerivative: number, thirdDerivative: number, samples: number): { drift: number; diffusion: number } {
  return { drift: -thirdDerivative / (2 * secondDerivative * secondDerivative) / samples, diffusion: 1 / (secondDerivative * samples) };
}

/** Bernoulli(p), θ = logit p; θ′ is infinite when the M points are all 0 or all 1. */
export function bernoulliStep(samples: number, p: number): StepMoments {
  const theta = Math.log(p / (1 - p));
  let finite = 0;
  let first = 0;
  let second = 0;
  for (let k = 1; k < samples; k++) {
    const probability = Math.exp(logFactorial(samples) - logFactorial(k) - logFactorial(samples - k) + k * Math.log(p) + (samples - k) * Math.log1p(-p));
    const delta = Math.log(k / (samples - k)) - theta;
    finite += probability;
    first += probability * delta;
    second += probability * delta * delta;
  }
  const mean = first / finite;
  const q = 1 - p;
  const { drift, diffusion } = oneParameter(p * q, p * q * (1 - 2 * p), samples);
  return {
    theta: ['θ = logit p'],
    eta: ['p'],
    meanTheta: [mean],
    covarianceTheta: [[second / finite - mean * mean]],
    finiteProbability: finite,
    meanEta: [0],
    covarianceEta: [[(p * q) / samples]],
    driftTheta: [drift],
    diffusionTheta: [[diffusion]],
  };
}

/** Poisson(λ), θ = ln λ; θ′ = −∞ when the M points are all 0. */
export function poissonStep(samples: number, lambda: number): StepMoments {
  const rate = samples * lambda;
  const theta = Math.log(lambda);
  let finite = 0;
  let first = 0;
  let second = 0;
  // Σx ~ Poisson(Mλ): sum outwards from the mode until the terms no longer count.
  const mode = Math.max(1, Math.floor(rate));
  const term = (s: number): number => Math.exp(s * Math.log(rate) - rate - logFactorial(s));
  const visit = (s: number): number => {
    const probability = term(s);
    const delta = Math.log(s / samples) - theta;
    finite += probability;
    first += probability * delta;
    second += probability * delta * delta;
    return probability;
  };
  for (let s = mode; ; s++) if (visit(s) < 1e-20 && s > rate) break;
  for (let s = mode - 1; s >= 1; s--) if (visit(s) < 1e-20) break;
  const mean = first / finite;
  const { drift, diffusion } = oneParameter(lambda, lambda, samples);
  return {
    theta: ['θ = ln λ'],
    eta: ['λ'],
    meanTheta: [mean],
    covarianceTheta: [[second / finite - mean * mean]],
    finiteProbability: 1 - Math.exp(-rate),
    meanEta: [0],
    covarianceEta: [[lambda / samples]],
    driftTheta: [drift],
    diffusionTheta: [[diffusion]],
  };
}

/**
 * Exponential(rate r), φ = x, θ = −r, A(θ) = −ln(−θ): r′ = M/Σx with Σx ~ Gamma(M, r), so
 * E[r′] = Mr/(M − 1) and Var r′ = M²r²/((M − 1)²(M − 2)) (M ≥ 3); η = 1/r.
 */
export function exponentialStep(samples: number, rate: number): StepMoments {
  const m = samples;
  const theta = -rate;
  const { drift, diffusion } = oneParameter(1 / (theta * theta), -2 / theta ** 3, samples);
  return {
    theta: ['θ = −rate'],
    eta: ['mean = 1/rate'],
    meanTheta: [-(m * rate) / (m - 1) + rate],
    covarianceTheta: [[(m * m * rate * rate) / ((m - 1) ** 2 * (m - 2))]],
    finiteProbability: 1,
    meanEta: [0],
    covarianceEta: [[1 / (rate * rate * m)]],
    driftTheta: [drift],
    diffusionTheta: [[diffusion]],
  };
}

/**
 * Gaussian(μ, v), φ = (x, x²), θ = (μ/v, −1/(2v)), η = (μ, μ² + v). The MLE has x̄ ~ N(μ, v/M)
 * independent of v′ = v C/M, C ~ χ²_{M−1}, and E[1/C] = 1/(M − 3), E[1/C²] = 1/((M − 3)(M − 5)):
 *   E[θ′₁] = μ M/(v(M − 3)),  E[θ′₂] = −M/(2v(M − 3)),
 *   E[θ′₁²] = (μ² + v/M) M²/(v²(M − 3)(M − 5)),  E[θ′₂²] = M²/(4v²(M − 3)(M − 5)),
 *   E[θ′₁θ′₂] = −μ M²/(2v²(M − 3)(M − 5))   (M ≥ 6).
 * O(1/M): b = (3μ/v, −3/(2v)), Σ⁻¹ = [[1/v + 2μ²/v², −μ/v²], [−μ/v², 1/(2v²)]].
 */
export function gaussianStep(samples: number, mu: number, v: number): StepMoments {
  const m = samples;
  const inverse = m / (v * (m - 3));
  const inverseSquare = (m * m) / (v * v * (m - 3) * (m - 5));
  const mean1 = mu * inverse;
  const mean2 = -0.5 * inverse;
  const second11 = (mu * mu + v / m) * inverseSquare;
  const second22 = 0.25 * inverseSquare;
  const second12 = -0.5 * mu * inverseSquare;
  return {
    theta: ['θ₁ = μ/σ²', 'θ₂ = −1/(2σ²)'],
    eta: ['μ', 'μ² + σ²'],
    meanTheta: [mean1 - mu / v, mean2 + 1 / (2 * v)],
    covarianceTheta: [
      [second11 - mean1 * mean1, second12 - mean1 * mean2],
      [second12 - mean1 * mean2, second22 - mean2 * mean2],
    ],
    finiteProbability: 1,
    meanEta: [0, 0],
    covarianceEta: [
      [v / m, (2 * mu * v) / m],
      [(2 * mu * v) / m, (2 * v * v + 4 * mu * mu * v) / m],
    ],
    driftTheta: [(3 * mu) / v / m, -3 / (2 * v) / m],
    diffusionTheta: [
      [(1 / v + (2 * mu * mu) / (v * v)) / m, -mu / (v * v) / m],
      [-mu / (v * v) / m, 1 / (2 * v * v) / m],
    ],
  };
}
