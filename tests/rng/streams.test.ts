import { describe, expect, it } from 'vitest';
import { philox4x32 } from '../../src/rng/philox.js';
import { keyFromSeed } from '../../src/rng/keys.js';
import { PhiloxStream, StreamTag, Xor4096Stream } from '../../src/rng/streams.js';
import { chiSquareGoodnessOfFit } from '../../src/stats/hypothesis.js';
import { expectPValue, expectWithinStandardErrors } from '../helpers.js';

function draws(stream: PhiloxStream | Xor4096Stream, chain: number, generation: number, tag: StreamTag, count: number): number[] {
  stream.reset(chain, generation, tag);
  return Array.from({ length: count }, () => stream.nextU24());
}

describe('PhiloxStream', () => {
  const key = keyFromSeed('streams');

  it('draw i of (chain, generation, tag) is word i mod 4 of Philox at counter (chain, generation, ⌊i/4⌋, tag), top 24 bits', () => {
    const stream = new PhiloxStream(key);
    const got = draws(stream, 12345, 678, StreamTag.GroundTruth, 11);
    const expected = Array.from({ length: 11 }, (_, i) => philox4x32([12345, 678, Math.floor(i / 4), StreamTag.GroundTruth], key)[i % 4] >>> 8);
    expect(got).toEqual(expected);
  });

  it('does not depend on the order in which chains and generations are visited', () => {
    const stream = new PhiloxStream(key);
    const forward = [0, 1, 2, 3].map((chain) => draws(stream, chain, 7, StreamTag.Synthetic, 9));
    const backward = [3, 2, 1, 0].map((chain) => draws(stream, chain, 7, StreamTag.Synthetic, 9)).reverse();
    expect(backward).toEqual(forward);
    expect(draws(stream, 2, 7, StreamTag.Synthetic, 5)).toEqual(forward[2].slice(0, 5));
  });

  it('gives each tag, generation and chain its own draws', () => {
    const stream = new PhiloxStream(key);
    const base = draws(stream, 1, 1, StreamTag.Synthetic, 8);
    expect(draws(stream, 1, 1, StreamTag.GroundTruth, 8)).not.toEqual(base);
    expect(draws(stream, 1, 2, StreamTag.Synthetic, 8)).not.toEqual(base);
    expect(draws(stream, 2, 1, StreamTag.Synthetic, 8)).not.toEqual(base);
    expect(draws(new PhiloxStream(keyFromSeed('other')), 1, 1, StreamTag.Synthetic, 8)).not.toEqual(base);
  });

  it('yields uniform 24-bit integers (χ² over the top 8 bits, mean within 4 s.e.)', () => {
    const stream = new PhiloxStream(key);
    stream.reset(0, 0, StreamTag.Synthetic);
    const n = 400000;
    const cells = new Float64Array(256);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const u = stream.nextU24();
      expect(u >= 0 && u < 2 ** 24 && Number.isInteger(u)).toBe(true);
      cells[u >>> 16]++;
      sum += u;
    }
    expectPValue(chiSquareGoodnessOfFit(cells, new Array(256).fill(1 / 256)).pValue, 'top-byte χ²');
    const m = (2 ** 24 - 1) / 2;
    const sd = Math.sqrt((2 ** 48 - 1) / 12);
    expectWithinStandardErrors(sum / n, m, sd / Math.sqrt(n), 'mean');
  });
});

describe('Xor4096Stream', () => {
  it('is deterministic per (seed, chain) and differs between chains and seeds', () => {
    const a = new Xor4096Stream('s');
    const b = new Xor4096Stream('s');
    const first = draws(a, 3, 1, StreamTag.Synthetic, 20);
    expect(draws(b, 3, 1, StreamTag.Synthetic, 20)).toEqual(first);
    expect(draws(new Xor4096Stream('s'), 4, 1, StreamTag.Synthetic, 20)).not.toEqual(first);
    expect(draws(new Xor4096Stream('t'), 3, 1, StreamTag.Synthetic, 20)).not.toEqual(first);
  });

  it('refuses to go back to an earlier generation of a chain (it is sequential)', () => {
    const stream = new Xor4096Stream('s');
    stream.reset(0, 5, StreamTag.Synthetic);
    expect(() => stream.reset(0, 4, StreamTag.Synthetic)).toThrow(/generation 4 after 5/);
  });
});
