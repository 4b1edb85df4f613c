/**
 * The predictions `collapse-sim reproduce` judges the simulations by, checked against
 * independent computations: closed forms, brute-force enumeration, and the exact
 * Wright–Fisher transition matrix.
 */
import { describe, expect, it } from 'vitest';
import { createFamilyModel } from '../../src/engine/reference.js';
import { IsingLevels } from '../../src/families/ising/index.js';
import { gaussianTheory } from '../../src/families/gaussian/index.js';
import { chiSquaredSurvival, logGamma, regularizedGammaP, regularizedGammaQ } from '../../src/math/special.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { binomialPmf, UNLIMITED, wrightFisherAbsorption } from '../../src/stats/wright-fisher.js';
import { binomialTwoSided, binomialUpperTail, boundedZTestP, bonferroni, verdictOf } from '../../src/reproduce/context.js';
import { finiteSizeBound } from '../../src/reproduce/fig1.js';
import { wrapToWidth } from '../../src/reproduce/figures.js';
import {
  aboveThresholdBound,
  gaussianLoopMoments,
  gaussianMomentMatrix,
  gaussianStationaryFirstMoments,
  MOMENT_INDEX,
  normalInverseGammaMode,
  varianceLowerTailBound,
  varianceMomentDiverges,
  type GaussianLoop,
} from '../../src/reproduce/gaussian-theory.js';
import { finalSecondMoment, IsingFixedCouplingChain, isingModelLaw, sumOfSamples } from '../../src/reproduce/ising-theory.js';
import { bernoulliStep, exponentialStep, gaussianStep, poissonStep } from '../../src/reproduce/motion-theory.js';
import { exactRelaxation } from '../../src/reproduce/relaxation.js';
import {
  accumulateTheory,
  bernoulliFitted,
  bernoulliLoopLaws,
  bernoulliStationaryBeta,
  bernoulliStationaryVariance,
  diffusionSurvival,
  expectedSurvivors,
  lawMean,
  lawVariance,
  LuFactors,
  momentMatchedMeanVariance,
  TransientChain,
  wrightFisherTail,
  type BernoulliLoop,
} from '../../src/reproduce/theory.js';

const loop = (overrides: Partial<BernoulliLoop>): BernoulliLoop => ({ samples: 100, groundTruth: 0, prior: 0, l2: 0, p0: 0.3, truthP: 0.3, ...overrides });

describe('diffusion limit of the Wright–Fisher absorption time', () => {
  it('integrates to Kimura\'s mean −2[p ln p + q ln q] (in units of copies)', () => {
    for (const p of [0.5, 0.2, 0.05]) {
      let area = 0;
      const dx = 1e-4;
      for (let x = dx / 2; x < 40; x += dx) area += diffusionSurvival(x, p) * dx;
      expect(area).toBeCloseTo(-2 * (p * Math.log(p) + (1 - p) * Math.log(1 - p)), 6);
    }
  });

  it('starts at 1, ends at 0, and decays at the first eigenvalue, e^{−x}', () => {
    expect(diffusionSurvival(1e-4, 0.5)).toBeGreaterThan(0.999);
    expect(diffusionSurvival(0, 0.3)).toBe(1);
    expect(diffusionSurvival(1, 0)).toBe(0);
    // Far out only i = 1 is left: S ≈ 6 p q e^{−x}.
    expect(diffusionSurvival(12, 0.5) / (6 * 0.25 * Math.exp(-12))).toBeCloseTo(1, 10);
  });

  it('is within finiteSizeBound(copies) = (0.5 + 0.25 ln copies)/copies of the exact Wright–Fisher law, and closer as copies grow', () => {
    const distances = [100, 250, 500, 1000].map((copies) => {
      const law = wrightFisherAbsorption(copies, 0.5, 8 * copies, UNLIMITED);
      let distance = 0;
      for (let t = 0; t <= 8 * copies; t++) distance = Math.max(distance, Math.abs(law.cdfAt(t) - (1 - diffusionSurvival(t / copies, 0.5))));
      expect(distance, `${copies} copies`).toBeLessThanOrEqual(finiteSizeBound(copies));
      return distance;
    });
    expect(distances[1]).toBeLessThan(distances[0]);
    expect(distances[2]).toBeLessThan(distances[1]);
    expect(distances[3]).toBeLessThan(distances[2]);
    // Why not c/copies: the distance times copies grows with ln(copies).
    expect(distances[3] * 1000).toBeGreaterThan(distances[0] * 100 + 0.3);
  });
});

