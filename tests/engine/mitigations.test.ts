/**
 * Mitigations against exact results for the Bernoulli chain. With q* = p*(1 − p*):
 *
 * K fresh ground-truth points: p' = (k + j)/(M + K), k ~ Bin(M, p), j ~ Bin(K, p*). Then
 * E[p'|p] = (Mp + Kp*)/(M + K) and Var[p'|p] = (M p(1−p) + K q*)/(M + K)². At stationarity
 * E[p] = p*, and with E[p(1−p)] = q* − V the variance V solves
 *   V (M + K)² = M² V + M (q* − V) + K q*   ⇒   V = (M + K) q* / (2MK + K² + M),
 * which tends to q* / (2K + 1), the variance of the Beta(2Kp*, 2K(1−p*)) law, as M → ∞.
 *
 * MAP with a pseudo-observations: p' = (k + a p*)/(M + a). The same steps give
 *   V = M q* / (2Ma + a² + M).
 *
 * Accumulate: p_t = Σ_{s≤t} k_s / (tM) is a martingale with V_1 = p₀q₀/M and
 *   V_{t+1} = V_t + (p₀q₀ − V_t) / (M (t + 1)²)   (bounded: Σ 1/t² = π²/6).
 */
import { describe, expect, it } from 'vitest';
import { expectWithinStandardErrors, mean, simulate, variance, varianceStandardError } from '../helpers.js';

const CHAINS = 20000;

async function stationaryCheck(options: Record<string, unknown>, expectedVariance: number, truth: number, label: string): Promise<void> {
  const generations = 400;
  const run = await simulate({ family: 'bernoulli', chains: CHAINS, generations, mode: 'sufficient', ...options, seed: label });
  // A mitigated chain never stops early: every chain ran all T generations.
  expect(run.chainGenerations).toBe(CHAINS * generations);
  const finals = run.finals['final_p'];
  expectWithinStandardErrors(mean(finals), truth, Math.sqrt(expectedVariance / CHAINS), `${label} stationary mean`);
  expectWithinStandardErrors(variance(finals), expectedVariance, varianceStandardError(finals), `${label} stationary variance`);
}

describe('mitigations remove the absorbing states (Bernoulli, exact stationary moments)', () => {
  it.each([
    [20, 1, 0.5],
    [20, 2, 0.3],
    [50, 5, 0.5],
  ])('M = %i with K = %i fresh ground-truth points, p* = %f', async (samples, groundTruth, truth) => {
    const q = truth * (1 - truth);
    const expected = ((samples + groundTruth) * q) / (2 * samples * groundTruth + groundTruth ** 2 + samples);
    await stationaryCheck({ samples, 'ground-truth': groundTruth, p0: 0.5, 'truth-p': truth }, expected, truth, `truth K=${groundTruth}`);
  });

  it.each([
    [20, 1, 0.5],
    [30, 2.5, 0.2],
  ])('M = %i with MAP prior a = %f, p* = %f', async (samples, prior, truth) => {
    const q = truth * (1 - truth);
    const expected = (samples * q) / (2 * samples * prior + prior ** 2 + samples);
    await stationaryCheck({ samples, prior, p0: 0.5, 'truth-p': truth }, expected, truth, `MAP a=${prior}`);
  });

  it('with K ≥ 1 the chain may touch 0 or 1 but is not absorbed there', async () => {
    const run = await simulate({ family: 'bernoulli', samples: 5, 'ground-truth': 1, p0: 0.5, chains: 2000, generations: 300, mode: 'sufficient' });
    const touched = run.collapseTime.filter((t) => t >= 0).length;
    expect(touched).toBeGreaterThan(0);
    // Had the chains that touched stayed there, their final p would be 0 or 1 (no: p* pulls them back).
    const stuck = run.finals['final_p'].filter((p) => p === 0 || p === 1).length;
    expect(stuck).toBeLessThan(touched);
  });

  it('L2 regularisation keeps p inside (0, 1)', async () => {
    const run = await simulate({ family: 'bernoulli', samples: 10, l2: 0.5, chains: 500, generations: 500, mode: 'sufficient' });
    expect(run.collapseTime.every((t) => t === -1)).toBe(true);
    expect(run.finals['final_p'].every((p) => p > 0 && p < 1)).toBe(true);
  });
});

describe('regimes', () => {
  it('accumulate: p_t is a martingale with the exact bounded variance', async () => {
    const samples = 10;
    const p0 = 0.4;
    const generations = 25;
    const run = await simulate({ family: 'bernoulli', samples, p0, regime: 'accumulate', generations, chains: CHAINS, seed: 'accumulate' });
    const q0 = p0 * (1 - p0);
    let expected = q0 / samples;
    for (let t = 1; t < generations; t++) expected += (q0 - expected) / (samples * (t + 1) ** 2);
    expect(expected).toBeLessThan((q0 * Math.PI ** 2) / 6 / samples);
    const finals = run.finals['final_p'];
    expectWithinStandardErrors(mean(finals), p0, Math.sqrt(expected / CHAINS), 'accumulate mean');
    expectWithinStandardErrors(variance(finals), expected, varianceStandardError(finals), 'accumulate variance');
  });

  it('window:1 is replace and a window covering every generation is accumulate, row for row', async () => {
    const base = { family: 'bernoulli', samples: 12, p0: 0.3, chains: 300, generations: 40, seed: 'windows' };
    const replace = await simulate({ ...base, regime: 'replace' });
    const windowOne = await simulate({ ...base, regime: 'window:1' });
    expect(windowOne.collapseTime).toEqual(replace.collapseTime);
    expect(windowOne.finals['final_p']).toEqual(replace.finals['final_p']);
    const accumulate = await simulate({ ...base, regime: 'accumulate' });
    const wide = await simulate({ ...base, regime: 'window:40' });
    expect(wide.collapseTime).toEqual(accumulate.collapseTime);
    expect(wide.finals['final_p']).toEqual(accumulate.finals['final_p']);
  });

  it('a window of W generations: E[p] stays p₀ (each fit is an average of martingale fits)', async () => {
    const run = await simulate({ family: 'bernoulli', samples: 10, p0: 0.25, regime: 'window:3', generations: 30, chains: CHAINS, seed: 'window3', mode: 'sufficient' });
    const finals = run.finals['final_p'];
    expectWithinStandardErrors(mean(finals), 0.25, Math.sqrt(variance(finals) / CHAINS), 'window mean');
  });
});
