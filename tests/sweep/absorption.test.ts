/**
 * Absorbed apart from touched, against exact theory. The Bernoulli loop with K truth points of
 * truth p* is a Markov chain on j = points of 1 among M + K: j' = Binomial(M, j/(M+K)) +
 * Binomial(K, p*) (generation 1 drawn from p0). Its law at every t, from the (M+K+1)-state transition matrix, gives
 * P(first collapse by T) (j ∈ {0, M+K} made absorbing), the expected generations spent
 * collapsed (Σ_t P(j_t ∈ {0, M+K}) without absorption), and P(absorbed by T): with p* ∈ (0, 1)
 * no state is absorbing (0 exactly); with p* = 0 only j = 0 is, and j = M+K is never reached.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runSimulation } from '../../src/run.js';
import { createFamilyModel, resolveRunSpec } from '../../src/spec/run-spec.js';
import { absorptionFromFirstCollapse } from '../../src/engine/batch.js';
import { backendRefusal } from '../../src/engine/backends.js';
import { wrightFisherAbsorption } from '../../src/stats/wright-fisher.js';
import { expectWithinStandardErrors } from '../helpers.js';

const directory = mkdtempSync(join(tmpdir(), 'absorption-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function binomialPmf(n: number, p: number): number[] {
  const pmf = new Array<number>(n + 1).fill(0);
  if (p <= 0) pmf[0] = 1;
  else if (p >= 1) pmf[n] = 1;
  else {
    let logC = 0;
    for (let k = 0; k <= n; k++) {
      if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
      pmf[k] = Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
    }
  }
  return pmf;
}

/** The exact first-collapse probability by T, expected generations collapsed and P(j = 0 by T, absorbing) of the loop. */
function exactLoop(M: number, K: number, p0: number, truthP: number, T: number): { touchedBy: number; collapsedGenerations: number; zeroBy: number } {
  const N = M + K;
  const truth = binomialPmf(K, truthP);
  const transition = Array.from({ length: N + 1 }, (_, j) => {
    const model = binomialPmf(M, j / N);
    const row = new Array<number>(N + 1).fill(0);
    model.forEach((a, k) => truth.forEach((b, l) => (row[k + l] += a * b)));
    return row;
  });
  const step = (law: number[], stop: (j: number) => boolean): number[] => {
    const next = new Array<number>(N + 1).fill(0);
    law.forEach((mass, j) => {
      if (stop(j)) next[j] += mass;
      else transition[j].forEach((q, i) => (next[i] += mass * q));
    });
    return next;
  };
  // Generation 0 is p0 (anywhere in (0, 1): not collapsed); generation 1 is drawn from it.
  const first = new Array<number>(N + 1).fill(0);
  binomialPmf(M, p0).forEach((a, k) => truth.forEach((b, l) => (first[k + l] += a * b)));
  const collapsed = (j: number) => j === 0 || j === N;
  let touched = first;
  let free = first;
  let zero = first;
  let collapsedGenerations = free[0] + free[N];
  for (let t = 2; t <= T; t++) {
    touched = step(touched, collapsed);
    free = step(free, () => false);
    zero = step(zero, (j) => j === 0);
    collapsedGenerations += free[0] + free[N];
  }
  return { touchedBy: touched[0] + touched[N], collapsedGenerations, zeroBy: zero[0] };
}

async function run(flags: Record<string, unknown>) {
  const spec = resolveRunSpec({ family: 'bernoulli', chains: 6000, generations: 50, backend: 'reference', out: join(directory, `${Object.values(flags).join('-')}.arrow`), ...flags });
  return (await runSimulation(spec)).summary;
}

const se = (p: number, n: number) => Math.sqrt(Math.max(p * (1 - p), 1 / n) / n);

