/**
 * The d-dimensional Gaussian against exact theory: E[Σ_t] = ((M−1)/M)^t Σ₀ entry by entry (MLE)
 * or Σ₀ (unbiased); μ_t a martingale with its exact variance; Bartlett's law of the one-step
 * ln det ratio (KS against draws of Π χ²_{M−i}/M^d from an independent generator, and its exact
 * mean and variance by digamma and trigamma sums); the collapse time of the det criterion as the
 * first passage of that i.i.d. random walk; the exact first and second moments under a prior and
 * ground truth; d = 1 as the one-dimensional family; the simd engine bit for bit; option errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFamilyModel } from '../../src/engine/reference.js';
import { SimdEngine } from '../../src/engine/simd/engine.js';
import { mvGaussianFamily, mvGaussianTheory, poolScatter, stateLayout, statsSizeOf } from '../../src/families/mvgaussian/index.js';
import { packedIndex, packedSize } from '../../src/math/symmetric.js';
import { gamma } from '../../src/rng/distributions/gamma.js';
import { column } from '../../src/rng/lanes.js';
import { openStream, StreamTag } from '../../src/rng/streams.js';
import { chiSquareHomogeneity, ksTwoSample } from '../../src/stats/hypothesis.js';
import { expectSimdBitExact } from '../engine/simd-verify.js';
import { resolveRunSpec, type RunSpec } from '../../src/spec/run-spec.js';
import { cliIn, expectOneLineUsageError, expectPValue, expectWithinStandardErrors, mean, oneLane, simulate, temporaryDirectory, variance, varianceStandardError } from '../helpers.js';

/** A full 3×3 covariance with correlations, as --cov0 takes it, and packed. */
const COV3 = '2,0.6,-0.3;0.6,1,0.2;-0.3,0.2,0.5';
const COV3_ROWS = [
  [2, 0.6, -0.3],
  [0.6, 1, 0.2],
  [-0.3, 0.2, 0.5],
];
const LOG_DET_COV3 = Math.log(2 * (1 * 0.5 - 0.2 * 0.2) - 0.6 * (0.6 * 0.5 - 0.2 * -0.3) + -0.3 * (0.6 * 0.2 - 1 * -0.3));

/** Independent draws of one Bartlett step of ln det: Σ_{i=1..d} ln χ²_{M−i} − d ln c, from xor4096. */
function bartlettSteps(count: number, samples: number, dim: number, divisor: number, seed: string): Float64Array {
  const stream = openStream({ kind: 'seedrandom', seed });
  stream.reset(0, 0, StreamTag.Synthetic);
  const draw = gamma(stream);
  return Float64Array.from({ length: count }, () => {
    let sum = 0;
    for (let i = 1; i <= dim; i++) sum += Math.log(2 * draw((samples - i) / 2));
    return sum - dim * Math.log(divisor);
  });
}

/**
 * Runs chains through the family's own sampler and fit, one lane of the reference generator each
 * (the replace regime's loop), and returns every chain's final state.
 */
function finalStates(options: Record<string, unknown>, chains: number): Float64Array[] {
  const spec = resolveRunSpec({ out: 'unused.arrow', chains, ...options });
  const model = createFamilyModel(spec);
  return Array.from({ length: chains }, (_, chain) => {
    const generator = oneLane(spec.seed, chain, 1, StreamTag.Synthetic);
    const sample = model.createSampler(generator, 'model');
    const state = model.initialState();
    const stats = new Float64Array(model.statsSize);
    for (let t = 1; t <= spec.generations; t++) {
      generator.open(t, StreamTag.Synthetic);
      sample(column(state), spec.samples, spec.mode, column(stats));
      model.fit(stats, state);
    }
    return state;
  });
}

