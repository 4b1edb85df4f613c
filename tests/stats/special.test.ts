import { describe, expect, it } from 'vitest';
import {
  chiSquaredSurvival,
  digamma,
  kolmogorovSurvival,
  logFactorial,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedGammaP,
  regularizedGammaQ,
  stirlingTail,
  trigamma,
} from '../../src/math/special.js';
import { lambertWOfExp } from '../../src/math/lambert-w.js';
import { solveIncreasing } from '../../src/math/roots.js';

const EULER_GAMMA = 0.5772156649015329;

describe('special functions against closed forms', () => {
  it('logGamma', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    expect(logGamma(1000.5)).toBeCloseTo(logFactorial(1000) - 0.5 * Math.log(1000.25) + 1 / (8 * 1000) * 0, 3);
  });

  it('logFactorial agrees with logGamma beyond its table', () => {
    for (const k of [0, 1, 5, 255, 256, 1000, 123456]) {
      expect(Math.abs(logFactorial(k) - logGamma(k + 1))).toBeLessThan(1e-9 * Math.max(1, logFactorial(k)));
    }
  });

  it('stirlingTail is ln k! minus Stirling’s formula', () => {
    for (const k of [0, 3, 9, 10, 11, 50, 1000]) {
      const stirling = (k + 0.5) * Math.log(k + 1) - (k + 1) + 0.5 * Math.log(2 * Math.PI);
      expect(stirlingTail(k)).toBeCloseTo(logFactorial(k) - stirling, 12);
    }
  });

  it('digamma and trigamma', () => {
    expect(digamma(1)).toBeCloseTo(-EULER_GAMMA, 14);
    expect(digamma(0.5)).toBeCloseTo(-EULER_GAMMA - 2 * Math.LN2, 13);
    expect(digamma(10)).toBeCloseTo(-EULER_GAMMA + [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((s, k) => s + 1 / k, 0), 13);
    expect(trigamma(1)).toBeCloseTo((Math.PI * Math.PI) / 6, 13);
    expect(trigamma(0.5)).toBeCloseTo((Math.PI * Math.PI) / 2, 12);
  });

  it('incomplete gamma, normal and χ² distributions', () => {
    expect(regularizedGammaP(1, 2)).toBeCloseTo(1 - Math.exp(-2), 14);
    expect(regularizedGammaP(3, 2.5) + regularizedGammaQ(3, 2.5)).toBeCloseTo(1, 14);
    expect(regularizedGammaQ(3, 40)).toBeCloseTo(Math.exp(-40) * (1 + 40 + 800), 25);
    expect(normalCdf(0)).toBeCloseTo(0.5, 15);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 13);
    expect(normalCdf(-5)).toBeCloseTo(2.866515718791939e-7, 18);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
    expect(chiSquaredSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquaredSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 12);
  });

  it('Kolmogorov survival function', () => {
    expect(kolmogorovSurvival(1.3580986393225505)).toBeCloseTo(0.05, 8);
    expect(kolmogorovSurvival(1.9495)).toBeCloseTo(0.001, 4);
    expect(kolmogorovSurvival(0.2)).toBeCloseTo(1, 10);
    // Both series agree where they meet.
    expect(kolmogorovSurvival(0.2699999)).toBeCloseTo(kolmogorovSurvival(0.2700001), 6);
  });
});

describe('numerical helpers', () => {
  it('lambertWOfExp solves w + ln w = z', () => {
    for (const z of [-700, -30, -1, 0, 1, 5, 100, 1e5]) {
      const w = lambertWOfExp(z);
      expect(w).toBeGreaterThan(0);
      expect(Math.abs(w + Math.log(w) - z)).toBeLessThan(1e-12 * Math.max(1, Math.abs(z)));
    }
    // Below that, W(e^z) = e^z to working precision, which underflows like e^z itself.
    expect(lambertWOfExp(-800)).toBe(Math.exp(-800));
  });

  it('solveIncreasing finds roots outside its first bracket', () => {
    const root = solveIncreasing((x) => [Math.exp(x) - 1e10, Math.exp(x)], -1, 1);
    expect(root).toBeCloseTo(10 * Math.LN10, 12);
    expect(solveIncreasing((x) => [x * x * x + 1000, 3 * x * x], 0, 1)).toBeCloseTo(-10, 12);
  });
});