describe('exact law of the Bernoulli loop', () => {
  it('fits as the family module fits, pseudo-counts and L2 included', () => {
    for (const flags of [{}, { 'ground-truth': 3 }, { prior: 2.5 }, { l2: 1 }, { prior: 1, l2: 0.5, 'ground-truth': 2 }]) {
      const spec = resolveRunSpec({ family: 'bernoulli', samples: 20, p0: 0.3, ...flags });
      const model = createFamilyModel(spec);
      const pseudo = new Float64Array(2);
      model.pseudoStats(spec.prior, pseudo);
      const state = new Float64Array(1);
      for (let ones = 0; ones <= spec.samples + spec.groundTruth; ones++) {
        const stats = Float64Array.of(spec.samples + spec.groundTruth, ones);
        if (spec.prior > 0) model.addStats(stats, pseudo);
        model.fit(stats, state);
        const theory = bernoulliFitted({ samples: spec.samples, groundTruth: spec.groundTruth, prior: spec.prior, l2: spec.l2, p0: 0.3, truthP: 0.3 }, ones);
        expect(theory, JSON.stringify(flags)).toBeCloseTo(state[0], 14);
      }
    }
  });

  it('without mitigation, puts on {0, 1} exactly the Wright–Fisher absorption probability', () => {
    const { laws, stationary } = bernoulliLoopLaws(loop({ samples: 30 }), [1, 5, 40]);
    const absorption = wrightFisherAbsorption(30, 0.3, 40);
    [1, 5, 40].forEach((t, i) => expect(laws[i].probabilities[0] + laws[i].probabilities[30]).toBeCloseTo(absorption.cdfAt(t), 12));
    expect(stationary).toBeNull();
  });

  it('has the closed-form stationary mean p* and variance p*q*(M + K)/(n² − M² + M)', () => {
    for (const overrides of [{ groundTruth: 1 }, { groundTruth: 2 }, { groundTruth: 5 }, { prior: 2 }, { prior: 0.5, groundTruth: 1 }]) {
      const configuration = loop(overrides);
      const { stationary } = bernoulliLoopLaws(configuration, [1]);
      expect(lawMean(stationary!)).toBeCloseTo(0.3, 9);
      expect(lawVariance(stationary!) / bernoulliStationaryVariance(configuration)).toBeCloseTo(1, 8);
    }
  });

  it('approaches the Beta(2(K + a)p*, 2(K + a)q*) variance when M ≫ K', () => {
    const { alpha, beta } = bernoulliStationaryBeta({ groundTruth: 2, prior: 0, truthP: 0.3 });
    const betaVariance = (alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1));
    const exact = (m: number) => bernoulliStationaryVariance({ samples: m, groundTruth: 2, prior: 0, truthP: 0.3 });
    expect(Math.abs(exact(10000) / betaVariance - 1)).toBeLessThan(Math.abs(exact(100) / betaVariance - 1));
    expect(exact(10000) / betaVariance).toBeCloseTo(1, 3);
  });

  it('propagates one step as the convolution of the synthetic and the truth binomials', () => {
    const configuration = loop({ samples: 8, groundTruth: 3 });
    const { laws } = bernoulliLoopLaws(configuration, [1, 2]);
    const synthetic = binomialPmf(8, 0.3);
    const truth = binomialPmf(3, 0.3);
    for (let c = 0; c <= 11; c++) {
      let expected = 0;
      for (let k = 0; k <= Math.min(8, c); k++) if (c - k <= 3) expected += synthetic[k] * truth[c - k];
      expect(laws[0].probabilities[c]).toBeCloseTo(expected, 14);
    }
    // Generation 2 by brute force over generation 1's count.
    for (let d = 0; d <= 11; d++) {
      let expected = 0;
      for (let c = 0; c <= 11; c++) {
        const next = binomialPmf(8, c / 11);
        for (let k = 0; k <= Math.min(8, d); k++) if (d - k <= 3) expected += laws[0].probabilities[c] * next[k] * truth[d - k];
      }
      expect(laws[1].probabilities[d]).toBeCloseTo(expected, 14);
    }
  });
});

describe('accumulate regime', () => {
  it('has Var p_t = p₀q₀(1 − Π(1 − 1/(s²M))), checked by enumerating the total count', () => {
    const samples = 3;
    const p0 = 0.3;
    let law = new Map<number, number>(Array.from(binomialPmf(samples, p0), (p, k) => [k, p] as [number, number]));
    for (let t = 1; t <= 5; t++) {
      let mean = 0;
      let second = 0;
      for (const [total, p] of law) {
        mean += (p * total) / (t * samples);
        second += (p * (total / (t * samples)) ** 2);
      }
      expect(mean).toBeCloseTo(p0, 12);
      expect(second - mean * mean).toBeCloseTo(accumulateTheory.variance(samples, p0, t), 12);
      const next = new Map<number, number>();
      for (const [total, p] of law) {
        binomialPmf(samples, total / (t * samples)).forEach((q, k) => next.set(total + k, (next.get(total + k) ?? 0) + p * q));
      }
      law = next;
    }
    expect(accumulateTheory.collapseProbability(3, 0.3)).toBeCloseTo(0.3 ** 3 + 0.7 ** 3, 15);
    // t → ∞: Euler's product gives p₀q₀(1 − sin(π/√M)/(π/√M)), π²/(6M) to leading order.
    for (const samples of [4, 100]) {
      const x = Math.PI / Math.sqrt(samples);
      const limit = 0.21 * (1 - Math.sin(x) / x);
      expect(accumulateTheory.variance(samples, 0.3, 1_000_000)).toBeCloseTo(limit, 6);
      expect(Math.abs(limit - (0.21 * Math.PI ** 2) / (6 * samples)) / limit).toBeLessThan(samples === 100 ? 0.02 : 0.3);
    }
  });
});

