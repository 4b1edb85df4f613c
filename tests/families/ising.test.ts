import { describe, expect, it } from 'vitest';
import { FixedCouplingLaw, isingFamily, isingTheory, IsingLevels, type IsingParams, type Moments } from '../../src/families/ising/index.js';
import type { LoopConfig } from '../../src/families/family.js';
import { column } from '../../src/rng/lanes.js';
import { StreamTag } from '../../src/rng/streams.js';
import { chiSquareGoodnessOfFit, chiSquareHomogeneity, ksDiscrete, ksTwoSample } from '../../src/stats/hypothesis.js';
import { expectPValue, expectWithinStandardErrors, mean, oneLane, simulate } from '../helpers.js';

const CHAINS = 20000;
const LOOP: LoopConfig = { samples: 10, groundTruth: 0, prior: 0, l2: 0 };

function model(raw: Record<string, unknown>, loop: LoopConfig = LOOP) {
  const params: IsingParams = isingFamily.resolve(raw, loop);
  return { params, model: isingFamily.create(params, loop) };
}

describe('ising with θ₂ = 0 is Wright–Fisher with N·M copies', () => {
  for (const mode of ['per-sample', 'sufficient']) {
    it.each([
      [4, 5, 0.2],
      [3, 4, -0.5],
      [10, 2, 0],
    ])(`${mode}: N = %i spins, M = %i, m₀ = %f`, async (spins, samples, m0) => {
      const horizon = 40 * spins * samples;
      const law = isingTheory.absorptionTime(spins, samples, m0, horizon);
      const run = await simulate({ family: 'ising', spins, samples, m0, chains: CHAINS, generations: horizon, mode, seed: `ising-wf/${spins}/${samples}/${m0}/${mode}` });
      const times = Array.from(run.collapseTime);
      const label = `N=${spins} M=${samples} m0=${m0} ${mode}`;
      expect(times.every((t) => t >= 1)).toBe(true);
      expectWithinStandardErrors(mean(times), law.mean, Math.sqrt(law.variance / CHAINS), `${label} mean τ`);
      expectPValue(ksDiscrete(times, law.cdf).pValue, `${label} KS`);
      const up = isingTheory.polarisedUpProbability(m0);
      const ups = run.outcome.reduce((count, outcome) => count + (outcome === 1 ? 1 : 0), 0);
      expectWithinStandardErrors(ups / CHAINS, up, Math.sqrt((up * (1 - up)) / CHAINS), `${label} P(all up)`);
      expect(Array.from(run.finals['final_m']).every((m, i) => m === run.outcome[i])).toBe(true);
    });
  }
});

