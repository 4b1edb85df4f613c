import { describe, expect, it } from 'vitest';
import { keyFromSeed } from '../../src/rng/keys.js';
import { PhiloxStream, StreamTag, type BitStream } from '../../src/rng/streams.js';
import { BernoulliDecisions, bernoulliCount, bernoulliThreshold } from '../../src/rng/distributions/bernoulli.js';
import { binomial } from '../../src/rng/distributions/binomial.js';
import { categorical } from '../../src/rng/distributions/categorical.js';
import { chiSquared } from '../../src/rng/distributions/chi-squared.js';
import { exponential } from '../../src/rng/distributions/exponential.js';
import { gamma } from '../../src/rng/distributions/gamma.js';
import { multinomial } from '../../src/rng/distributions/multinomial.js';
import { normal } from '../../src/rng/distributions/normal.js';
import { poisson } from '../../src/rng/distributions/poisson.js';
import { logFactorial, normalCdf, regularizedGammaP } from '../../src/math/special.js';
import { chiSquareGoodnessOfFit, ksOneSample } from '../../src/stats/hypothesis.js';
import { binomialPmf } from '../../src/stats/wright-fisher.js';
import { expectPValue, expectWithinStandardErrors } from '../helpers.js';

const U24 = 2 ** 24;

function sourceFor(label: string): PhiloxStream {
  const stream = new PhiloxStream(keyFromSeed(`distributions/${label}`));
  stream.reset(0, 0, StreamTag.Synthetic);
  return stream;
}

/** Enumerates every 24-bit uniform once, in order: exact probabilities by counting. */
function everyUniform(): BitStream & { reset(): void } {
  let next = 0;
  return { nextU24: () => next++ % U24, reset: () => (next = 0) };
}

function histogram(samples: ArrayLike<number>, cells: number): Float64Array {
  const counts = new Float64Array(cells);
  for (let i = 0; i < samples.length; i++) counts[Math.min(samples[i], cells - 1)]++;
  return counts;
}

describe('bernoulli', () => {
  it('has probability exactly ceil(k·2^24/n)/2^24 for p = k/n: the integer test u·n < k·2^24', () => {
    // Exhaustive over k for n ≤ 600, at the uniforms next to each threshold.
    for (let n = 1; n <= 600; n++) {
      for (let k = 0; k <= n; k++) {
        const p = k / n;
        const boundary = Math.floor((k * U24) / n);
        for (const u of [boundary - 1, boundary, boundary + 1]) {
          if (u < 0 || u >= U24) continue;
          const drawn = u < p * U24;
          expect(drawn, `u=${u} k=${k} n=${n}`).toBe(u * n < k * U24);
        }
      }
    }
    // And for large n up to 2^29 − 1 (every product still exact in float64).
    let x = 12345;
    for (let i = 0; i < 20000; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const n = 1 + (x % (2 ** 29 - 1));
      const k = Math.floor((((x >>> 3) ^ 0x9e3779b9) >>> 0) % (n + 1));
      const boundary = Math.floor((k * U24) / n);
      for (const u of [boundary - 1, boundary, boundary + 1]) {
        if (u < 0 || u >= U24) continue;
        expect(u < (k / n) * U24).toBe(u * n < k * U24);
      }
    }
  });

  it('succeeds for exactly ceil(p·2^24) of the 2^24 (byte, tie bits) outcomes: the test u < p·2^24', () => {
    for (const p of [0, 1, 0.5, 1 / 3, 0.1, 0.5 + 2 ** -9, 255.5 / 256]) {
      const threshold = bernoulliThreshold(p);
      expect(threshold).toBe(Math.ceil(p * U24));
      const high = threshold >>> 16;
      // Every byte once, then the tie byte again with every 16-bit tie value: each byte other than
      // the tie byte stands for the 2^16 uniforms u = byte·2^16 + r, each tie decision for one.
      const bytes = Array.from({ length: 256 }, (_, b) => b).filter((b) => b !== high);
      const tieBytes = high < 256 ? 65536 : 0;
      const all = [...bytes, ...new Array<number>(tieBytes).fill(high)];
      const source: BitStream = {
        nextU24: () => {
          throw new Error('decisions read whole words');
        },
        wordIndex: () => 0,
        nextWord: (() => {
          let at = 0;
          return () => {
            let word = 0;
            for (let j = 0; j < 4; j++) word += (all[at++] ?? 0) * 256 ** j;
            return word;
          };
        })(),
        tieBits: (byteIndex) => byteIndex - bytes.length,
      };
      const decisions = new BernoulliDecisions(source);
      decisions.start();
      let outcomes = 0;
      for (let i = 0; i < all.length; i++) if (decisions.next(threshold)) outcomes += i < bytes.length ? 65536 : 1;
      expect(outcomes, `p = ${p}`).toBe(Math.ceil(p * U24));
    }
  });

  it('counts successes with the binomial law', () => {
    const count = bernoulliCount(sourceFor('bernoulliCount'));
    const n = 12;
    const draws = Array.from({ length: 100000 }, () => count(n, 0.3));
    expectPValue(chiSquareGoodnessOfFit(histogram(draws, n + 1), binomialPmf(n, 0.3)).pValue);
  });
});

