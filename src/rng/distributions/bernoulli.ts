import type { BitStream } from '../streams.js';
import { U24_SCALE } from '../uniform.js';

/**
 * Bernoulli(p): 1 when the 24-bit uniform u satisfies u < p·2^24.
 *
 * For p = k/n (every maximum-likelihood fit of counts) with n < 2^29, float64 computes
 * p·2^24 accurately enough that this is the exact integer test u·n < k·2^24, which a
 * float32 GPU kernel can reproduce bit for bit.
 */
export function bernoulli(source: BitStream): (p: number) => number {
  return (p) => (source.nextU24() < p * U24_SCALE ? 1 : 0);
}

/** Successes among n Bernoulli(p) draws taken one by one (the literal procedure). */
export function bernoulliCount(source: BitStream): (n: number, p: number) => number {
  return (n, p) => {
    const threshold = p * U24_SCALE;
    let successes = 0;
    for (let i = 0; i < n; i++) if (source.nextU24() < threshold) successes++;
    return successes;
  };
}