describe('mvgaussian against its exact laws', () => {
  for (const mode of ['per-sample', 'sufficient'] as const) {
    for (const estimator of ['mle', 'unbiased'] as const) {
      it(`${mode}, ${estimator}: E[Σ_t] entry by entry, E and Var of ln det Σ_t, and the martingale μ_t`, async () => {
        const samples = 8;
        const generations = 5;
        const chains = 12000;
        const options = { family: 'mvgaussian', samples, generations, mu0: '1,-2,0.5', cov0: COV3, estimator, mode, 'collapse-threshold': 1e-300, seed: `mvg/${mode}/${estimator}` };
        const label = `${mode} ${estimator}`;
        const states = finalStates(options, chains);
        const layout = stateLayout(3);
        const ratio = mvGaussianTheory.expectedCovarianceRatio(samples, estimator, generations);
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j <= i; j++) {
            const entries = states.map((state) => state[layout.cov + packedIndex(i, j)]);
            expectWithinStandardErrors(mean(entries), ratio * COV3_ROWS[i][j], Math.sqrt(variance(entries) / chains), `${label} E[Σ_${i}${j}]`);
          }
        }
        // The engine's run is this loop: its finals are these states' (the first chains, exactly).
        const run = await simulate({ ...options, chains: 50 });
        for (let chain = 0; chain < 50; chain++) {
          expect(run.finals['final_log_det'][chain]).toBe(states[chain][layout.logDet]);
          expect(run.finals['final_mu_2'][chain]).toBe(states[chain][layout.mu + 1]);
        }

        const divisor = estimator === 'mle' ? samples : samples - 1;
        const logRatio = states.map((state) => state[layout.logDet] - LOG_DET_COV3);
        const drift = mvGaussianTheory.logDetDrift(samples, 3, estimator);
        const stepVariance = mvGaussianTheory.logDetStepVariance(samples, 3);
        expect(drift).toBeLessThan(0);
        expect(divisor).toBeGreaterThan(0);
        expectWithinStandardErrors(mean(logRatio), generations * drift, Math.sqrt((generations * stepVariance) / chains), `${label} E[ln det]`);
        expectWithinStandardErrors(variance(logRatio), generations * stepVariance, varianceStandardError(logRatio), `${label} Var[ln det]`);

        // μ_t is a martingale: E μ_T = μ₀, Var μ_T,j = Σ_{s<T} E[Σ_s]_jj / M.
        const mu0 = [1, -2, 0.5];
        for (let j = 0; j < 3; j++) {
          let varianceOfMean = 0;
          for (let s = 0; s < generations; s++) varianceOfMean += (COV3_ROWS[j][j] * mvGaussianTheory.expectedCovarianceRatio(samples, estimator, s)) / samples;
          const component = states.map((state) => state[layout.mu + j]);
          expectWithinStandardErrors(mean(component), mu0[j], Math.sqrt(varianceOfMean / chains), `${label} E[μ_${j}]`);
          expectWithinStandardErrors(variance(component), varianceOfMean, varianceStandardError(component), `${label} Var[μ_${j}]`);
        }
      });
    }
  }

  for (const mode of ['per-sample', 'sufficient'] as const) {
    it(`${mode}: one step of ln det follows Bartlett's law (KS against independent χ² draws)`, async () => {
      const samples = 7;
      const dim = 4;
      const chains = 20000;
      const run = await simulate({ family: 'mvgaussian', dim, samples, generations: 1, cov0: 'diag:3,1,0.2,0.7', mode, 'collapse-threshold': 1e-300, chains, seed: `bartlett/${mode}` });
      const logDet0 = Math.log(3 * 1 * 0.2 * 0.7);
      const steps = Float64Array.from(run.finals['final_log_det'], (value) => value - logDet0);
      const reference = bartlettSteps(chains, samples, dim, samples, `bartlett-reference/${mode}`);
      expectPValue(ksTwoSample(steps, reference).pValue, `${mode} Bartlett KS`);
      const drift = mvGaussianTheory.logDetDrift(samples, dim, 'mle');
      const stepVariance = mvGaussianTheory.logDetStepVariance(samples, dim);
      expectWithinStandardErrors(mean(steps), drift, Math.sqrt(stepVariance / chains), `${mode} E[Δ ln det]`);
      expectWithinStandardErrors(variance(steps), stepVariance, varianceStandardError(steps), `${mode} Var[Δ ln det]`);
      // The reference itself has the exact moments (so the KS compares against the right law).
      expectWithinStandardErrors(mean(reference), drift, Math.sqrt(stepVariance / chains), 'reference E');
      // ... and the KS test can tell a wrong law: the unbiased estimator's step is shifted by d ln(M/(M−1)).
      const shifted = bartlettSteps(chains, samples, dim, samples - 1, 'bartlett-shifted');
      expect(ksTwoSample(steps, shifted).pValue).toBeLessThan(1e-6);
    });
  }

  it('the det criterion collapses at the first passage of the Bartlett random walk below ln ε', async () => {
    const samples = 6;
    const dim = 3;
    const epsilon = 1e-3;
    const chains = 8000;
    const run = await simulate({ family: 'mvgaussian', dim, samples, cov0: '2', mode: 'sufficient', 'collapse-threshold': epsilon, chains, seed: 'first-passage' });
    expect(run.collapseTime.every((t) => t > 0)).toBe(true);
    // The walk's own draws: steps until the sum is at most ln ε.
    const steps = bartlettSteps(chains * 40, samples, dim, samples, 'first-passage-reference');
    const reference: number[] = [];
    let at = 0;
    for (let chain = 0; chain < chains; chain++) {
      let sum = 0;
      let t = 0;
      while (sum > Math.log(epsilon)) {
        sum += steps[at++];
        t++;
      }
      reference.push(t);
    }
    const horizon = Math.max(...reference, ...run.collapseTime) + 1;
    const histogram = (times: ArrayLike<number>): Float64Array => {
      const counts = new Float64Array(horizon);
      for (let i = 0; i < times.length; i++) counts[times[i]]++;
      return counts;
    };
    expectPValue(chiSquareHomogeneity(histogram(run.collapseTime), histogram(reference)).pValue, 'collapse time law');
    // The det event is the collapse; the eigenvalue event is recorded where it came first.
    const detEvent = run.eventTimes[0];
    const eigenEvent = run.eventTimes[1];
    for (let chain = 0; chain < chains; chain++) {
      expect(detEvent[chain]).toBe(run.collapseTime[chain]);
      expect(eigenEvent[chain] === -1 || eigenEvent[chain] <= run.collapseTime[chain]).toBe(true);
    }
    expect(run.chainGenerations).toBe(run.collapseTime.reduce((a, b) => a + b, 0));
  });

  it('--collapse-on min-eig collapses when the smallest eigenvalue falls to ε λ_min(Σ₀), and stops there', async () => {
    const epsilon = 0.05;
    const run = await simulate({ family: 'mvgaussian', samples: 5, cov0: COV3, 'collapse-on': 'min-eig', 'collapse-threshold': epsilon, chains: 500, mode: 'sufficient', seed: 'min-eig' });
    // λ_min(COV3), by bisection on det(Σ − λI) over [0, min diagonal].
    const det = (l: number): number => {
      const [a, b, c] = [COV3_ROWS[0][0] - l, COV3_ROWS[1][1] - l, COV3_ROWS[2][2] - l];
      const [x, y, z] = [COV3_ROWS[0][1], COV3_ROWS[0][2], COV3_ROWS[1][2]];
      return a * (b * c - z * z) - x * (x * c - z * y) + y * (x * z - b * y);
    };
    let low = 0;
    let high = 0.5;
    for (let i = 0; i < 200; i++) {
      const middle = (low + high) / 2;
      if (det(middle) > 0) low = middle;
      else high = middle;
    }
    const floor = epsilon * low;
    expect(run.collapseTime.every((t) => t > 0)).toBe(true);
    for (let chain = 0; chain < 500; chain++) {
      expect(run.finals['final_min_eig'][chain]).toBeLessThanOrEqual(floor * (1 + 1e-9));
      expect(run.eventTimes[1][chain]).toBe(run.collapseTime[chain]);
    }
  });

  it('with a prior and ground-truth points, E tr Σ_t and E|μ_t − μ*|² follow their exact linear recursion', async () => {
    // Pooled data: M model points, K truth points, a pseudo-points with (μ*, aΣ*); fit ÷ (M + K + a).
    const samples = 6;
    const truthPoints = 2;
    const prior = 3;
    const generations = 8;
    const chains = 12000;
    const run = await simulate({
      family: 'mvgaussian', samples, 'ground-truth': truthPoints, prior, generations, mu0: '1,0,-1', cov0: COV3, 'truth-mu': 0, 'truth-cov': 'diag:1,2,0.5',
      mode: 'sufficient', chains, seed: 'map-recursion',
    });
    const [M, K, a] = [samples, truthPoints, prior];
    const n = M + K + a;
    const truthTrace = 3.5;
    let traceA = 2 + 1 + 0.5; // tr E[Σ_t]
    let traceV = 1 + 0 + 1; // E|μ_t − μ*|²
    for (let t = 0; t < generations; t++) {
      // E|x̄_MK − μ*|² and the pooled scatter's expectation (Chan's update, term by term).
      const pooledMean = (M * traceA + M * M * traceV + K * truthTrace) / ((M + K) * (M + K));
      const scatter = (M - 1) * traceA + (K - 1) * truthTrace + ((M * K) / (M + K)) * (traceA / M + traceV + truthTrace / K) + a * truthTrace + (((M + K) * a) / n) * pooledMean;
      traceV = (M * traceA + M * M * traceV + K * truthTrace) / (n * n);
      traceA = scatter / n;
    }
    const finalTrace = run.finals['final_trace'];
    expectWithinStandardErrors(mean(finalTrace), traceA, Math.sqrt(variance(finalTrace) / chains), 'E tr Σ_T');
    const distance = Array.from({ length: chains }, (_, chain) => run.finals['final_mu_1'][chain] ** 2 + run.finals['final_mu_2'][chain] ** 2 + run.finals['final_mu_3'][chain] ** 2);
    expectWithinStandardErrors(mean(distance), traceV, Math.sqrt(variance(distance) / chains), 'E|μ_T − μ*|²');
    expect(run.collapseTime.every((t) => t === -1)).toBe(true);
  });

  it('d = 1 is the one-dimensional gaussian family chain by chain', async () => {
    const common = { samples: 5, mu0: 0.7, generations: 30, chains: 300, 'collapse-threshold': 0.01 };
    for (const mode of ['per-sample', 'sufficient'] as const) {
      const one = await simulate({ family: 'gaussian', var0: 2, mode, seed: `d1/${mode}`, ...common });
      const many = await simulate({ family: 'mvgaussian', dim: 1, cov0: 2, mode, seed: `d1/${mode}`, ...common });
      expect(Array.from(many.collapseTime)).toEqual(Array.from(one.collapseTime));
      for (let chain = 0; chain < 300; chain++) {
        // Per-sample draws and arithmetic are the same; the sufficient scatter is (√v·√(2g))² against v·2g.
        const tolerance = mode === 'per-sample' ? 0 : 1e-12;
        expect(Math.abs(many.finals['final_mu_1'][chain] - one.finals['final_mu'][chain])).toBeLessThanOrEqual(tolerance * Math.abs(one.finals['final_mu'][chain]));
        expect(Math.abs(many.finals['final_eig_1'][chain] - one.finals['final_var'][chain])).toBeLessThanOrEqual(tolerance * one.finals['final_var'][chain]);
      }
    }
  });

  it('fewer points than dimensions: the fit is singular at once (rank M − 1, ln det −∞) and counted collapsed', async () => {
    for (const mode of ['per-sample', 'sufficient'] as const) {
      const run = await simulate({ family: 'mvgaussian', dim: 5, samples: 3, chains: 200, mode, seed: `singular/${mode}` });
      expect(run.collapseTime.every((t) => t === 1)).toBe(true);
      expect(run.finals['final_rank'].every((r) => r === 2)).toBe(true);
      expect(run.finals['final_log_det'].every((v) => v === -Infinity)).toBe(true);
    }
    // With ground truth the chain goes on, drawing from its singular fit.
    const mitigated = await simulate({ family: 'mvgaussian', dim: 4, samples: 2, 'ground-truth': 1, generations: 20, chains: 100, mode: 'sufficient', seed: 'singular/mitigated' });
    expect(mitigated.finals['final_rank'].every((r) => r === 2)).toBe(true);
    expect(mitigated.finals['final_trace'].every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });
});