describe('expected surviving categories', () => {
  it('matches forward propagation of each category against the rest', () => {
    const init = [0.5, 0.25, 0.15, 0.1, 0];
    const samples = 6;
    const times = [0, 1, 2, 3, 7];
    const expected = times.map((t) => {
      let survivors = 0;
      for (const pi of init) {
        if (pi === 0) continue;
        if (t === 0) {
          survivors++;
          continue;
        }
        let distribution = binomialPmf(samples, pi);
        for (let s = 1; s < t; s++) {
          const next = new Float64Array(samples + 1);
          distribution.forEach((mass, k) => binomialPmf(samples, k / samples).forEach((q, d) => (next[d] += mass * q)));
          distribution = next;
        }
        survivors += 1 - distribution[0];
      }
      return survivors;
    });
    expectedSurvivors(init, samples, times).forEach((value, i) => expect(value).toBeCloseTo(expected[i], 12));
  });
});

/** The law of the transient mass after t − 1 steps of Q from `start`, by direct propagation. */
function propagatedSurvival(rows: readonly Float64Array[], start: ArrayLike<number>, t: number): number {
  let distribution = Float64Array.from(start);
  for (let step = 1; step < t; step++) {
    const next = new Float64Array(distribution.length);
    distribution.forEach((mass, i) => rows[i].forEach((q, j) => (next[j] += mass * q)));
    distribution = next;
  }
  return distribution.reduce((a, b) => a + b, 0);
}

describe('linear algebra of the finite chains', () => {
  it('LU solves A·x = b and Aᵀ·x = b', () => {
    const n = 7;
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const a = Array.from({ length: n }, () => Float64Array.from({ length: n }, random));
    const b = Float64Array.from({ length: n }, random);
    const factors = new LuFactors(a);
    const x = factors.solve(b);
    const y = factors.solveTransposed(b);
    for (let i = 0; i < n; i++) {
      let ax = 0;
      let aty = 0;
      for (let j = 0; j < n; j++) {
        ax += a[i][j] * x[j];
        aty += a[j][i] * y[j];
      }
      expect(ax).toBeCloseTo(b[i], 12);
      expect(aty).toBeCloseTo(b[i], 12);
    }
  });

  it('gives Wright–Fisher its exact mean, variance, leading eigenvalue 1 − 1/N and tail', () => {
    const copies = 60;
    const rows = Array.from({ length: copies - 1 }, (_, i) => binomialPmf(copies, (i + 1) / copies).subarray(1, copies));
    const chain = new TransientChain(rows);
    const start = binomialPmf(copies, 0.3).subarray(1, copies);
    const exact = wrightFisherAbsorption(copies, 0.3, 10);
    const moments = chain.timeMoments(start);
    expect(moments.mean / exact.mean).toBeCloseTo(1, 10);
    expect(moments.variance / exact.variance).toBeCloseTo(1, 8);
    expect(chain.perron().lambda).toBeCloseTo(1 - 1 / copies, 12);
    for (const t of [4 * copies, 12 * copies]) expect(chain.survival(start, t) / propagatedSurvival(rows, start, t)).toBeCloseTo(1, 9);
    expect(wrightFisherTail(copies, 0.3, 12 * copies) / propagatedSurvival(rows, start, 12 * copies)).toBeCloseTo(1, 9);
  });
});

describe('the Ising loop with θ₂ held fixed', () => {
  it('builds each row from the family\'s own fit and the M-fold convolution of its level law', () => {
    const spins = 3;
    const samples = 3;
    const theta2 = 0.8;
    const spec = resolveRunSpec({ family: 'ising', spins, samples, theta2, 'coupling-scale': 'mean-field' });
    const model = createFamilyModel(spec);
    const state = model.initialState();
    for (let c = 1; c < spins * samples; c++) {
      // Any samples with c up spins in all: the fit sees only Σm and Σm².
      const sumM = 2 * c - spins * samples;
      model.fit(Float64Array.of(samples, sumM, sumM * sumM), state);
      const law = isingModelLaw(spins, 'mean-field', sumM / (spins * samples), theta2);
      for (let u = 0; u <= spins; u++) expect(law.levels[u]).toBeCloseTo(state[4 + u], 10);
    }
    // The convolution against enumeration of the three samples' up-spin counts.
    const levels = Float64Array.of(0.1, 0.2, 0.3, 0.4);
    const enumerated = new Float64Array(10);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let d = 0; d < 4; d++) enumerated[a + b + d] += levels[a] * levels[b] * levels[d];
    sumOfSamples(levels, 3).forEach((p, i) => expect(p).toBeCloseTo(enumerated[i], 15));
  });

  it('is Wright–Fisher with N·M copies at θ₂ = 0', () => {
    const chain = new IsingFixedCouplingChain(4, 10, 0, 'mean-field');
    const wf = wrightFisherAbsorption(40, 0.5, 10);
    expect(chain.timeMoments(0).mean / wf.mean).toBeCloseTo(1, 9);
    expect(chain.survival(0, 480) / wrightFisherTail(40, 0.5, 480)).toBeCloseTo(1, 8);
  });

  it('absorbs all up with probability (1 + φ̄₁,₀)/2 at any fixed θ₂ — not (1 + tanh θ₁,₀)/2 — and every chain polarises', () => {
    for (const theta2 of [0.5, 1.5, -0.7]) {
      const chain = new IsingFixedCouplingChain(5, 8, theta2, 'mean-field');
      for (const m0 of [-0.6, 0, 0.3]) {
        expect(chain.upProbability(m0)).toBeCloseTo((1 + m0) / 2, 10);
        const theta1 = isingModelLaw(5, 'mean-field', m0, theta2).theta1;
        if (m0 !== 0) expect(Math.abs((1 + Math.tanh(theta1)) / 2 - (1 + m0) / 2)).toBeGreaterThan(1e-3);
      }
    }
  });

  it('has the tail of the propagated chain', () => {
    const spins = 3;
    const samples = 5;
    const chain = new IsingFixedCouplingChain(spins, samples, 1.2, 'mean-field');
    const copies = spins * samples;
    const rows = Array.from({ length: copies - 1 }, (_, i) => sumOfSamples(isingModelLaw(spins, 'mean-field', (2 * (i + 1) - copies) / copies, 1.2).levels, samples).subarray(1, copies));
    const start = chain.firstGeneration(0.2).subarray(1, copies);
    for (const t of [4 * copies, 12 * copies]) expect(chain.survival(0.2, t) / propagatedSurvival(rows, start, t)).toBeCloseTo(1, 8);
  });
});