describe('ising fits', () => {
  it('resolves --m0 to the θ₁ with that magnetisation, at any θ₂', () => {
    const levels = new IsingLevels(8, 'mean-field');
    for (const theta2 of [0, 0.7, -1.5]) {
      const theta1 = levels.theta1ForMagnetisation(0.3, theta2);
      expect(levels.magnetisationOf(theta1, theta2)).toBeCloseTo(0.3, 12);
    }
  });

  it('learning θ₁ and θ₂, an interior fit matches E[m] and E[m²]', () => {
    const { model: ising } = model({ spins: 6, learn: 'theta1,theta2', theta2: 0.4 });
    const state = ising.initialState();
    const n = 10;
    // Samples at m = 6, 4, 4, 2, 0, 0, −2, 2, 4, 6: interior (three or more levels).
    const ms = [6, 4, 4, 2, 0, 0, -2, 2, 4, 6];
    ising.fit(Float64Array.of(n, ms.reduce((a, b) => a + b, 0), ms.reduce((a, b) => a + b * b, 0)), state);
    const levels = new IsingLevels(6, 'mean-field');
    const probabilities = state.subarray(4);
    let em = 0;
    let em2 = 0;
    for (let u = 0; u <= 6; u++) {
      em += probabilities[u] * levels.magnetisation[u];
      em2 += probabilities[u] * levels.magnetisation[u] ** 2;
    }
    expect(em).toBeCloseTo(ms.reduce((a, b) => a + b, 0) / n, 10);
    expect(em2).toBeCloseTo(ms.reduce((a, b) => a + b * b, 0) / n, 9);
    expect(ising.isCollapsed(state)).toBe(false);
    expect(ising.isFrozen(state)).toBe(false);
  });

  it('learning θ₁ only at fixed θ₂ ≠ 0, the fit matches E[m] and keeps θ₂', () => {
    const { model: ising } = model({ spins: 5, theta2: -0.8 });
    const state = ising.initialState();
    ising.fit(Float64Array.of(4, 7, 0), state);
    expect(state[1]).toBe(-0.8);
    expect(state[2]).toBeCloseTo(7 / 4 / 5, 11);
  });

  it('lands on the boundary exactly: ±N only, two adjacent levels, one level', () => {
    const { model: ising } = model({ spins: 4, learn: 'theta1,theta2' });
    const state = ising.initialState();
    // Three samples at +4, one at −4: a law on {−4, +4} with P(+4) = ¾, θ₂ = +∞.
    ising.fit(Float64Array.of(4, 8, 64), state);
    expect(Array.from(state.subarray(4))).toEqual([0.25, 0, 0, 0, 0.75]);
    expect(state[1]).toBe(Infinity);
    expect(ising.isCollapsed(state)).toBe(false);
    // Samples at m = 2 and 4 only: a law on those two levels, θ₂ = −∞.
    ising.fit(Float64Array.of(4, 2 + 2 + 4 + 4, 4 + 4 + 16 + 16), state);
    expect(Array.from(state.subarray(4))).toEqual([0, 0, 0, 0.5, 0.5]);
    expect(state[1]).toBe(-Infinity);
    // Every sample at m = 2: a point mass on a non-polarised level, frozen but not collapsed.
    ising.fit(Float64Array.of(3, 6, 12), state);
    expect(Array.from(state.subarray(4))).toEqual([0, 0, 0, 1, 0]);
    expect(ising.isFrozen(state)).toBe(true);
    expect(ising.isCollapsed(state)).toBe(false);
    // Every sample at −4: polarised, outcome −1.
    ising.fit(Float64Array.of(3, -12, 48), state);
    expect(ising.isCollapsed(state)).toBe(true);
    expect(ising.outcome(state)).toBe(-1);
  });

  it('at fixed θ₂ the θ₁-only law (a few exps) is the exp-per-level law to rounding, and hands over where weights span e^700', () => {
    const moments = (): Moments => ({ logNormaliser: NaN, meanM: NaN, meanPair: NaN, varM: NaN, covariance: NaN, varPair: NaN });
    // Spins across the anchor spacing of 4, up to where the binomial alone spans ~e^300;
    // couplings on both scales and signs; θ₁ from 0 to beyond the hand-over (weights spanning
    // e^700), where both must be the same computation.
    for (const [spins, scale, theta2] of [[1, 'mean-field', 0.5], [4, 'mean-field', 0], [7, 'unscaled', -0.3], [20, 'mean-field', 1.5], [64, 'mean-field', -2], [30, 'unscaled', 45], [300, 'mean-field', 3], [500, 'mean-field', -1]] as const) {
      const levels = new IsingLevels(spins, scale);
      const fixed = new FixedCouplingLaw(levels, theta2);
      const exact = new Float64Array(spins + 1);
      const fast = new Float64Array(spins + 1);
      for (const theta1 of [0, 1e-9, -0.37, 0.81, -2.5, 6, 14.9, -40, 400]) {
        const a = levels.distribution(theta1, theta2, exact, moments());
        const b = fixed.distribution(theta1, fast, moments());
        const label = `N=${spins} ${scale} θ₂=${theta2} θ₁=${theta1}`;
        // P(u) = exp(x) carries the rounding of the terms of its exponent x either way: relative
        // error ~ ε × their size (ln C(N, u), θ₂·pair, θ₁·m and the normaliser), which can be far
        // more than |ln P(u)|. And no weight underflows to 0 where the exp-per-level law keeps it.
        let logNormaliser = -Infinity;
        for (let u = 0; u <= spins; u++) logNormaliser = Math.max(logNormaliser, levels.logMultiplicity[u] + theta1 * levels.magnetisation[u] + theta2 * levels.pair[u]);
        for (let u = 0; u <= spins; u++) {
          const terms = Math.abs(levels.logMultiplicity[u]) + Math.abs(theta2 * levels.pair[u]) + Math.abs(theta1 * levels.magnetisation[u]) + Math.abs(logNormaliser);
          const tolerance = 16 * (1 + terms) * Number.EPSILON * exact[u];
          expect(Math.abs(fast[u] - exact[u]), `${label} P(${u})`).toBeLessThanOrEqual(exact[u] === 0 ? Number.MIN_VALUE : tolerance);
          if (exact[u] > 0) expect(fast[u], `${label} P(${u}) > 0`).toBeGreaterThan(0);
        }
        expect(Math.abs(b.meanM - a.meanM), `${label} E[m]`).toBeLessThanOrEqual(64 * Number.EPSILON * spins);
        expect(Math.abs(b.varM - a.varM), `${label} Var m`).toBeLessThanOrEqual(1e-12 * Math.max(a.varM, 1e-300) + 64 * Number.EPSILON * spins * spins * 1e-16);
        expect(Math.abs(b.logNormaliser - a.logNormaliser), `${label} log Z`).toBeLessThanOrEqual(64 * Number.EPSILON * Math.max(1, Math.abs(a.logNormaliser)));
        expect(fast.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 14);
      }
    }
  });

  it('the unscaled coupling is the mean-field one with θ₂ multiplied by N', () => {
    const meanField = new IsingLevels(7, 'mean-field');
    const unscaled = new IsingLevels(7, 'unscaled');
    const a = new Float64Array(8);
    const b = new Float64Array(8);
    meanField.distribution(0.2, 0.9, a);
    unscaled.distribution(0.2, 0.9 / 7, b);
    for (let u = 0; u <= 7; u++) expect(b[u]).toBeCloseTo(a[u], 14);
  });
});