describe('absorbed vs touched (Bernoulli M = 20, p0 = ½, T = 50)', () => {
  it('without truth points, absorbed = touched = the Wright–Fisher absorption law (0.892)', async () => {
    const summary = await run({ samples: 20, seed: 'k0' });
    const exact = wrightFisherAbsorption(20, 0.5, 50).cdfAt(50);
    expect(exact).toBeCloseTo(0.8922, 3);
    expect(summary.absorbed.count).toBe(summary.collapsed);
    expectWithinStandardErrors(summary.absorbed.count / summary.chains, exact, se(exact, summary.chains), 'P(absorbed by 50), K = 0');
    // An absorbed chain stays collapsed from its absorption to T.
    const law = exactLoop(20, 0, 0.5, 0.5, 50);
    expect(law.touchedBy).toBeCloseTo(exact, 12);
  });

  it('with K = 1 truth point at p* = ½: never absorbed, touched as the exact first passage (0.54), time collapsed as exact', async () => {
    const p0 = 0.5;
    const summary = await run({ samples: 20, 'ground-truth': 1, seed: 'k1' });
    const law = exactLoop(20, 1, p0, 0.5, 50);
    expect(summary.absorbed.count).toBe(0);
    expectWithinStandardErrors(summary.collapsed / summary.chains, law.touchedBy, se(law.touchedBy, summary.chains), 'P(touched by 50), K = 1');
    expect(law.touchedBy).toBeGreaterThan(0.45);
    expect(law.touchedBy).toBeLessThan(0.6);
    // Time collapsed: a count in 0..51 per chain; its s.e. from the sample's own spread is bounded by 51/(2√n).
    expectWithinStandardErrors(summary.meanCollapsedGenerations()!, law.collapsedGenerations, 51 / (2 * Math.sqrt(summary.chains)), 'E[generations collapsed], K = 1');
  });

  it('with K = 1 truth point at p* = 0: p = 0 absorbs (and p = 1 is never reached), as the exact first passage to 0', async () => {
    const p0 = 0.5;
    const summary = await run({ samples: 20, 'ground-truth': 1, 'truth-p': 0, seed: 'k1-zero' });
    const law = exactLoop(20, 1, p0, 0, 50);
    expect(summary.absorbed.count).toBe(summary.collapsed);
    expect(summary.outcomes()['1']).toBeUndefined();
    expectWithinStandardErrors(summary.absorbed.count / summary.chains, law.zeroBy, se(law.zeroBy, summary.chains), 'P(absorbed by 50), K = 1, p* = 0');
  });
});

describe('absorption on engines that see only the first collapse (the GPU kernels)', () => {
  const times = Int32Array.of(-1, 0, 7, 50);

  it('derives it exactly where every collapse absorbs, and says "not counted" where none does', () => {
    expect(absorptionFromFirstCollapse('at-collapse', times, 50)).toEqual({ absorbedTime: times, collapsedGenerations: Int32Array.of(0, 51, 44, 1) });
    expect(absorptionFromFirstCollapse('never', times, 50)).toEqual({ absorbedTime: Int32Array.of(-1, -1, -1, -1), collapsedGenerations: Int32Array.of(-1, -1, -1, -1) });
    expect(() => absorptionFromFirstCollapse('per-state', times, 50)).toThrow(/cannot be told from the first collapse/);
  });

  it('the GPU routes refuse state-dependent absorption (auto then runs it on a CPU path)', async () => {
    const spec = (flags: Record<string, unknown>) => resolveRunSpec({ family: 'bernoulli', samples: 20, generations: 50, 'ground-truth': 1, ...flags });
    expect(createFamilyModel(spec({ 'truth-p': 0 })).absorption).toBe('per-state');
    expect(createFamilyModel(spec({})).absorption).toBe('never');
    expect(createFamilyModel(spec({ 'ground-truth': 0 })).absorption).toBe('at-collapse');
    expect(createFamilyModel(spec({ 'truth-p': 0, l2: 0.5 })).absorption).toBe('never');
    expect(await backendRefusal(spec({ 'truth-p': 0 }), 'cpu')).toMatch(/a degenerate ground truth .* runs on --backend simd or reference/);
    expect(await backendRefusal(spec({}), 'cpu')).toBeNull();
  });
});