describe('mvgaussian pooling', () => {
  it("Chan's update is one pass over the data", () => {
    const points = [
      [1e6 + 0.1, 3, -1],
      [1e6 + 0.3, 2.5, 0],
      [1e6 - 0.2, 3.3, 1],
      [1e6 + 0.05, 2.9, 0.4],
      [1e6, 3.1, -0.6],
    ];
    const statsOf = (xs: number[][]): Float64Array => {
      const out = new Float64Array(statsSizeOf(3));
      out[0] = xs.length;
      for (let r = 0; r < 3; r++) out[1 + r] = mean(xs.map((x) => x[r]));
      for (let r = 0; r < 3; r++) for (let c = 0; c <= r; c++) out[4 + packedIndex(r, c)] = xs.reduce((s, x) => s + (x[r] - out[1 + r]) * (x[c] - out[1 + c]), 0);
      return out;
    };
    const pooled = statsOf(points.slice(0, 2));
    poolScatter(3, pooled, statsOf(points.slice(2)));
    const whole = statsOf(points);
    expect(pooled[0]).toBe(5);
    for (let i = 1; i < whole.length; i++) expect(pooled[i]).toBeCloseTo(whole[i], 8);
    expect(packedSize(3) + 4).toBe(whole.length);
  });
});

describe('mvgaussian on the simd engine', () => {
  let engine: SimdEngine;
  beforeAll(async () => {
    engine = await SimdEngine.open();
  });
  afterAll(() => engine.close());

  const CONFIGURATIONS: [string, Record<string, unknown>][] = [
    ['per-sample', { dim: 3, samples: 7, cov0: COV3, 'collapse-threshold': 1e-3 }],
    ['sufficient, min-eig', { dim: 4, samples: 9, mode: 'sufficient', 'collapse-on': 'min-eig', 'collapse-threshold': 0.01 }],
    ['sufficient, unbiased, prior and ground truth', { dim: 3, samples: 6, mode: 'sufficient', estimator: 'unbiased', prior: 2, 'ground-truth': 2, 'truth-mu': 1, generations: 40 }],
    ['per-sample, ground truth, window', { dim: 2, samples: 4, 'ground-truth': 1, regime: 'window:3', generations: 40 }],
    ['sufficient, accumulate', { dim: 5, samples: 8, mode: 'sufficient', regime: 'accumulate', 'collapse-threshold': 0.1, generations: 60 }],
    ['sufficient, fewer points than dimensions', { dim: 6, samples: 3, mode: 'sufficient', 'ground-truth': 2, generations: 10 }],
  ];
  for (const [label, options] of CONFIGURATIONS) {
    it(`${label}: the reference path chain by chain (verify)`, async () => {
      const spec = resolveRunSpec({ family: 'mvgaussian', chains: 200, seed: 'mvg-simd', out: 'unused.arrow', backend: 'reference', ...options });
      await expectSimdBitExact(engine, spec);
    });
  }
});

