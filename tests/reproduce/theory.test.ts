/**
 * The predictions `collapse-sim reproduce` judges the simulations by, checked against
 * independent computations: closed forms, brute-force enumeration, and the exact
 * Wright–Fisher transition matrix.
 */
import { describe, expect, it } from 'vitest';
import { createFamilyModel } from '../../src/engine/reference.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { binomialPmf, wrightFisherAbsorption } from '../../src/stats/wright-fisher.js';
import { finiteSizeBound } from '../../src/reproduce/fig1.js';
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

  it('is within finiteSizeBound(copies) = 2/copies of the exact Wright–Fisher law, and closer as copies grow', () => {
    const distances = [100, 250, 500].map((copies) => {
      const law = wrightFisherAbsorption(copies, 0.5, 8 * copies);
      let distance = 0;
      for (let t = 0; t <= 8 * copies; t++) distance = Math.max(distance, Math.abs(law.cdfAt(t) - (1 - diffusionSurvival(t / copies, 0.5))));
      expect(distance, `${copies} copies`).toBeLessThanOrEqual(finiteSizeBound(copies));
      return distance;
    });
    expect(distances[1]).toBeLessThan(distances[0]);
    expect(distances[2]).toBeLessThan(distances[1]);
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
