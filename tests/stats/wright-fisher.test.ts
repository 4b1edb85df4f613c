import { describe, expect, it } from 'vitest';
import { binomialPmf, solveLinear, wrightFisherAbsorption } from '../../src/stats/wright-fisher.js';
import { bernoulliTheory } from '../../src/families/bernoulli/index.js';

describe('Wright–Fisher exact law', () => {
  it('reproduces a case solvable by hand: 2 copies, p₀ = ½', () => {
    // Generation 1: count 0, 1 or 2 with probability ¼, ½, ¼; from count 1 each step absorbs with ½.
    // So P(τ > t) = ½ · (½)^{t−1} for t ≥ 1, E[τ] = 1 + ½ · 2 = 2, Var = E[τ²] − 4 with E[τ²] = ½·1 + ½·E[(1+G)²], G ~ Geometric(½) on {1,2,…}.
    const law = wrightFisherAbsorption(2, 0.5, 30);
    for (let t = 1; t <= 30; t++) expect(law.cdfAt(t)).toBeCloseTo(1 - 0.5 ** t, 14);
    expect(law.mean).toBeCloseTo(2, 12);
    // E[(1+G)²] = 1 + 2E[G] + E[G²] = 1 + 4 + 6 = 11 → E[τ²] = ½ + 11/2 = 6, Var = 2.
    expect(law.variance).toBeCloseTo(2, 12);
  });

  it('has a CDF whose tail sum is the fundamental-matrix mean', () => {
    const law = wrightFisherAbsorption(30, 0.3, 4000);
    let meanFromCdf = 0;
    for (let t = 0; t <= 4000; t++) meanFromCdf += 1 - law.cdfAt(t);
    expect(meanFromCdf).toBeCloseTo(law.mean!, 8);
    expect(law.cdfAt(4000)).toBeGreaterThan(1 - 1e-12);
    // Propagation stopped once the transient mass fell below 10⁻¹⁵, long before t = 4000.
    expect(law.complete).toBe(true);
    expect(law.computedTo).toBeLessThan(4000);
  });

  it('is close to Kimura’s diffusion approximation for large M', () => {
    const law = wrightFisherAbsorption(200, 0.5, 1);
    const kimura = bernoulliTheory.kimuraMeanAbsorptionTime(200, 0.5);
    expect(Math.abs(law.mean! - kimura) / kimura).toBeLessThan(0.01);
  });

  it('is degenerate when p₀ is already absorbing', () => {
    const law = wrightFisherAbsorption(10, 1, 5);
    expect([0, 1, 2, 3, 4, 5].map((t) => law.cdfAt(t))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(law.fixation).toBe(1);
  });

  it('the banded computation is the dense transition-matrix law', () => {
    // The dense law, as computed before the bands: every row in full, (I − Q) solved by pivoting.
    const dense = (copies: number, p0: number, horizon: number) => {
      const rows = Array.from({ length: copies + 1 }, (_, k) => binomialPmf(copies, k / copies));
      let distribution = binomialPmf(copies, p0);
      const cdf = [0];
      for (let t = 1; t <= horizon; t++) {
        cdf.push(distribution[0] + distribution[copies]);
        const next = new Float64Array(copies + 1);
        next[0] = distribution[0];
        next[copies] = distribution[copies];
        for (let i = 1; i < copies; i++) for (let j = 0; j <= copies; j++) next[j] += distribution[i] * rows[i][j];
        distribution = next;
      }
      const matrix = () => Array.from({ length: copies - 1 }, (_, i) => Float64Array.from({ length: copies - 1 }, (_, j) => (i === j ? 1 : 0) - rows[i + 1][j + 1]));
      const steps = solveLinear(matrix(), new Float64Array(copies - 1).fill(1));
      const second = solveLinear(matrix(), steps.map((v) => 2 * v - 1));
      const start = binomialPmf(copies, p0);
      let m = 0;
      let s2 = 0;
      for (let i = 1; i < copies; i++) {
        m += start[i] * steps[i - 1];
        s2 += start[i] * second[i - 1];
      }
      return { cdf, mean: 1 + m, variance: 1 + 2 * m + s2 - (1 + m) ** 2 };
    };
    for (const [copies, p0, horizon] of [[3, 0.3, 50], [17, 0.5, 300], [64, 0.1, 900], [120, 0.77, 1500]] as const) {
      const banded = wrightFisherAbsorption(copies, p0, horizon);
      const exact = dense(copies, p0, horizon);
      for (let t = 0; t <= horizon; t++) expect(Math.abs(banded.cdfAt(t) - exact.cdf[t]), `${copies} copies, t = ${t}`).toBeLessThan(1e-13);
      expect(Math.abs(banded.mean! - exact.mean) / exact.mean).toBeLessThan(1e-10);
      expect(Math.abs(banded.variance! - exact.variance) / exact.variance).toBeLessThan(1e-8);
      expect(banded.note).toBeNull();
    }
  });

  it('stays within its limits, and says what it left out', () => {
    const limits = { bandEntries: 1e5, propagation: 1e6, solve: 1e5 };
    const partial = wrightFisherAbsorption(300, 0.5, 100000, limits);
    expect(partial.complete).toBe(false);
    expect(partial.computedTo).toBeGreaterThan(10);
    expect(partial.cdfAt(partial.computedTo + 1)).toBeNaN();
    expect(partial.mean).toBeNull();
    expect(partial.note).toMatch(/computed up to t = \d+ of 100000 \(the limit of 1\.0e6 operations/);
    expect(partial.note).toMatch(/E\[τ\] needs about .* operations at 300 copies, above the limit of 1\.0e5: not computed/);
    const none = wrightFisherAbsorption(100000, 0.5, 10);
    expect(none.note).toMatch(/needs about 3\.1e8 transition probabilities, above the limit of 1\.7e7: not computed/);
    expect(none.cdfAt(1)).toBeNaN();
    // A horizon of 2·10⁹ costs what convergence costs, not the horizon.
    const long = wrightFisherAbsorption(100, 0.5, 2e9);
    expect(long.complete).toBe(true);
    expect(long.cdf.length).toBeLessThan(10000);
    expect(long.cdfAt(1.5e9)).toBeGreaterThan(1 - 1e-15);
  });

  it('binomial pmf sums to 1 and solveLinear solves', () => {
    expect(binomialPmf(50, 0.37).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 13);
    const x = solveLinear([Float64Array.of(2, 1), Float64Array.of(1, 3)], Float64Array.of(3, 5));
    expect(Array.from(x).map((v) => +v.toFixed(12))).toEqual([0.8, 1.4]);
  });
});