describe('the Ising loop with θ₂ learned', () => {
  it('reads the final model\'s E[m²] from what the chain table records', () => {
    const levels = new IsingLevels(6, 'mean-field');
    const law = new Float64Array(7);
    const moments = levels.distribution(0.3, -0.4, law);
    expect(finalSecondMoment(levels, moments.meanM / 6, 0.3, -0.4)).toBeCloseTo(moments.varM + moments.meanM ** 2, 12);
    expect(finalSecondMoment(levels, 2 / 6, NaN, -Infinity)).toBe(4);
    expect(finalSecondMoment(levels, 1, Infinity, NaN)).toBe(36);
    // Two-point law on ±6 with mean 0.5·6: E[m²] = 36.
    expect(finalSecondMoment(levels, 0.5, 0.1, Infinity)).toBe(36);
    // Two adjacent levels 2 and 4 with mean 3: E[m²] = (4 + 16)/2.
    expect(finalSecondMoment(levels, 3 / 6, NaN, -Infinity)).toBeCloseTo(10, 12);
  });

  it('keeps E_t[m] and E_t[m²] martingales, and the variance of E_t[m] follows the moment-matching recursion with K truth samples and a prior (enumerated exactly)', () => {
    // N = 3 spins, M = 2 samples, K = 1 truth sample, a = 0.5: the fit depends on the pooled
    // (Σm, Σm²), so the chain on those statistics is finite and propagated exactly.
    const spins = 3;
    const samples = 2;
    const truthM = 0.2;
    const theta2 = 0.6;
    for (const [groundTruth, prior] of [
      [1, 0],
      [1, 0.5],
      [0, 0.7],
    ]) {
      const spec = resolveRunSpec({ family: 'ising', spins, samples, m0: truthM, theta2, learn: 'theta1,theta2', 'ground-truth': groundTruth, prior });
      const model = createFamilyModel(spec);
      const pseudo = new Float64Array(3);
      model.pseudoStats(prior, pseudo);
      const levelsM = [-3, -1, 1, 3];
      const truth = model.truthState().subarray(4);
      // Laws over the pooled statistics of one generation, keyed "Σm,Σm²".
      const multinomial = (law: ArrayLike<number>, count: number): Map<string, number> => {
        let result = new Map<string, number>([['0,0', 1]]);
        for (let k = 0; k < count; k++) {
          const next = new Map<string, number>();
          for (const [key, p] of result) {
            const [a, b] = key.split(',').map(Number);
            levelsM.forEach((m, u) => {
              if (law[u] === 0) return;
              const k2 = `${a + m},${b + m * m}`;
              next.set(k2, (next.get(k2) ?? 0) + p * law[u]);
            });
          }
          result = next;
        }
        return result;
      };
      const truthLaw = multinomial(truth, groundTruth);
      const nextLaw = (modelLaw: ArrayLike<number>): Map<string, number> => {
        const synthetic = multinomial(modelLaw, samples);
        const pooled = new Map<string, number>();
        for (const [ks, ps] of synthetic) {
          const [a, b] = ks.split(',').map(Number);
          for (const [kt, pt] of truthLaw) {
            const [c, d] = kt.split(',').map(Number);
            const key = `${a + c},${b + d}`;
            pooled.set(key, (pooled.get(key) ?? 0) + ps * pt);
          }
        }
        return pooled;
      };
      const fitted = (key: string): Float64Array => {
        const [sumM, sumSquares] = key.split(',').map(Number);
        const stats = Float64Array.of(samples + groundTruth, sumM, sumSquares);
        if (prior > 0) model.addStats(stats, pseudo);
        const state = model.initialState();
        model.fit(stats, state);
        return state;
      };
      const variance = isingModelLaw(spins, 'mean-field', truthM, theta2).varianceM;
      const predicted = momentMatchedMeanVariance({ samples, groundTruth, prior, truthVariance: variance }, [1, 2, 3, 4]).atGenerations;
      let law = nextLaw(model.initialState().subarray(4));
      for (let t = 1; t <= 4; t++) {
        let mean = 0;
        let second = 0;
        let meanSquare = 0;
        const states = new Map<string, Float64Array>();
        for (const [key, p] of law) {
          const state = fitted(key);
          states.set(key, state);
          const m = state[2] * spins;
          mean += p * m;
          second += p * m * m;
          const levelLaw = state.subarray(4);
          meanSquare += p * levelsM.reduce((total, level, u) => total + levelLaw[u] * level * level, 0);
        }
        expect(mean, `${groundTruth},${prior} t=${t}`).toBeCloseTo(truthM * spins, 9);
        expect(meanSquare, `${groundTruth},${prior} t=${t}`).toBeCloseTo(isingModelLaw(spins, 'mean-field', truthM, theta2).meanSquare, 9);
        expect(second - mean * mean, `${groundTruth},${prior} t=${t}`).toBeCloseTo(predicted[t - 1], 9);
        const next = new Map<string, number>();
        for (const [key, p] of law) for (const [k2, q] of nextLaw(states.get(key)!.subarray(4))) next.set(k2, (next.get(k2) ?? 0) + p * q);
        law = next;
      }
    }
  }, 30_000);
});