describe('binomial', () => {
  // Inversion below n·min(p, 1−p) = 10, BTRS above, and both reflections.
  it.each([
    [10, 0.3],
    [100, 0.05],
    [100, 0.5],
    [37, 0.8],
    [1000, 0.9],
    [250, 0.04],
    [50, 0.999],
    [100000, 0.3],
  ])('Binomial(%i, %f) matches its pmf (χ²)', (n, p) => {
    const draw = binomial(sourceFor(`binomial/${n}/${p}`));
    const draws = Array.from({ length: 200000 }, () => draw(n, p));
    expect(draws.every((k) => Number.isInteger(k) && k >= 0 && k <= n)).toBe(true);
    expectPValue(chiSquareGoodnessOfFit(histogram(draws, n + 1), binomialPmf(n, p)).pValue, `Binomial(${n}, ${p})`);
  });

  it('is degenerate at p = 0, p = 1 and n = 0', () => {
    const draw = binomial(sourceFor('binomial/degenerate'));
    expect(draw(10, 0)).toBe(0);
    expect(draw(10, 1)).toBe(10);
    expect(draw(0, 0.5)).toBe(0);
  });
});

describe('poisson', () => {
  it.each([0.5, 3, 9.9, 10, 37.5, 1000])('Poisson(%f) matches its pmf (χ²)', (mean) => {
    const draw = poisson(sourceFor(`poisson/${mean}`));
    const draws = Array.from({ length: 200000 }, () => draw(mean));
    const cells = Math.ceil(mean + 12 * Math.sqrt(mean) + 20);
    const pmf = Array.from({ length: cells }, (_, k) => Math.exp(k * Math.log(mean) - mean - logFactorial(k)));
    expectPValue(chiSquareGoodnessOfFit(histogram(draws, cells), pmf).pValue, `Poisson(${mean})`);
  });

  it('is 0 at mean 0', () => {
    expect(poisson(sourceFor('poisson/0'))(0)).toBe(0);
  });
});

describe('categorical', () => {
  it('gives category j exactly ceil(C_j·2^24/W) − ceil(C_{j−1}·2^24/W) of the 2^24 uniforms for integer weights', () => {
    const weights = [3, 0, 7, 1, 0, 13];
    const cumulative: number[] = [];
    weights.reduce((sum, w) => (cumulative.push(sum + w), sum + w), 0);
    const total = cumulative[cumulative.length - 1];
    const source = everyUniform();
    const draw = categorical(source);
    const counts = new Array(weights.length).fill(0);
    for (let i = 0; i < U24; i++) counts[draw(cumulative, weights.length)]++;
    const expected = cumulative.map((c, j) => Math.ceil((c * U24) / total) - (j === 0 ? 0 : Math.ceil((cumulative[j - 1] * U24) / total)));
    expect(counts).toEqual(expected);
    expect(counts[1]).toBe(0);
    expect(counts[4]).toBe(0);
  });

  it('follows real-valued weights (χ²)', () => {
    const weights = [0.1, 0.25, 0.05, 0.6];
    const cumulative = [0.1, 0.35, 0.4, 1.0];
    const draw = categorical(sourceFor('categorical'));
    const draws = Array.from({ length: 200000 }, () => draw(cumulative, 4));
    expectPValue(chiSquareGoodnessOfFit(histogram(draws, 4), weights).pValue);
  });
});

