/**
 * A stored configuration (provenance, checkpoint) is validated by turning it back into
 * flags and resolving them (src/spec/stored.ts). That must accept every configuration
 * collapse-sim itself writes — every family, every way its parameters can be given — and
 * refuse what it never writes. A false refusal would make genuine files unreadable.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { storedRunSpec } from '../../src/spec/stored.js';
import type { RawOptions } from '../../src/spec/parse.js';

const random = seedrandom('stored specs');
const uniform = (low: number, high: number): number => low + (high - low) * random();
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** Random valid flags for each family (and the loop around it). */
function randomFlags(): RawOptions {
  const family = pick(['bernoulli', 'categorical', 'gaussian', 'poisson', 'exponential', 'ising']);
  const loop: Record<string, unknown> = {
    family,
    samples: String(1 + Math.floor(uniform(0, 200))),
    chains: String(1 + Math.floor(uniform(0, 5000))),
    generations: String(1 + Math.floor(uniform(0, 1e5))),
    seed: pick(['0', 'a seed', '12345678901234567890', String(Math.floor(uniform(0, 1e9)))]),
    mode: pick(['per-sample', 'sufficient']),
    'batch-size': String(1 + Math.floor(uniform(0, 70000))),
    ...(random() < 0.3 ? { 'ground-truth': String(Math.floor(uniform(1, 5))) } : {}),
    ...(random() < 0.2 ? { prior: String(uniform(0, 3)) } : {}),
    ...(random() < 0.2 ? { regime: pick(['accumulate', 'window:3', 'replace']) } : {}),
    ...(random() < 0.2 ? { shard: '1/3', chains: '3000' } : {}),
    ...(random() < 0.2 ? { trajectories: 'every:5,chains:3', out: 'x.arrow' } : {}),
  };
  const params: Record<string, Record<string, unknown>> = {
    bernoulli: { p0: String(uniform(0, 1)), ...(random() < 0.5 ? { 'truth-p': String(uniform(0, 1)) } : {}) },
    categorical: {
      ...pick([{ init: 'uniform', categories: '7' }, { init: `zipf:${uniform(0, 3)}`, categories: '12' }, { init: '0.1,0.2,0.3,0.4' }, { init: '0.6,0,0.4' }]),
      ...(random() < 0.3 ? { temperature: String(uniform(0.2, 3)) } : {}),
      ...(random() < 0.3 ? { 'top-p': String(uniform(0.1, 1)) } : {}),
    },
    gaussian: { mu0: String(uniform(-5, 5)), var0: String(uniform(0.1, 10)), estimator: pick(['mle', 'unbiased']), ...(random() < 0.5 ? { 'truth-mu': String(uniform(-1, 1)), 'truth-var': String(uniform(0.5, 2)) } : {}) },
    poisson: { lambda0: String(uniform(0, 5)), ...(random() < 0.5 ? { 'truth-lambda': String(uniform(0, 5)) } : {}) },
    exponential: { rate0: String(uniform(0.1, 10)), 'collapse-threshold': String(uniform(1e-6, 0.5)) },
    ising: {
      spins: String(2 + Math.floor(uniform(0, 30))),
      ...pick([{ m0: String(uniform(-1, 1)) }, { m0: '0' }, { m0: '1' }, { theta1: String(uniform(-3, 3)) }, { theta1: '25' }]),
      ...(random() < 0.5 ? { theta2: String(uniform(-2, 2)) } : {}),
      ...(random() < 0.3 ? { learn: 'theta1,theta2' } : {}),
      ...(random() < 0.3 ? { 'coupling-scale': 'unscaled' } : {}),
      ...(random() < 0.3 ? pick([{ 'truth-m': String(uniform(-0.9, 0.9)) }, { 'truth-theta1': String(uniform(-2, 2)), 'truth-theta2': '0.5' }]) : {}),
    },
  };
  const raw = { ...loop, ...params[family] };
  if (raw['mode'] === 'sufficient' && family === 'gaussian' && raw['estimator'] === 'unbiased' && Number(raw['samples']) < 2) raw['samples'] = '2';
  return raw;
}

describe('stored configurations', () => {
  it('every configuration collapse-sim writes is read back as it was (400 random ones, every family)', () => {
    let checked = 0;
    for (let i = 0; i < 2000 && checked < 400; i++) {
      let spec;
      try {
        spec = resolveRunSpec(randomFlags());
      } catch {
        continue; // an invalid combination of random flags: not something collapse-sim writes
      }
      const stored = JSON.parse(JSON.stringify(spec));
      expect(() => storedRunSpec(stored, 'x'), JSON.stringify(spec)).not.toThrow();
      expect(storedRunSpec(stored, 'x')).toEqual(stored);
      checked++;
    }
    expect(checked).toBe(400);
  });

  it('refuses what it never writes', () => {
    const spec = JSON.parse(JSON.stringify(resolveRunSpec({ family: 'ising', spins: 5, m0: 0.2 })));
    const cases: [unknown, RegExp][] = [
      [{ ...spec, familyParams: { ...spec.familyParams, initial: { ...spec.familyParams.initial, m: 0.5 } } }, /familyParams\.initial\.m \(stored 0\.5, valid 0\.2/],
      [{ ...spec, chains: '10' }, /chains \(stored "10", valid 10\)/],
      [{ ...spec, extra: true }, /extra \(not a field collapse-sim writes\)/],
      [{ ...spec, regime: { kind: 'window', width: 0 } }, /window:<W> must be an integer/],
      [{ ...spec, familyParams: { ...spec.familyParams, spins: 1e9 } }, /--spins must be an integer/],
      [{ ...spec, seed: 7 }, /seed 7 is not text/],
      [null, /no configuration object/],
    ];
    for (const [value, message] of cases) expect(() => storedRunSpec(value, 'x'), JSON.stringify(value)).toThrow(message);
  });
});