describe('moment matching with K truth points and pseudo-observations', () => {
  it('gives the Bernoulli chain\'s variance at every t and the closed-form stationary variance', () => {
    for (const [groundTruth, prior] of [
      [2, 0],
      [1, 0.5],
      [0, 3],
    ]) {
      const loop: BernoulliLoop = { samples: 30, groundTruth, prior, l2: 0, p0: 0.3, truthP: 0.3 };
      const times = [1, 5, 50];
      const { laws, stationary } = bernoulliLoopLaws(loop, times);
      const predicted = momentMatchedMeanVariance({ samples: 30, groundTruth, prior, truthVariance: 0.21 }, times);
      times.forEach((_, i) => expect(predicted.atGenerations[i] / lawVariance(laws[i])).toBeCloseTo(1, 10));
      expect(predicted.stationary / lawVariance(stationary!)).toBeCloseTo(1, 8);
      expect(predicted.stationary / bernoulliStationaryVariance(loop)).toBeCloseTo(1, 12);
    }
  });

  it('relaxes the Bernoulli mean exactly as (M/n)^t (p₀ − p*) without L2', () => {
    for (const [groundTruth, prior] of [
      [1, 0],
      [0, 10],
    ]) {
      const loop: BernoulliLoop = { samples: 100, groundTruth, prior, l2: 0, p0: 0.9, truthP: 0.3 };
      const exact = exactRelaxation(loop, 60);
      const n = 100 + groundTruth + prior;
      for (const t of [1, 10, 60]) expect(exact.means[t - 1]).toBeCloseTo(0.3 + (100 / n) ** t * 0.6, 10);
      expect(exact.stationaryMean).toBeCloseTo(0.3, 9);
    }
  });
});

/** E over Z₁, Z₂ ~ N(0, 1) of f(z₁, z₂) by the trapezoid rule on [−9, 9]² (spectrally accurate for Gaussian weights). */
function gaussianExpectation2(f: (z1: number, z2: number) => number): number {
  const h = 0.05;
  let total = 0;
  for (let a = -9; a <= 9 + 1e-9; a += h) {
    const wa = Math.exp(-a * a / 2);
    for (let b = -9; b <= 9 + 1e-9; b += h) total += wa * Math.exp(-b * b / 2) * f(a, b);
  }
  return (total * h * h) / (2 * Math.PI);
}