describe('multinomial', () => {
  it('sums to n, never fills zero-weight categories, and has binomial marginals', () => {
    const draw = multinomial(sourceFor('multinomial'));
    const weights = [2, 0, 5, 1, 0];
    const n = 30;
    const counts = new Float64Array(5);
    const marginals = weights.map(() => new Float64Array(n + 1));
    for (let i = 0; i < 100000; i++) {
      draw(n, weights, 5, counts);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
      expect(counts[1] + counts[4]).toBe(0);
      counts.forEach((c, j) => marginals[j][c]++);
    }
    for (const j of [0, 2, 3]) {
      expectPValue(chiSquareGoodnessOfFit(marginals[j], binomialPmf(n, weights[j] / 8)).pValue, `marginal ${j}`);
    }
  });

  it('has the right joint law for two categories of three (χ² over the simplex)', () => {
    const draw = multinomial(sourceFor('multinomial/joint'));
    const n = 6;
    const p = [0.2, 0.3, 0.5];
    const cells = new Float64Array((n + 1) * (n + 1));
    const expected = new Float64Array((n + 1) * (n + 1));
    for (let a = 0; a <= n; a++)
      for (let b = 0; a + b <= n; b++)
        expected[a * (n + 1) + b] = Math.exp(
          logFactorial(n) - logFactorial(a) - logFactorial(b) - logFactorial(n - a - b) + a * Math.log(p[0]) + b * Math.log(p[1]) + (n - a - b) * Math.log(p[2]),
        );
    const counts = new Float64Array(3);
    for (let i = 0; i < 100000; i++) {
      draw(n, p, 3, counts);
      cells[counts[0] * (n + 1) + counts[1]]++;
    }
    expectPValue(chiSquareGoodnessOfFit(cells, expected).pValue);
  });
});

describe('continuous', () => {
  const n = 100000;
  it('normal matches Φ (KS) and has mean 0, variance 1', () => {
    const draw = normal(sourceFor('normal'));
    const draws = Array.from({ length: n }, draw);
    expectPValue(ksOneSample(draws, normalCdf).pValue);
    expectWithinStandardErrors(draws.reduce((a, b) => a + b, 0) / n, 0, 1 / Math.sqrt(n), 'normal mean');
  });

  it('exponential matches 1 − e^{−x} (KS)', () => {
    const draw = exponential(sourceFor('exponential'));
    expectPValue(ksOneSample(Array.from({ length: n }, draw), (x) => 1 - Math.exp(-x)).pValue);
  });

  it.each([0.3, 1, 2.5, 49.5, 5000])('Gamma(%f) matches its CDF (KS)', (shape) => {
    const draw = gamma(sourceFor(`gamma/${shape}`));
    const draws = Array.from({ length: n }, () => draw(shape));
    expectPValue(ksOneSample(draws, (x) => regularizedGammaP(shape, x)).pValue, `Gamma(${shape})`);
  });

  it.each([1, 3, 19, 99])('χ²(%i) matches its CDF (KS)', (dof) => {
    const draw = chiSquared(sourceFor(`chi2/${dof}`));
    const draws = Array.from({ length: n }, () => draw(dof));
    expectPValue(ksOneSample(draws, (x) => regularizedGammaP(dof / 2, x / 2)).pValue, `χ²(${dof})`);
  });
});
