import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, chiSquareHomogeneity, ksDiscrete, ksOneSample, ksTwoSample } from '../../src/stats/hypothesis.js';
import { wilsonInterval } from '../../src/stats/wilson.js';
import { CollapseSummary } from '../../src/stats/summary.js';
import { normal } from '../../src/rng/distributions/normal.js';
import { PhiloxStream, StreamTag } from '../../src/rng/streams.js';
import { keyFromSeed } from '../../src/rng/keys.js';
import { normalCdf } from '../../src/math/special.js';

function normals(label: string, n: number, shift = 0): number[] {
  const stream = new PhiloxStream(keyFromSeed(label));
  stream.reset(0, 0, StreamTag.Synthetic);
  const draw = normal(stream);
  return Array.from({ length: n }, () => draw() + shift);
}

describe('the tests accept what they should and reject what they should', () => {
  it('KS one-sample', () => {
    expect(ksOneSample(normals('a', 20000), normalCdf).pValue).toBeGreaterThan(1e-3);
    expect(ksOneSample(normals('a', 20000, 0.05), normalCdf).pValue).toBeLessThan(1e-3);
  });
  it('KS two-sample', () => {
    expect(ksTwoSample(normals('a', 20000), normals('b', 20000)).pValue).toBeGreaterThan(1e-3);
    expect(ksTwoSample(normals('a', 20000), normals('b', 20000, 0.06)).pValue).toBeLessThan(1e-3);
  });
  it('KS against a discrete CDF', () => {
    // Geometric(½) on {1, 2, …}: P(X ≤ t) = 1 − 2^{−t}.
    const stream = new PhiloxStream(keyFromSeed('geometric'));
    stream.reset(0, 0, StreamTag.Synthetic);
    const draws = Array.from({ length: 20000 }, () => {
      let k = 1;
      while (stream.nextU24() >= 2 ** 23) k++;
      return k;
    });
    const cdf = Float64Array.from({ length: 60 }, (_, t) => 1 - 2 ** -t);
    expect(ksDiscrete(draws, cdf).pValue).toBeGreaterThan(1e-3);
    const shifted = Float64Array.from({ length: 60 }, (_, t) => (t === 0 ? 0 : 1 - 2 ** -(t - 1) * 0.52));
    expect(ksDiscrete(draws, shifted).pValue).toBeLessThan(1e-3);
  });
  it('χ² goodness of fit and homogeneity', () => {
    expect(chiSquareGoodnessOfFit([2480, 2520, 5000], [0.25, 0.25, 0.5]).pValue).toBeGreaterThan(0.5);
    expect(chiSquareGoodnessOfFit([2300, 2700, 5000], [0.25, 0.25, 0.5]).pValue).toBeLessThan(1e-3);
    expect(chiSquareHomogeneity([100, 200, 300], [210, 390, 600]).pValue).toBeGreaterThan(0.1);
    expect(chiSquareHomogeneity([100, 200, 300], [400, 390, 600]).pValue).toBeLessThan(1e-3);
  });
});

describe('Wilson interval and the running summary', () => {
  it('Wilson matches the textbook values and closes at the ends', () => {
    const interval = wilsonInterval(40, 100);
    expect(interval.lower).toBeCloseTo(0.3094, 4);
    expect(interval.upper).toBeCloseTo(0.4980, 4);
    expect(wilsonInterval(10, 10).upper).toBe(1);
    expect(wilsonInterval(0, 10).lower).toBe(0);
  });
  it('summary counts, mean, median and outcomes', () => {
    const summary = new CollapseSummary();
    summary.add(Int32Array.of(3, -1, 5, 4), Float64Array.of(1, NaN, 0, 1), 20, Int32Array.of(3, -1, 5, 4), Int32Array.of(1, 0, 1, 1));
    summary.add(Int32Array.of(10, -1), Float64Array.of(0, NaN), 7, Int32Array.of(10, -1), Int32Array.of(1, 0));
    expect(summary.chains).toBe(6);
    expect(summary.collapsed).toBe(4);
    expect(summary.chainGenerations).toBe(27);
    expect(summary.meanCollapseTime()).toBe(5.5);
    expect(summary.medianCollapseTime()).toBe(4.5);
    expect(summary.outcomes()).toEqual({ '0': 2, '1': 2 });
    const sd = Math.sqrt([3, 5, 4, 10].reduce((s, t) => s + (t - 5.5) ** 2, 0) / 3);
    expect(summary.meanCollapseTimeStandardError()).toBeCloseTo(sd / 2, 12);
  });
});