describe('the Gaussian loop\'s moment recursion', () => {
  const base: GaussianLoop = { samples: 12, groundTruth: 0, prior: 0, truthMu: 0, truthVar: 1, mu0: 0, var0: 1, estimator: 'mle' };

  it('reduces to E[σ²_t] = ((M−1)/M)^t and E[σ⁴_t] = ((M−1)(M+1)/M²)^t without mitigation', () => {
    const { atGenerations } = gaussianLoopMoments(base, [1, 7]);
    [1, 7].forEach((t, i) => {
      expect(atGenerations[i].meanVar).toBeCloseTo(gaussianTheory.expectedVarianceRatio(12, 'mle', t), 12);
      expect(atGenerations[i].varianceVar + atGenerations[i].meanVar ** 2).toBeCloseTo(gaussianTheory.expectedSquaredVarianceRatio(12, 'mle', t), 12);
      // μ random-walks: Var μ_t = Σ_s E[σ²_s]/M.
      let expected = 0;
      for (let s = 0; s < t; s++) expected += gaussianTheory.expectedVarianceRatio(12, 'mle', s) / 12;
      expect(atGenerations[i].varianceMu).toBeCloseTo(expected, 12);
    });
  });

  it('has the closed-form stationary E[σ²] = σ*² − Var μ with K truth points or a prior', () => {
    for (const [groundTruth, prior] of [
      [1, 0],
      [5, 0],
      [0, 2],
      [2, 1.5],
    ]) {
      const loop = { ...base, groundTruth, prior, truthVar: 2.5 };
      const { stationary } = gaussianLoopMoments(loop, [1]);
      const closed = gaussianStationaryFirstMoments(loop);
      expect(stationary!.meanVar).toBeCloseTo(closed.meanVar, 10);
      expect(stationary!.varianceMu).toBeCloseTo(closed.varianceMu, 10);
    }
  });

  it('takes one generation as direct integration over the draws does', () => {
    // From (d, v) = (0.4, 1.7), K = 3 truth points, a = 1.5: E[v′], E[v′²], E[d′² v′], E[d′⁴]
    // by quadrature over (Z₁, Z₂) with the exact moments of C₁ ~ χ²_{M−1}, C₂ ~ χ²_{K−1}.
    const loop: GaussianLoop = { ...base, groundTruth: 3, prior: 1.5, truthVar: 1.3 };
    const [d, v] = [0.4, 1.7];
    const m = loop.samples;
    const k = loop.groundTruth;
    const n = m + k + loop.prior;
    const s2 = loop.truthVar;
    const [nu1, nu2] = [m - 1, k - 1];
    const parts = (z1: number, z2: number) => {
      const e1 = d + Math.sqrt(v / m) * z1;
      const ke2 = Math.sqrt(k * s2) * z2;
      const dNext = (m * e1 + ke2) / n;
      // n v′ = v C₁ + σ*² C₂ + constant part.
      const constant = loop.prior * s2 + m * e1 * e1 + s2 * z2 * z2 - n * dNext * dNext;
      return { dNext, constant };
    };
    // E[(A + B C₁ + D C₂)^2] with C's independent χ²: expand.
    const moments = (f: (dNext: number, vMean: number, vSecond: number) => number) =>
      gaussianExpectation2((z1, z2) => {
        const { dNext, constant } = parts(z1, z2);
        const a = constant / n;
        const b = v / n;
        const c = s2 / n;
        const vMean = a + b * nu1 + c * nu2;
        const vSecond = a * a + b * b * nu1 * (nu1 + 2) + c * c * nu2 * (nu2 + 2) + 2 * a * b * nu1 + 2 * a * c * nu2 + 2 * b * c * nu1 * nu2;
        return f(dNext, vMean, vSecond);
      });
    const matrix = gaussianMomentMatrix(loop);
    const state = Float64Array.from(MOMENT_INDEX, ([i, j]) => d ** i * v ** j);
    const row = (i: number, j: number) => matrix[MOMENT_INDEX.findIndex(([a, b]) => a === i && b === j)].reduce((total, coefficient, c) => total + coefficient * state[c], 0);
    expect(row(0, 1)).toBeCloseTo(moments((_, vMean) => vMean), 9);
    expect(row(0, 2)).toBeCloseTo(moments((_, __, vSecond) => vSecond), 8);
    expect(row(2, 1)).toBeCloseTo(moments((dNext, vMean) => dNext * dNext * vMean), 9);
    expect(row(4, 0)).toBeCloseTo(moments((dNext) => dNext ** 4), 9);
    expect(row(1, 1)).toBeCloseTo(moments((dNext, vMean) => dNext * vMean), 9);
  });

  it('bounds the lower tail of σ² by P(χ²_K ≤ (n x/σ*² − a)(M + K)/M) after one generation from any state', () => {
    // Monte Carlo of one generation from a few states against the bound (4 standard errors of slack).
    let seed = 7;
    const uniform = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const loop = { samples: 10, groundTruth: 2, prior: 0, truthVar: 1 };
    for (const [mu, v] of [
      [0, 1],
      [3, 0.01],
      [-1, 5],
    ]) {
      const draws = 20000;
      const x = 0.02;
      let below = 0;
      for (let i = 0; i < draws; i++) {
        const points = [...Array.from({ length: 10 }, () => mu + Math.sqrt(v) * normal()), normal(), normal()];
        const mean = points.reduce((a, b) => a + b) / points.length;
        const spread = points.reduce((a, b) => a + (b - mean) ** 2, 0) / points.length;
        if (spread <= x) below++;
      }
      const bound = varianceLowerTailBound(loop, x);
      expect(below / draws).toBeLessThanOrEqual(bound + 4 * Math.sqrt(bound / draws));
    }
    expect(varianceLowerTailBound({ samples: 10, groundTruth: 0, prior: 2, truthVar: 1 }, 2 / 12 - 1e-9)).toBe(0);
  });

  it('says when E[σ⁸] diverges and bounds P(σ²_T > ε) for the unmitigated walk', () => {
    const k1 = varianceMomentDiverges({ samples: 20, groundTruth: 1, prior: 0, estimator: 'mle' }, 4);
    expect(k1.growth).toBeCloseTo((19 * 21 * 23 * 25) / 21 ** 4, 12);
    expect(k1.diverges).toBe(true);
    expect(varianceMomentDiverges({ samples: 20, groundTruth: 5, prior: 0, estimator: 'mle' }, 4).diverges).toBe(false);
    // One step: the bound is at least the exact P(χ²_{M−1}/c > ε).
    for (const [samples, divisor, threshold] of [
      [20, 20, 0.3],
      [8, 7, 0.1],
    ]) {
      const exact = regularizedGammaQ((samples - 1) / 2, (threshold * divisor) / 2);
      expect(aboveThresholdBound(samples, divisor, 1, threshold)).toBeGreaterThanOrEqual(exact);
    }
    expect(aboveThresholdBound(20, 20, 5000, 1e-6)).toBeLessThan(1e-100);
  });

  it('states the family\'s --prior as the joint mode of a normal–inverse-gamma posterior', () => {
    for (const a of [4, 6.5]) {
      const spec = resolveRunSpec({ family: 'gaussian', samples: 9, prior: a, 'truth-mu': 0.7, 'truth-var': 2 });
      const model = createFamilyModel(spec);
      const data = Float64Array.of(9, -0.3, 11.5);
      const pseudo = new Float64Array(3);
      model.pseudoStats(a, pseudo);
      const pooled = Float64Array.from(data);
      model.addStats(pooled, pseudo);
      const state = new Float64Array(2);
      model.fit(pooled, state);
      const mode = normalInverseGammaMode({ n: 9, mean: -0.3, sumSquares: 11.5 }, { mu0: 0.7, kappa0: a, alpha0: (a - 3) / 2, beta0: (a * 2) / 2 });
      expect(state[0]).toBeCloseTo(mode.mu, 12);
      expect(state[1]).toBeCloseTo(mode.variance, 12);
      // And that mode maximises the log posterior: a numerical check around it.
      const logPosterior = (mu: number, variance: number) => {
        const kappa = a;
        const alpha = (a - 3) / 2;
        const beta = a;
        let value = -(alpha + 1) * Math.log(variance) - beta / variance - 0.5 * Math.log(variance) - (kappa * (mu - 0.7) ** 2) / (2 * variance);
        value += -(9 / 2) * Math.log(variance) - (11.5 + 9 * (-0.3 - mu) ** 2) / (2 * variance);
        return value;
      };
      const best = logPosterior(mode.mu, mode.variance);
      for (const [dm, dv] of [
        [1e-3, 0],
        [-1e-3, 0],
        [0, 1e-3],
        [0, -1e-3],
      ]) expect(logPosterior(mode.mu + dm, mode.variance + dv)).toBeLessThan(best);
    }
  });
});

