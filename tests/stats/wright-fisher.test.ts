import { describe, expect, it } from 'vitest';
import { binomialPmf, solveLinear, wrightFisherAbsorption } from '../../src/stats/wright-fisher.js';
import { bernoulliTheory } from '../../src/families/bernoulli/index.js';

describe('Wright–Fisher exact law', () => {
  it('reproduces a case solvable by hand: 2 copies, p₀ = ½', () => {
    // Generation 1: count 0, 1 or 2 with probability ¼, ½, ¼; from count 1 each step absorbs with ½.
    // So P(τ > t) = ½ · (½)^{t−1} for t ≥ 1, E[τ] = 1 + ½ · 2 = 2, Var = E[τ²] − 4 with E[τ²] = ½·1 + ½·E[(1+G)²], G ~ Geometric(½) on {1,2,…}.
    const law = wrightFisherAbsorption(2, 0.5, 30);
    for (let t = 1; t <= 30; t++) expect(law.cdf[t]).toBeCloseTo(1 - 0.5 ** t, 14);
    expect(law.mean).toBeCloseTo(2, 12);
    // E[(1+G)²] = 1 + 2E[G] + E[G²] = 1 + 4 + 6 = 11 → E[τ²] = ½ + 11/2 = 6, Var = 2.
    expect(law.variance).toBeCloseTo(2, 12);
  });

  it('has a CDF whose tail sum is the fundamental-matrix mean', () => {
    const law = wrightFisherAbsorption(30, 0.3, 4000);
    let meanFromCdf = 0;
    for (let t = 0; t < law.cdf.length; t++) meanFromCdf += 1 - law.cdf[t];
    expect(meanFromCdf).toBeCloseTo(law.mean, 8);
    expect(law.cdf[4000]).toBeGreaterThan(1 - 1e-12);
  });

  it('is close to Kimura’s diffusion approximation for large M', () => {
    const law = wrightFisherAbsorption(200, 0.5, 1);
    const kimura = bernoulliTheory.kimuraMeanAbsorptionTime(200, 0.5);
    expect(Math.abs(law.mean - kimura) / kimura).toBeLessThan(0.01);
  });

  it('is degenerate when p₀ is already absorbing', () => {
    const law = wrightFisherAbsorption(10, 1, 5);
    expect(Array.from(law.cdf)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(law.fixation).toBe(1);
  });

  it('binomial pmf sums to 1 and solveLinear solves', () => {
    expect(binomialPmf(50, 0.37).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 13);
    const x = solveLinear([Float64Array.of(2, 1), Float64Array.of(1, 3)], Float64Array.of(3, 5));
    expect(Array.from(x).map((v) => +v.toFixed(12))).toEqual([0.8, 1.4]);
  });
});
