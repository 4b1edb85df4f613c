/**
 * The Bernoulli mitigation verdicts, fed final values drawn from the exact law (every
 * claim supported) and from a smoothly tilted one (that claim not supported): the verdicts
 * are tests the numbers can fail, not only the χ² over ~100 cells, which has little power
 * against a shift of the whole law.
 */
import { tableFromArrays } from 'apache-arrow';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { AnalysisContext, PlannedRun, PointRun } from '../../src/reproduce/context.js';
import { mitigation } from '../../src/reproduce/mitigation.js';
import { bernoulliLoopLaws, type BernoulliLoop } from '../../src/reproduce/theory.js';

const CHAINS = 100_000;
const context: AnalysisContext = { captionLine: () => 'test', figure: async () => [] };

interface Meta {
  readonly configuration: { readonly name: string; readonly loop: BernoulliLoop } | null;
}

/**
 * Final values of p drawn from the exact law at t = 1000, or from it tilted by
 * (1 + tilt·(p − E p)): a smooth shift of the mean by tilt·Var p (about 0.004 here) that a
 * χ² over ~100 cells barely sees (noncentrality N·tilt²·Var p ≈ 25 on ~100 degrees of freedom).
 */
function finalValues(loop: BernoulliLoop, seed: string, tilt: number): Float64Array {
  const law = bernoulliLoopLaws(loop, [1000]).laws[0];
  const mean = law.values.reduce((total, value, c) => total + value * law.probabilities[c], 0);
  const weights = Array.from(law.values, (value, c) => law.probabilities[c] * (1 + tilt * (value - mean)));
  const sum = weights.reduce((total, weight) => total + weight, 0);
  const cdf = new Float64Array(weights.length);
  for (let c = 0, total = 0; c < cdf.length; c++) cdf[c] = total += weights[c] / sum;
  const random = seedrandom(seed);
  return Float64Array.from({ length: CHAINS }, () => {
    const u = random();
    let c = 0;
    while (c < cdf.length - 1 && u >= cdf[c]) c++;
    return law.values[c];
  });
}

async function verdicts(movedIn: string | null): Promise<Map<string, { verdict: string; basis: string }>> {
  const runs = mitigation.plan(() => CHAINS).map((point) => {
    const meta = point.meta as Meta;
    const final =
      meta.configuration === null ? new Float64Array(CHAINS).fill(0.3) : finalValues(meta.configuration.loop, `mitigation/${meta.configuration.name}`, meta.configuration.name === movedIn ? 0.06 : 0);
    const table = tableFromArrays({ final_p: final, collapse_time: new Float64Array(CHAINS).fill(NaN) });
    const run = { spec: { chains: CHAINS }, table } as unknown as PointRun;
    return { ...point, run } as PlannedRun;
  });
  const result = await mitigation.analyse(context, runs);
  return new Map(
    result.claims
      .filter((claim) => !claim.claim.startsWith('Accumulating'))
      .map((claim) => [claim.claim.split(':')[0], { verdict: claim.verdict, basis: claim.basis }]),
  );
}

describe('the Bernoulli mitigation verdicts', () => {
  it('support every configuration whose final values follow the exact law', async () => {
    const found = await verdicts(null);
    expect(found.size).toBe(6);
    for (const [claim, { verdict, basis }] of found) expect(verdict, `${claim}: ${basis}`).toBe('supported');
  });

  it('reject the configuration whose law is shifted smoothly, and only it: its mean is off by more than 4 standard errors', async () => {
    const found = await verdicts('K1');
    for (const [claim, { verdict, basis }] of found) expect(verdict, `${claim}: ${basis}`).toBe(claim.startsWith('K = 1 ') ? 'not supported' : 'supported');
    const shifted = found.get('K = 1 fresh truth point')!.basis;
    expect(Number(/mean \(z = ([0-9.e+-]+),/.exec(shifted)![1]), shifted).toBeGreaterThan(4);
  });
});
