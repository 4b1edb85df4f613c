import { describe, expect, it } from 'vitest';
import { categoricalFamily, categoricalTheory, parseInitialLaw, softmaxWithL2 } from '../../src/families/categorical/index.js';
import type { LoopConfig } from '../../src/families/family.js';
import { column } from '../../src/rng/lanes.js';
import { StreamTag } from '../../src/rng/streams.js';
import { chiSquareGoodnessOfFit } from '../../src/stats/hypothesis.js';
import { expectPValue, oneLane, simulate } from '../helpers.js';

const LOOP: LoopConfig = { samples: 10, groundTruth: 0, prior: 0, l2: 0 };

describe('categorical: the last survivor is category j with probability π_{j,0}', () => {
  for (const mode of ['per-sample', 'sufficient']) {
    it(`${mode}`, async () => {
      const init = [0.1, 0.2, 0.3, 0.4];
      const run = await simulate({ family: 'categorical', init: init.join(','), samples: 8, chains: 20000, generations: 100000, mode, seed: `categorical/${mode}` });
      expect(run.collapseTime.every((t) => t > 0)).toBe(true);
      const counts = new Float64Array(4);
      run.outcome.forEach((o) => counts[o]++);
      expectPValue(chiSquareGoodnessOfFit(counts, categoricalTheory.survivorProbabilities(init)).pValue, mode);
      // Tails go first: the first extinction never comes after the collapse.
      const firstExtinction = run.eventTimes[0];
      expect(firstExtinction.every((t, i) => t >= 1 && t <= run.collapseTime[i])).toBe(true);
      expect(run.finals['survivors'].every((s) => s === 1)).toBe(true);
      expect(run.finals['final_entropy'].every((h) => h === 0)).toBe(true);
    });
  }

  it('top-k makes every category outside the top k extinct at generation 1', async () => {
    const run = await simulate({ family: 'categorical', categories: 20, init: 'zipf:1.1', 'top-k': 5, samples: 50, chains: 200, generations: 1000 });
    expect(run.eventTimes[0].every((t) => t === 1)).toBe(true);
  });
});

describe('the decoder reshapes the model’s sampler only', () => {
  const draw = (raw: Record<string, unknown>, role: 'model' | 'truth') => {
    const model = categoricalFamily.create(categoricalFamily.resolve(raw, LOOP), LOOP);
    const generator = oneLane('decoder', 0, 1, StreamTag.Synthetic);
    const stats = new Float64Array(model.statsSize);
    model.createSampler(generator, role)(column(model.initialState()), 200000, 'per-sample', column(stats));
    return stats.subarray(1);
  };
  const init = '0.05,0.1,0.15,0.3,0.4';

  it('temperature: q ∝ π^{1/T}', () => {
    const p = [0.05, 0.1, 0.15, 0.3, 0.4].map((x) => Math.pow(x, 1 / 0.5));
    const total = p.reduce((a, b) => a + b, 0);
    expectPValue(chiSquareGoodnessOfFit(draw({ init, temperature: 0.5 }, 'model'), p.map((x) => x / total)).pValue);
  });

  it('top-k keeps the k most probable, top-p the smallest set of mass ≥ p', () => {
    expectPValue(chiSquareGoodnessOfFit(draw({ init, 'top-k': 2 }, 'model'), [0, 0, 0, 3 / 7, 4 / 7]).pValue);
    // Sorted: 0.4, 0.3 (0.7), 0.15 (0.85 ≥ 0.8): keeps three.
    expectPValue(chiSquareGoodnessOfFit(draw({ init, 'top-p': 0.8 }, 'model'), [0, 0, 0.15 / 0.85, 0.3 / 0.85, 0.4 / 0.85]).pValue);
  });

  it('ground-truth data are never reshaped', () => {
    expectPValue(chiSquareGoodnessOfFit(draw({ init, 'top-k': 1, temperature: 0.1 }, 'truth'), [0.05, 0.1, 0.15, 0.3, 0.4]).pValue);
  });
});

describe('categorical inputs and fits', () => {
  it('parses uniform, zipf:s and lists', () => {
    expect(parseInitialLaw('uniform', 'init', 4)).toEqual([0.25, 0.25, 0.25, 0.25]);
    const zipf = parseInitialLaw('zipf:1', 'init', 3);
    expect(zipf.map((p) => +p.toFixed(12))).toEqual([6 / 11, 3 / 11, 2 / 11].map((p) => +p.toFixed(12)));
    expect(parseInitialLaw('0.5,0.25,0.25', 'init', null)).toEqual([0.5, 0.25, 0.25]);
    expect(() => parseInitialLaw('0.5,0.6', 'init', null)).toThrow(/sum to 1/);
    expect(() => parseInitialLaw('0.5,0.5', 'init', 3)).toThrow(/--categories is 3/);
    expect(() => parseInitialLaw('zipf:-1', 'init', 3)).toThrow(/--init zipf:<s> must be a number ≥ 0/);
  });

  it('the L2 softmax fit satisfies π_j + cθ_j = η_j with Σθ = 0', () => {
    const targets = Float64Array.of(0, 0.5, 0.2, 0.3, 0);
    for (const c of [0.01, 0.5, 3]) {
      const pi = new Float64Array(5);
      softmaxWithL2(targets, c, pi);
      const logs = Array.from(pi, Math.log);
      const centre = logs.reduce((a, b) => a + b, 0) / 5;
      pi.forEach((p, j) => {
        expect(p).toBeGreaterThan(0);
        expect(p + c * (logs[j] - centre) - targets[j]).toBeCloseTo(0, 10);
      });
    }
  });
});
