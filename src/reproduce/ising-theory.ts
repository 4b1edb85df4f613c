/**
 * Exact predictions for the mean-field Ising loop with a coupling θ₂ (docs/reproduction/
 * theory.md, "The coupling"):
 * - θ₂ held fixed: only E[m] is matched, so the model after a generation is a function of
 *   that generation's number of up spins c ∈ {0 … N·M}: a finite Markov chain whose only
 *   absorbing states are c = 0 and c = N·M. Its transition law is the M-fold convolution
 *   of the fitted model's law of the up spins of one sample; absorption probabilities,
 *   the mean and variance of the absorption time and its tail follow by linear algebra.
 * - θ₂ learned: (m, m²) are both matched, so E_t[m] and E_t[m²] are martingales; a point
 *   mass on any level reproduces itself. Stopped at absorption, E[φ̄₁,f] = φ̄₁,₀ and
 *   E[φ̄₁,f²] = E_θ₀[m²]/N².
 */
import { IsingLevels, type CouplingScale } from '../families/ising/index.js';
import { TransientChain } from './theory.js';

/** A model of the family given by its mean magnetisation per spin and θ₂: θ₁, the law of the up-spin count u of one sample, and its moments of m = 2u − N. */
export interface IsingModelLaw {
  readonly theta1: number;
  readonly levels: Float64Array;
  readonly meanM: number;
  readonly meanSquare: number;
  readonly varianceM: number;
}

export function isingModelLaw(spins: number, scale: CouplingScale, magnetisation: number, theta2: number): IsingModelLaw {
  const levels = new IsingLevels(spins, scale);
  const law = new Float64Array(spins + 1);
  if (Math.abs(magnetisation) >= 1) {
    law[magnetisation > 0 ? spins : 0] = 1;
    return { theta1: magnetisation > 0 ? Infinity : -Infinity, levels: law, meanM: magnetisation * spins, meanSquare: spins * spins, varianceM: 0 };
  }
  const theta1 = levels.theta1ForMagnetisation(magnetisation, theta2);
  const moments = levels.distribution(theta1, theta2, law);
  return { theta1, levels: law, meanM: moments.meanM, meanSquare: moments.varM + moments.meanM * moments.meanM, varianceM: moments.varM };
}

/**
 * The law of the total up spins of M independent samples whose up-spin count has law
 * `levels`. Terms below 10⁻²⁰ of the largest are dropped as the convolution grows (their
 * total is far below float64 resolution of the probabilities kept).
 */
export function sumOfSamples(levels: Float64Array, samples: number): Float64Array {
  const spins = levels.length - 1;
  let law = Float64Array.from(levels);
  for (let k = 1; k < samples; k++) {
    const next = new Float64Array(law.length + spins);
    let largest = 0;
    for (let i = 0; i < law.length; i++) largest = Math.max(largest, law[i]);
    const cutoff = largest * 1e-20;
    for (let i = 0; i < law.length; i++) {
      const mass = law[i];
      if (mass < cutoff) continue;
      for (let u = 0; u <= spins; u++) next[i + u] += mass * levels[u];
    }
    law = next;
  }
  return law;
}

/**
 * The θ₂-fixed loop as a finite chain on c = up spins among the N·M of a generation
 * (c = 0 all down, c = N·M all up, both absorbing). Rows are built once per (N, M, θ₂);
 * every starting magnetisation shares them.
 */
export class IsingFixedCouplingChain {
  readonly copies: number;
  private readonly chain: TransientChain;
  /** P(c → N·M) from each transient c: the one-step rate of absorption all up. */
  private readonly upRates: Float64Array;

  constructor(
    readonly spins: number,
    readonly samples: number,
    readonly theta2: number,
    readonly scale: CouplingScale,
  ) {
    const copies = spins * samples;
    this.copies = copies;
    const transient: Float64Array[] = new Array<Float64Array>(copies - 1);
    this.upRates = new Float64Array(copies - 1);
    for (let c = 1; c < copies; c++) {
      if (transient[c - 1] !== undefined) continue;
      // The fit matches E[m]/N to the generation's mean magnetisation per spin.
      const row = sumOfSamples(isingModelLaw(spins, scale, (2 * c - copies) / copies, theta2).levels, samples);
      transient[c - 1] = row.subarray(1, copies);
      this.upRates[c - 1] = row[copies];
      // The pair term is even in m: the model at N·M − c is the model at c with every spin flipped.
      const mirror = copies - c;
      if (mirror !== c && mirror >= 1) {
        const reversed = Float64Array.from(row).reverse();
        transient[mirror - 1] = reversed.subarray(1, copies);
        this.upRates[mirror - 1] = reversed[copies];
      }
    }
    this.chain = new TransientChain(transient);
  }

  /** The law of c at generation 1, drawn from the initial model with mean magnetisation m₀ per spin. */
  firstGeneration(m0: number): Float64Array {
    return sumOfSamples(isingModelLaw(this.spins, this.scale, m0, this.theta2).levels, this.samples);
  }

  /** P(absorbed all up) from m₀. */
  upProbability(m0: number): number {
    const first = this.firstGeneration(m0);
    const fromTransient = this.chain.solve(this.upRates);
    let total = first[this.copies];
    for (let c = 1; c < this.copies; c++) total += first[c] * fromTransient[c - 1];
    return total;
  }

  /** E[τ], Var τ (τ = generation of absorption, ≥ 1). */
  timeMoments(m0: number): { mean: number; variance: number } {
    const first = this.firstGeneration(m0);
    const { mean, variance } = this.chain.timeMoments(first.subarray(1, this.copies));
    return { mean, variance };
  }

  /** P(τ > t), t ≥ 1 (from the Perron eigenpair: accurate for t beyond a few N·M). */
  survival(m0: number, t: number): number {
    return this.chain.survival(this.firstGeneration(m0).subarray(1, this.copies), t);
  }
}

/**
 * The second moment E_f[m²] of a chain's final model (θ₂ learned), from what the chain
 * table records (final E[m]/N, θ₁, θ₂): a point mass on a level (frozen, or polarised);
 * a two-point law on ±N (θ₂ = +∞) or on two adjacent levels (θ₂ = −∞, θ₁ undetermined);
 * or an interior model (finite θ).
 */
export function finalSecondMoment(levels: IsingLevels, finalM: number, theta1: number, theta2: number): number {
  const spins = levels.spins;
  const m = finalM * spins;
  if (Number.isFinite(theta1) && Number.isFinite(theta2)) {
    const moments = levels.distribution(theta1, theta2, new Float64Array(levels.count));
    return moments.varM + moments.meanM * moments.meanM;
  }
  if (theta2 === Infinity) return spins * spins;
  // A point mass sits on a level m ≡ N (mod 2); otherwise the law is on the two levels around m.
  const level = Math.round((m + spins) / 2);
  if (Math.abs(2 * level - spins - m) < 1e-9) return m * m;
  const low = 2 * Math.floor((m + spins) / 2) - spins;
  const pHigh = (m - low) / 2;
  return (1 - pHigh) * low * low + pHigh * (low + 2) * (low + 2);
}