describe('mvgaussian options and files', () => {
  let directory: string;
  let cleanup: () => void;
  let cli: ReturnType<typeof cliIn>;
  beforeAll(() => {
    [directory, cleanup] = temporaryDirectory();
    cli = cliIn(directory);
  });
  afterAll(() => cleanup());

  it('resolves vectors, broadcasts and matrix forms, inferring d', () => {
    const loop = { samples: 10, groundTruth: 0, prior: 0, l2: 0 };
    const params = mvGaussianFamily.resolve({ mu0: '1,2,3', cov0: 'diag:2' }, loop);
    expect(params.dim).toBe(3);
    expect(params.cov0).toEqual([2, 0, 2, 0, 0, 2]);
    expect(mvGaussianFamily.resolve({ cov0: COV3 }, loop).mu0).toEqual([0, 0, 0]);
    expect(mvGaussianFamily.resolve({ dim: 4, mu0: 0.5 }, loop).mu0).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(mvGaussianFamily.resolve({}, loop).dim).toBe(2);
    expect(mvGaussianFamily.resolve({ cov0: [[1, 0.5], [0.5, 1]] }, loop).cov0).toEqual([1, 0.5, 1]);
    expect(mvGaussianFamily.resolve({ dim: 2, 'truth-cov': '3' }, loop).truthCov).toEqual([3, 0, 3]);
  });

  it.each([
    [['--dim', '0'], /--dim must be an integer in \[1, 32\]/],
    [['--dim', '33'], /--dim must be an integer in \[1, 32\]/],
    [['--mu0', '1,2,3', '--dim', '2'], /--mu0 has 3 entries: it needs 1 \(broadcast\) or d = 2 \(from --dim\)/],
    [['--mu0', '1,x'], /--mu0 must be a comma-separated list of/],
    [['--cov0', '1,2;2,1'], /--cov0 must be positive definite/],
    [['--cov0', '1,0.5;0.4,1'], /--cov0 must be symmetric/],
    [['--cov0', '1,0;0,1;0,0'], /--cov0 must be a 3×3 matrix|--cov0 must be a 2×2 matrix/],
    [['--cov0', 'diag:1,-1'], /--cov0 must be identity, a variance s > 0/],
    [['--cov0', 'banana'], /--cov0 must be identity, a variance s > 0/],
    [['--mu0', '1,2', '--cov0', 'diag:1,2,3'], /--cov0 has 3 diagonal entries: it needs 1 or d = 2 \(from --mu0\)/],
    [['--truth-cov', '0'], /--truth-cov must be identity, a variance s > 0/],
    [['--collapse-on', 'trace'], /--collapse-on must be one of det, min-eig/],
    [['--collapse-threshold', '0'], /--collapse-threshold must be a number in \(0, 1\)/],
    [['--estimator', 'unbiased', '--samples', '1'], /--estimator unbiased needs at least 2 points/],
    [['--l2', '0.5'], /--l2 is not offered for --family mvgaussian/],
    [['--var0', '2'], /--var0 belongs to --family gaussian, not mvgaussian/],
    [['--backend', 'webgpu'], /--family mvgaussian has no GPU route/],
  ])('%j is a one-line error, exit 2, no file', (args, message) => {
    const result = cli(['run', '--family', 'mvgaussian', '--chains', '20', '--out', 'bad.arrow', ...args]);
    expectOneLineUsageError(result, message);
    expect(() => readFileSync(join(directory, 'bad.arrow'))).toThrow();
  });

  it('writes finals and trajectories a data-frame user can read, and summarize explains the missing theory', () => {
    const run = cli(['run', '--family', 'mvgaussian', '--dim', '3', '--samples', '8', '--chains', '40', '--mode', 'sufficient', '--out', 'mvg.arrow', '--trajectories', 'every:2,chains:2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const table = tableFromIPC(readFileSync(join(directory, 'mvg.arrow')));
    const names = table.schema.fields.map((field) => field.name);
    for (const name of ['det_collapse_time', 'min_eig_collapse_time', 'final_log_det', 'final_min_eig', 'final_max_eig', 'final_rank', 'final_trace', 'final_mu_1', 'final_mu_3', 'final_eig_1', 'final_eig_3']) expect(names).toContain(name);
    expect(String(table.schema.fields.find((field) => field.name === 'final_rank')!.type)).toBe('Int32');
    const first = table.get(0)!.toJSON() as Record<string, number>;
    expect(first['final_eig_1']).toBe(first['final_min_eig']);
    expect(first['final_eig_3']).toBe(first['final_max_eig']);
    expect(first['final_eig_1'] + first['final_eig_2'] + first['final_eig_3']).toBeCloseTo(first['final_trace'], 10);
    expect(first['final_rank']).toBe(3);
    const trajectories = tableFromIPC(readFileSync(join(directory, 'mvg.trajectories.arrow')));
    const trajectoryNames = trajectories.schema.fields.map((field) => field.name);
    for (const name of ['log_det', 'min_eig', 'max_eig', 'rank', 'trace', 'mu_1', 'eig_3']) expect(trajectoryNames).toContain(name);
    const start = trajectories.get(0)!.toJSON() as Record<string, number>;
    expect(start['log_det']).toBe(0);
    expect(start['eig_1']).toBe(1);

    const summary = cli(['summarize', 'mvg.arrow', '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toContain('no exact collapse-time law for mvgaussian');
  });
});