describe('ising samplers', () => {
  it('per-sample spins drawn from their exact conditionals give the exact level law (θ₂ ≠ 0)', () => {
    const { model: ising } = model({ spins: 7, theta2: 1.3, m0: 0.1 });
    const state = ising.initialState();
    const generator = oneLane('ising-conditionals', 0, 1, StreamTag.Synthetic);
    const sample = ising.createSampler(generator, 'model');
    const stats = new Float64Array(3);
    const counts = new Float64Array(8);
    for (let i = 0; i < 100000; i++) {
      generator.assign(0, i);
      generator.open(1, StreamTag.Synthetic);
      sample(column(state), 1, 'per-sample', column(stats));
      counts[(stats[1] + 7) / 2]++;
    }
    expectPValue(chiSquareGoodnessOfFit(counts, state.subarray(4)).pValue, 'level law');
  });

  it('per-sample and sufficient modes agree in law when θ₂ is learned', async () => {
    const base = { family: 'ising', spins: 6, samples: 8, theta2: 0.5, m0: 0.1, learn: 'theta1,theta2', chains: 8000, generations: 5000 };
    const perSample = await simulate({ ...base, mode: 'per-sample', seed: 'ising-modes/a' });
    const sufficient = await simulate({ ...base, mode: 'sufficient', seed: 'ising-modes/b' });
    const censoredLast = (times: Int32Array) => Array.from(times, (t) => (t < 0 ? 1e9 : t));
    expectPValue(ksTwoSample(censoredLast(perSample.collapseTime), censoredLast(sufficient.collapseTime)).pValue, 'collapse time');
    expectPValue(ksTwoSample(censoredLast(perSample.eventTimes[0]), censoredLast(sufficient.eventTimes[0])).pValue, 'frozen time');
    const tally = (run: typeof perSample) => {
      const cells = [0, 0, 0]; // −1, +1, not polarised
      run.outcome.forEach((o) => cells[o === -1 ? 0 : o === 1 ? 1 : 2]++);
      return cells;
    };
    expectPValue(chiSquareHomogeneity(tally(perSample), tally(sufficient)).pValue, 'outcomes');
  });

  it('with an L2 penalty the chain never polarises', async () => {
    const run = await simulate({ family: 'ising', spins: 4, samples: 5, m0: 0.5, l2: 0.5, chains: 200, generations: 300, mode: 'sufficient' });
    expect(run.collapseTime.every((t) => t === -1)).toBe(true);
    expect(run.finals['final_m'].every((m) => Math.abs(m) < 1)).toBe(true);
    expect(run.chainGenerations).toBe(200 * 300);
  });
});
