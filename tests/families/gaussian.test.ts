import { describe, expect, it } from 'vitest';
import { gaussianTheory, gaussianWithL2, poolMoments } from '../../src/families/gaussian/index.js';
import { expectWithinStandardErrors, mean, simulate, variance, varianceStandardError } from '../helpers.js';

const CHAINS = 20000;

describe('gaussian variance against its exact laws', () => {
  for (const mode of ['per-sample', 'sufficient'] as const) {
    for (const estimator of ['mle', 'unbiased'] as const) {
      it(`${mode}, ${estimator}: E[σ²_t], E[ln σ²_t], Var[ln σ²_t] and the martingale μ_t`, async () => {
        const samples = 10;
        const generations = 12;
        const var0 = 2.5;
        const mu0 = 1.5;
        const run = await simulate({
          family: 'gaussian', samples, generations, mu0, var0, estimator, mode,
          'collapse-threshold': 1e-300, chains: CHAINS, seed: `gaussian/${mode}/${estimator}`,
        });
        const label = `${mode} ${estimator}`;
        expect(run.collapseTime.every((t) => t === -1)).toBe(true);
        const finalVar = run.finals['final_var'];
        const ratio = gaussianTheory.expectedVarianceRatio(samples, estimator, generations);
        const second = gaussianTheory.expectedSquaredVarianceRatio(samples, estimator, generations);
        expectWithinStandardErrors(mean(finalVar), var0 * ratio, var0 * Math.sqrt((second - ratio * ratio) / CHAINS), `${label} E[σ²]`);

        const logRatio = Array.from(finalVar, (v) => Math.log(v / var0));
        const drift = gaussianTheory.logVarianceDrift(samples, estimator);
        const stepVariance = gaussianTheory.logVarianceStepVariance(samples);
        expect(drift).toBeLessThan(0);
        expectWithinStandardErrors(mean(logRatio), generations * drift, Math.sqrt((generations * stepVariance) / CHAINS), `${label} E[ln σ²]`);
        expectWithinStandardErrors(variance(logRatio), generations * stepVariance, varianceStandardError(logRatio), `${label} Var[ln σ²]`);

        // μ_t is a martingale with Var μ_T = Σ_{s<T} E[σ²_s]/M.
        let varianceOfMean = 0;
        for (let s = 0; s < generations; s++) varianceOfMean += (var0 * gaussianTheory.expectedVarianceRatio(samples, estimator, s)) / samples;
        expectWithinStandardErrors(mean(run.finals['final_mu']), mu0, Math.sqrt(varianceOfMean / CHAINS), `${label} E[μ]`);
      });
    }
  }

  it('collapses under the unbiased estimator too, and stops at the first crossing', async () => {
    const run = await simulate({ family: 'gaussian', samples: 5, estimator: 'unbiased', 'collapse-threshold': 0.01, var0: 4, chains: 2000, generations: 100000, mode: 'sufficient' });
    expect(run.collapseTime.every((t) => t > 0)).toBe(true);
    expect(run.finals['final_var'].every((v) => v <= 0.04)).toBe(true);
    expect(run.chainGenerations).toBe(run.collapseTime.reduce((a, b) => a + b, 0));
  });
});

describe('gaussian fits', () => {
  it('pools (n, mean, M2) exactly like one pass over the data', () => {
    const data = [1e6 + 0.1, 1e6 + 0.3, 1e6 - 0.2, 1e6 + 0.05, 1e6];
    const stats = (xs: number[]) => {
      const m = mean(xs);
      return Float64Array.of(xs.length, m, xs.reduce((s, x) => s + (x - m) ** 2, 0));
    };
    const pooled = stats(data.slice(0, 2));
    poolMoments(pooled, stats(data.slice(2)));
    const whole = stats(data);
    expect(pooled[0]).toBe(5);
    expect(pooled[1]).toBeCloseTo(whole[1], 9);
    expect(pooled[2]).toBeCloseTo(whole[2], 9);
  });

  it('the L2 fit satisfies both stationarity equations', () => {
    for (const [m, s2, c] of [
      [0.3, 0.5, 0.01],
      [5, 1e-8, 0.1],
      [-2, 0, 1e-3],
    ]) {
      const [mu, v] = gaussianWithL2(m, s2, c);
      expect(v).toBeGreaterThan(0);
      // ∇A(θ) = η̄ − cθ with θ = (μ/v, −1/(2v)), ∇A = (μ, μ² + v).
      expect(mu - (m - (c * mu) / v)).toBeCloseTo(0, 12);
      expect(mu * mu + v - (m * m + s2 + c / (2 * v))).toBeCloseTo(0, 10);
    }
  });
});