describe('the equations of motion', () => {
  /** ∫ f(x) g(x) dx for the χ²_ν density g, by Simpson's rule on a fine grid. */
  function chiSquaredExpectation(nu: number, f: (x: number) => number): number {
    const upper = nu + 40 * Math.sqrt(2 * nu) + 60;
    const steps = 200000;
    const h = upper / steps;
    const density = (x: number) => (x <= 0 ? 0 : Math.exp((nu / 2 - 1) * Math.log(x) - x / 2 - (nu / 2) * Math.LN2 - logGamma(nu / 2)));
    let total = 0;
    for (let i = 1; i < steps; i++) {
      const x = i * h;
      total += (i % 2 === 1 ? 4 : 2) * density(x) * f(x);
    }
    return (total * h) / 3;
  }

  it('has the exact Gaussian and exponential one-generation moments of direct integration', () => {
    const [samples, mu, v] = [14, 0.8, 1.6];
    const step = gaussianStep(samples, mu, v);
    // θ′₂ = −M/(2 v C): E and E[·²] over C ~ χ²_{M−1}.
    const e2 = chiSquaredExpectation(samples - 1, (c) => -samples / (2 * v * c));
    const s2 = chiSquaredExpectation(samples - 1, (c) => (samples / (2 * v * c)) ** 2);
    expect(step.meanTheta[1]).toBeCloseTo(e2 + 1 / (2 * v), 8);
    expect(step.covarianceTheta[1][1]).toBeCloseTo(s2 - e2 * e2, 8);
    // θ′₁ = x̄ M/(v C) with x̄ ~ N(μ, v/M) independent of C.
    const inverse = chiSquaredExpectation(samples - 1, (c) => samples / (v * c));
    expect(step.meanTheta[0]).toBeCloseTo(mu * inverse - mu / v, 8);
    // Exponential: r′ = M/Σx with Σx ~ Gamma(M, r) = χ²_{2M}/(2r).
    const rate = 1.3;
    const exponential = exponentialStep(9, rate);
    const mean = chiSquaredExpectation(18, (c) => (9 * 2 * rate) / c);
    const second = chiSquaredExpectation(18, (c) => ((9 * 2 * rate) / c) ** 2);
    expect(exponential.meanTheta[0]).toBeCloseTo(-(mean - rate), 8);
    expect(exponential.covarianceTheta[0][0]).toBeCloseTo(second - mean * mean, 8);
  });

  it('approaches the O(1/M) drift and diffusion, with a remainder O(1/M²)', () => {
    const cases = [
      (m: number) => bernoulliStep(m, 0.3),
      (m: number) => poissonStep(m, 2),
      (m: number) => exponentialStep(m, 1.7),
      (m: number) => gaussianStep(m, 1.2, 0.8),
    ];
    for (const make of cases) {
      const remainders = [400, 4000].map((m) => {
        const step = make(m);
        return step.meanTheta.map((value, k) => Math.abs(value - step.driftTheta[k]) / Math.abs(step.driftTheta[k]) + Math.abs(step.covarianceTheta[k][k] - step.diffusionTheta[k][k]) / step.diffusionTheta[k][k]);
      });
      // Ten times M, a tenth of the relative remainder (O(1/M) relative = O(1/M²) absolute), within 30 %.
      remainders[0].forEach((r, k) => expect(r / remainders[1][k]).toBeGreaterThan(7));
      remainders[0].forEach((r, k) => expect(r / remainders[1][k]).toBeLessThan(13));
      expect(remainders[1].every((r) => r < 0.01)).toBe(true);
    }
  });

  it('has the drift ½ Σ_ij ∂²θ/∂η_i∂η_j Σ_ij and diffusion Σ⁻¹ of numerical differentiation (Gaussian)', () => {
    const [mu, v] = [0.7, 1.9];
    const theta = (eta1: number, eta2: number) => [eta1 / (eta2 - eta1 * eta1), -1 / (2 * (eta2 - eta1 * eta1))];
    const eta = [mu, mu * mu + v];
    const sigma = [
      [v, 2 * mu * v],
      [2 * mu * v, 2 * v * v + 4 * mu * mu * v],
    ];
    const h = 1e-4;
    const second = (k: number, i: number, j: number) => {
      const at = (di: number, dj: number) => {
        const e = [...eta];
        e[i] += di;
        e[j] += dj;
        return theta(e[0], e[1])[k];
      };
      return (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h);
    };
    const step = gaussianStep(1, mu, v);
    for (let k = 0; k < 2; k++) {
      let drift = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) drift += 0.5 * second(k, i, j) * sigma[i][j];
      expect(step.driftTheta[k]).toBeCloseTo(drift, 5);
    }
    // Σ⁻¹ by Jacobian: J Σ Jᵀ with J = ∂θ/∂η numerically.
    const jacobian = [0, 1].map((k) => [0, 1].map((i) => {
      const plus = [...eta];
      const minus = [...eta];
      plus[i] += h;
      minus[i] -= h;
      return (theta(plus[0], plus[1])[k] - theta(minus[0], minus[1])[k]) / (2 * h);
    }));
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) {
        let value = 0;
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) value += jacobian[a][i] * sigma[i][j] * jacobian[b][j];
        expect(step.diffusionTheta[a][b]).toBeCloseTo(value, 6);
      }
    }
  });

  it('counts Bernoulli and Poisson θ′ infinite exactly as often as all-equal data occur', () => {
    expect(1 - bernoulliStep(20, 0.3).finiteProbability).toBeCloseTo(0.3 ** 20 + 0.7 ** 20, 13);
    expect(1 - poissonStep(3, 0.4).finiteProbability).toBeCloseTo(Math.exp(-1.2), 15);
  });
});

