/**
 * The NumPy peer simulates the same thing we do: otherwise the benchmark compares
 * different work. Its collapse-time law and outcomes are checked against exact theory
 * where there is one (Wright–Fisher for Bernoulli) and against the reference path.
 * Without a Python that has NumPy the tests are skipped — unless
 * COLLAPSE_SIM_REQUIRE_PEERS=numpy (CI), where its absence fails them.
 */
import { describe, expect, it } from 'vitest';
import { findNumpy, runNumpyOnce } from '../../src/bench/processes.js';
import { numpyRequest } from '../../src/bench/peers.js';
import { bernoulliTheory } from '../../src/families/bernoulli.js';
import { chiSquareHomogeneity, ksDiscrete, ksTwoSample } from '../../src/stats/hypothesis.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { expectPValue, expectWithinStandardErrors, simulate } from '../helpers.js';

const numpy = findNumpy();
const required = (process.env['COLLAPSE_SIM_REQUIRE_PEERS'] ?? '').split(',').includes('numpy');
const CHAINS = 6000;

function peerRun(options: Record<string, unknown>): { collapseTime: number[]; outcome: (number | null)[]; chainGenerations: number } {
  const spec = resolveRunSpec({ ...options, chains: CHAINS, out: 'unused.arrow' });
  const peer = numpyRequest(spec);
  if ('refusal' in peer) throw new Error(peer.refusal);
  const reply = runNumpyOnce(numpy.python!, peer.request, CHAINS, 'peer-law');
  return { collapseTime: reply['collapse_time'] as number[], outcome: reply['outcome'] as (number | null)[], chainGenerations: reply['chain_generations'] as number };
}

/** Counts of each outcome value (null = censored), over the union of the values seen. */
function outcomeCounts(a: readonly (number | null)[], b: ArrayLike<number>): [number[], number[]] {
  const key = (value: number | null): string => (value === null || Number.isNaN(value) ? 'none' : String(value));
  const keys = [...new Set([...a.map(key), ...Array.from(b, key)])].sort();
  const count = (values: ArrayLike<number | null>): number[] => keys.map((k) => Array.from(values).filter((v) => key(v) === k).length);
  return [count(a), count(b)];
}

describe.skipIf(!numpy.available && !required)(`the numpy peer (${numpy.available ? numpy.device : numpy.reason})`, () => {
  it('is available' + (required ? ' (required here)' : ''), () => {
    expect(numpy.available, numpy.reason).toBe(true);
  });

  for (const mode of ['per-sample', 'sufficient']) {
    it(`bernoulli, ${mode}: collapse times follow the exact Wright–Fisher law, outcomes P(1) = p₀`, () => {
      const samples = 20;
      const p0 = 0.3;
      const horizon = 2000;
      const run = peerRun({ family: 'bernoulli', samples, p0, mode, generations: horizon });
      const law = bernoulliTheory.absorptionTime(samples, p0, horizon);
      expect(run.collapseTime.every((t) => t >= 1)).toBe(true);
      expectPValue(ksDiscrete(run.collapseTime, law.cdf).pValue, 'KS against Wright–Fisher');
      const ones = run.outcome.filter((v) => v === 1).length;
      expect(run.outcome.every((v) => v === 0 || v === 1)).toBe(true);
      expectWithinStandardErrors(ones / CHAINS, p0, Math.sqrt((p0 * (1 - p0)) / CHAINS), 'P(outcome 1)');
      expect(run.chainGenerations).toBe(run.collapseTime.reduce((a, b) => a + b, 0));
    });
  }

  const againstReference: [string, Record<string, unknown>][] = [
    ['categorical, zipf:1, K = 4', { family: 'categorical', categories: 4, init: 'zipf:1', samples: 10 }],
    ['gaussian, mle', { family: 'gaussian', samples: 8, 'collapse-threshold': 0.05 }],
    ['gaussian, unbiased, censored at T', { family: 'gaussian', samples: 8, estimator: 'unbiased', 'collapse-threshold': 0.05, generations: 40 }],
  ];
  for (const [label, options] of againstReference) {
    for (const mode of ['per-sample', 'sufficient']) {
      it(`${label}, ${mode}: same collapse-time law and outcomes as the reference path`, async () => {
        const peer = peerRun({ ...options, mode });
        const ours = await simulate({ ...options, mode, chains: CHAINS, seed: 'peer-law' });
        // Censored chains (−1) sort below every time in both samples alike.
        expectPValue(ksTwoSample(peer.collapseTime, ours.collapseTime).pValue, 'KS collapse times, numpy vs reference');
        const [a, b] = outcomeCounts(peer.outcome, ours.outcome);
        if (a.length > 1) expectPValue(chiSquareHomogeneity(a, b).pValue, 'χ² outcomes, numpy vs reference');
      });
    }
  }

  it('refuses what it does not implement, with the reason', () => {
    const refusal = (options: Record<string, unknown>): string | null => {
      const peer = numpyRequest(resolveRunSpec({ ...options, out: 'unused.arrow' }));
      return 'refusal' in peer ? peer.refusal : null;
    };
    expect(refusal({ family: 'poisson' })).toMatch(/implements bernoulli, categorical, gaussian, not poisson/);
    expect(refusal({ family: 'bernoulli', 'ground-truth': 2 })).toMatch(/plain loop only \(no --ground-truth\)/);
    expect(refusal({ family: 'categorical', 'top-k': 3, categories: 5 })).toMatch(/--top-k/);
    expect(refusal({ family: 'bernoulli' })).toBeNull();
  });
});
