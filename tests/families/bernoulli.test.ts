import { describe, expect, it } from 'vitest';
import { bernoulliTheory, logisticWithL2 } from '../../src/families/bernoulli/index.js';
import { ksDiscrete } from '../../src/stats/hypothesis.js';
import { expectPValue, expectWithinStandardErrors, mean, simulate, variance, varianceStandardError } from '../helpers.js';

const CHAINS = 20000;

/** Checks an ensemble's absorption times and outcomes against the exact Wright–Fisher law. */
async function checkAgainstWrightFisher(samples: number, p0: number, mode: string, rng = 'philox'): Promise<void> {
  const horizon = 40 * samples;
  const law = bernoulliTheory.absorptionTime(samples, p0, horizon);
  expect(1 - law.cdfAt(horizon)).toBeLessThan(1e-6); // censoring negligible
  const run = await simulate({ family: 'bernoulli', samples, p0, chains: CHAINS, generations: horizon, mode, rng, seed: `wf/${samples}/${p0}/${mode}/${rng}` });
  const times = Array.from(run.collapseTime);
  expect(times.every((t) => t >= 1)).toBe(true);
  const label = `M=${samples} p0=${p0} ${mode} ${rng}`;
  expectWithinStandardErrors(mean(times), law.mean, Math.sqrt(law.variance / CHAINS), `${label} mean τ`);
  expectWithinStandardErrors(variance(times), law.variance, varianceStandardError(times), `${label} Var τ`);
  expectPValue(ksDiscrete(times, law.cdf).pValue, `${label} KS vs Wright–Fisher CDF`);
  const ones = run.outcome.reduce((count, outcome) => count + (outcome === 1 ? 1 : 0), 0);
  expectWithinStandardErrors(ones / CHAINS, bernoulliTheory.fixationProbability(p0), Math.sqrt((p0 * (1 - p0)) / CHAINS), `${label} P(outcome 1)`);
  // Final p is the absorbing value, and no chain ran past its collapse.
  expect(Array.from(run.finals['final_p'])).toEqual(Array.from(run.outcome));
  expect(run.chainGenerations).toBe(times.reduce((a, b) => a + b, 0));
}

describe('bernoulli against the Wright–Fisher transition matrix', () => {
  for (const mode of ['per-sample', 'sufficient']) {
    it.each([
      [10, 0.5],
      [20, 0.3],
      [50, 0.5],
      [7, 0.9],
    ])(`${mode}: M = %i, p₀ = %f`, async (samples, p0) => checkAgainstWrightFisher(samples, p0, mode));
  }

  it('does not depend on the generator: seedrandom xor4096 gives the same law', async () => {
    await checkAgainstWrightFisher(20, 0.3, 'per-sample', 'seedrandom');
    await checkAgainstWrightFisher(20, 0.3, 'sufficient', 'seedrandom');
  });

  it('collapses at generation 0 when p₀ is absorbing', async () => {
    const run = await simulate({ family: 'bernoulli', p0: 1, chains: 5, generations: 10 });
    expect(Array.from(run.collapseTime)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(run.outcome)).toEqual([1, 1, 1, 1, 1]);
    expect(run.chainGenerations).toBe(0);
  });
});

describe('bernoulli fits', () => {
  it('the L2 fit solves σ(θ) + cθ = mean and stays inside (0, 1)', () => {
    for (const [target, c] of [
      [0, 0.01],
      [1, 0.01],
      [0.3, 1e-6],
      [0.5, 3],
    ]) {
      const p = logisticWithL2(target, c);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
      const theta = Math.log(p / (1 - p));
      expect(Math.abs(p + c * theta - target)).toBeLessThan(1e-12);
    }
  });
});