describe('the tests behind the verdicts', () => {
  it('binomial tails match direct sums', () => {
    const n = 30;
    const p = 0.12;
    const pmf = binomialPmf(n, p);
    for (const k of [0, 2, 5, 11]) {
      let upper = 0;
      for (let j = k; j <= n; j++) upper += pmf[j];
      expect(binomialUpperTail(k, n, p)).toBeCloseTo(upper, 13);
      let lower = 0;
      for (let j = 0; j <= k; j++) lower += pmf[j];
      expect(binomialTwoSided(k, n, p)).toBeCloseTo(Math.min(1, 2 * Math.min(upper, lower)), 12);
    }
  });

  it('never supports a claim on a statistic that is not finite, and falls back on the largest variance of a bounded statistic without spread', () => {
    expect(verdictOf('agreement', NaN)).toBe('not supported');
    expect(verdictOf('effect', NaN)).toBe('not supported');
    expect(bonferroni([0.5, NaN])).toBeNaN();
    expect(bonferroni([0.004, 0.5])).toBeCloseTo(0.008, 15);
    // 200 chains all at 1 against a predicted mean of 0.9996: consistent.
    expect(boundedZTestP({ n: 200, mean: 1, standardError: 0, lower: 1, upper: 1 }, 0.9996, 0, 1)).toBeGreaterThan(0.5);
    // … but not against 0.5.
    expect(boundedZTestP({ n: 200, mean: 1, standardError: 0, lower: 1, upper: 1 }, 0.5, 0, 1)).toBeLessThan(1e-10);
    expect(chiSquaredSurvival(0, 3)).toBe(1);
    expect(regularizedGammaP(1, 0)).toBe(0);
  });

  it('wraps figure subtitles to the width Vega will estimate for them', () => {
    const lines = wrapToWidth(['a '.repeat(200).trim(), 'short'], 440, 11);
    for (const line of lines) expect(0.8 * line.length * 11).toBeLessThanOrEqual(440);
    expect(lines.at(-1)).toBe('short');
  });
});
