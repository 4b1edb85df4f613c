import { describe, expect, it } from 'vitest';
import { mulhi32, philox4x32 } from '../../src/rng/philox.js';
import { keyFromSeed, keyToHex } from '../../src/rng/keys.js';

/**
 * Known-answer vectors from Random123's tests/kat_vectors
 * (https://github.com/DEShawResearch/random123): name, rounds, counter[4], key[2], output[4].
 */
const KAT = `
philox4x32 7 00000000 00000000 00000000 00000000 00000000 00000000   5f6fb709 0d893f64 4f121f81 4f730a48
philox4x32 7 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   5207ddc2 45165e59 4d8ee751 8c52f662
philox4x32 7 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   4dfccaba 190a87f0 c47362ba b6b5242a
philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
`
  .trim()
  .split('\n')
  .map((line) => {
    const words = line.trim().split(/\s+/);
    const hex = words.slice(2).map((w) => parseInt(w, 16));
    return { rounds: Number(words[1]), counter: hex.slice(0, 4), key: hex.slice(4, 6), expected: hex.slice(6, 10), line };
  });

describe('Philox4x32', () => {
  it.each(KAT)('matches Random123 known answers: $line', ({ rounds, counter, key, expected }) => {
    expect(Array.from(philox4x32(counter, key, rounds))).toEqual(expected);
  });

  it('computes the high word of 32×32-bit products exactly', () => {
    const cases = [
      [0xffffffff, 0xffffffff],
      [0xd2511f53, 0x12345678],
      [0xcd9e8d57, 0xffffffff],
      [1, 0xffffffff],
      [0x80000000, 2],
      [0, 0xdeadbeef],
    ];
    let x = 0x9e3779b9;
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const y = (Math.imul(x ^ 0x5bd1e995, 22695477) + 1) >>> 0;
      cases.push([x, y]);
    }
    for (const [a, b] of cases) {
      expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });
});

describe('keyFromSeed', () => {
  it('reads the seed as text: 0 and "0" are one seed', () => {
    expect(keyFromSeed(0)).toEqual(keyFromSeed('0'));
  });
  it('gives different keys to different seeds, strings included', () => {
    const keys = new Set(['0', '1', '2', 'hello', 'héllo', '01', ' 1'].map((seed) => keyToHex(keyFromSeed(seed))));
    expect(keys.size).toBe(7);
  });
  it('is seedrandom ARC4 of the seed text, first two int32 words (a change here changes every published result)', () => {
    expect(keyToHex(keyFromSeed('0'))).toBe('c7c56ed8c0cc980d');
  });
});
