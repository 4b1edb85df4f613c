/**
 * summarize: the Kaplan–Meier machinery against hand-computed values and its no-censoring
 * limits (1 − the empirical CDF, Greenwood = S(1 − S)/n); the report against the chain
 * file it reads and the exact theory it quotes; shards summarized as the whole run; bad
 * files refused.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { bernoulliTheory } from '../../src/families/bernoulli/index.js';
import { isingTheory } from '../../src/families/ising/index.js';
import { kaplanMeier, restrictedMean, survivalAt, survivalQuantile } from '../../src/stats/survival.js';
import { cliIn, temporaryDirectory } from '../helpers.js';

const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);

const cli = cliIn(directory);

function summarize(...files: string[]) {
  const result = cli(['summarize', ...files, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('Kaplan–Meier', () => {
  // Six chains: collapses at 1, 2, 4, 4; censored at 2 and 5.
  const points = kaplanMeier(new Map([[1, 1], [2, 1], [4, 2]]), new Map([[2, 1], [5, 1]]));

  it('matches the hand computation, with Greenwood variances', () => {
    expect(points.map((p) => [p.time, p.atRisk, p.events, p.censored])).toEqual([[1, 6, 1, 0], [2, 5, 1, 1], [4, 3, 2, 0], [5, 1, 0, 1]]);
    expect(points.map((p) => p.survival)).toEqual([5 / 6, (5 / 6) * (4 / 5), (5 / 6) * (4 / 5) * (1 / 3), (5 / 6) * (4 / 5) * (1 / 3)].map((v) => expect.closeTo(v, 14)));
    // Var S(4) = S² (1/30 + 1/20 + 2/3) = (2/9)² · 3/4.
    expect(points[2].variance).toBeCloseTo((4 / 81) * 0.75, 14);
    expect(restrictedMean(points, 6)).toBeCloseTo(65 / 18, 14);
    expect(survivalQuantile(points, 0.5).estimate).toBe(4);
    expect(survivalAt(points, 3).estimate).toBeCloseTo(2 / 3, 14);
    expect(survivalAt(points, 0).estimate).toBe(1);
    for (const p of points) expect(p.lower <= p.survival && p.survival <= p.upper).toBe(true);
  });

  it('without censoring is 1 − the empirical CDF, and Greenwood is the binomial S(1 − S)/n', () => {
    const events = new Map([[1, 3], [2, 5], [3, 7], [7, 5]]);
    const n = 20;
    let seen = 0;
    for (const p of kaplanMeier(events, new Map())) {
      seen += p.events;
      expect(p.survival).toBeCloseTo(1 - seen / n, 14);
      if (p.survival > 0) expect(p.variance).toBeCloseTo((p.survival * (1 - p.survival)) / n, 14);
    }
  });
});

describe('collapse-sim summarize', () => {
  const whole = join(directory, 'whole');
  const shards = join(directory, 'shards');
  mkdirSync(whole);
  mkdirSync(shards);
  const bernoulli = ['run', '--family', 'bernoulli', '--samples', '16', '--p0', '0.3', '--chains', '4000', '--seed', 'sum', '--backend', 'reference', '--quiet'];
  cli([...bernoulli, '--out', join(whole, 'b.arrow')]);
  for (let i = 0; i < 4; i++) cli([...bernoulli, '--shard', `${i}/4`, '--out', join(shards, `b-${i}.arrow`)]);

  it('reports the file’s own counts, and the Wright–Fisher law beside them', () => {
    const summary = summarize(join(whole, 'b.arrow'));
    const table = tableFromIPC(readFileSync(join(whole, 'b.arrow')));
    const times = Array.from(table.getChild('collapse_time')!.toArray() as Int32Array);
    const law = bernoulliTheory.absorptionTime(16, 0.3, 100000);
    expect(summary.chains).toBe(4000);
    expect(summary.collapsed.count).toBe(4000);
    for (const row of summary.collapseByTime) {
      expect(row.count).toBe(times.filter((t) => t <= row.time).length);
      expect(row.theory.value).toBeCloseTo(law.cdfAt(row.time), 14);
      expect(row.theory.inside).toBe(row.theory.value >= row.lower && row.theory.value <= row.upper);
    }
    expect(summary.collapseTime.theoryMean).toBeCloseTo(law.mean, 10);
    expect(summary.collapseTime.meanCollapsed).toBeCloseTo(times.reduce((a, b) => a + b, 0) / 4000, 10);
    // Nothing censored: the restricted mean is the plain mean.
    expect(summary.collapseTime.restrictedMean).toBeCloseTo(summary.collapseTime.meanCollapsed, 8);
    expect(summary.outcomes.map((o: { value: number; theory: { value: number } }) => [o.value, o.theory.value])).toEqual([[0, 0.7], [1, 0.3]]);
    // The whole law against the exact one (Kolmogorov; this is the reference path, so it must agree).
    expect(summary.lawTest.pValue).toBeGreaterThan(1e-3);
  });

  it('summarizes the shards of a sharded run (files or their directory) as the whole run', () => {
    const reference = summarize(join(whole, 'b.arrow'));
    for (const summary of [summarize(shards), summarize(...[0, 1, 2, 3].map((i) => join(shards, `b-${i}.arrow`)))]) {
      expect(summary.files).toHaveLength(4);
      const { files: _a, provenance: _b, ...numbers } = summary;
      const { files: _c, provenance: _d, ...expected } = reference;
      expect(numbers).toEqual(expected);
    }
  });

  it('uses N·M copies for Ising with θ₂ = 0, survivor laws for categorical, and says why there is no theory otherwise', () => {
    cli(['run', '--family', 'ising', '--spins', '4', '--samples', '5', '--m0', '0.2', '--chains', '500', '--backend', 'reference', '--quiet', '--out', 'ising.arrow']);
    const ising = summarize('ising.arrow');
    const law = isingTheory.absorptionTime(4, 5, 0.2, 100000);
    expect(ising.collapseByTime[0].theory.value).toBeCloseTo(law.cdfAt(ising.collapseByTime[0].time), 14);
    expect(ising.outcomes.map((o: { value: number; theory: { value: number } }) => [o.value, o.theory.value])).toEqual([[-1, expect.closeTo(0.4, 14)], [1, expect.closeTo(0.6, 14)]]);

    cli(['run', '--family', 'categorical', '--categories', '3', '--init', '0.5,0.3,0.2', '--samples', '10', '--chains', '500', '--backend', 'reference', '--quiet', '--out', 'cat.arrow']);
    const categorical = summarize('cat.arrow');
    expect(categorical.lawTest).toBeNull();
    expect(categorical.outcomes.map((o: { value: number; theory: { value: number } }) => o.theory.value)).toEqual([0.5, 0.3, 0.2]);

    cli(['run', '--family', 'gaussian', '--samples', '5', '--chains', '300', '--generations', '20', '--backend', 'reference', '--quiet', '--out', 'gauss.arrow']);
    const gaussian = summarize('gauss.arrow');
    expect(gaussian.theoryNote).toMatch(/no exact collapse-time law for gaussian/);
    // Censored at T = 20: the restricted mean stays below T, the survival curve ends at T.
    expect(gaussian.collapseTime.restrictedMean).toBeLessThanOrEqual(20);
    expect(gaussian.survival[gaussian.survival.length - 1].time).toBe(20);

    cli([...bernoulli.slice(0, -1), '--ground-truth', '1', '--generations', '50', '--quiet', '--out', 'mitigated.arrow']);
    expect(summarize('mitigated.arrow').theoryNote).toMatch(/mitigated/);
  });

  it('refuses missing, truncated and foreign files with exit 2 and one line', () => {
    writeFileSync(join(directory, 'cut.arrow'), readFileSync(join(whole, 'b.arrow')).subarray(0, 400));
    writeFileSync(join(directory, 'notes.arrow'), 'not arrow');
    for (const [args, message] of [
      [['summarize'], /^collapse-sim: summarize needs a chain file/],
      [['summarize', 'absent.arrow'], /^collapse-sim: summarize: absent\.arrow: cannot read it \(ENOENT\)/],
      [['summarize', 'cut.arrow'], /^collapse-sim: cut\.arrow is truncated or damaged/],
      [['summarize', 'notes.arrow'], /^collapse-sim: notes\.arrow is not an Arrow IPC file/],
      [['summarize', join(shards, 'b-0.arrow'), join(shards, 'b-2.arrow')], /^collapse-sim: summarize: missing 2 of 4 shards: 1 \(chains 1000–1999\), 3 \(chains 3000–3999\)/],
    ] as [string[], RegExp][]) {
      const result = cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
