import type { BitStream } from '../streams.js';
import { U24_SCALE } from '../uniform.js';

/**
 * Bernoulli decisions, "is u < p?" for a 24-bit uniform u, with as few random bits as the
 * answer needs. The threshold T = ⌈p·2^24⌉ (u < p·2^24 exactly when u < T for integer u) is
 * split into its top 8 bits H and low 16 bits L. A decision reads one byte b of the stream —
 * byte j of a word is bits 8j … 8j + 7, low byte first, and consecutive decisions take
 * consecutive bytes of consecutive words — and is a success when b < H, a failure when b > H;
 * only on a tie (b = H, one time in 256) does it take 16 more bits r, from the tie stream at
 * that byte's address, and succeed when r < L. With u = b·2^16 + r this is exactly u < T, the
 * same law as a full 24-bit uniform per decision, at a quarter of the Philox blocks.
 *
 * For p = k/n (every maximum-likelihood fit of counts) with n < 2^29, float64 computes p·2^24
 * accurately enough that T is the exact integer ⌈k·2^24/n⌉, which a float32 GPU kernel can
 * reproduce bit for bit.
 */
export function bernoulliThreshold(p: number): number {
  if (!(p > 0)) return 0;
  if (p >= 1) return U24_SCALE;
  return Math.ceil(p * U24_SCALE);
}

/**
 * A run of byte-wise decisions on a stream: `start` begins at the stream's next word, each
 * `next(threshold)` takes the next byte. A run ends on a word boundary (the next draw of any
 * kind starts with a fresh word).
 */
export class BernoulliDecisions {
  private firstByte = 0;
  private taken = 0;
  private word = 0;

  constructor(private readonly source: BitStream) {}

  start(): void {
    this.firstByte = this.source.wordIndex() * 4;
    this.taken = 0;
  }

  /** Whether the next decision succeeds against an integer threshold T in [0, 2^24]. */
  next(threshold: number): boolean {
    const j = this.taken & 3;
    if (j === 0) this.word = this.source.nextWord();
    const byte = (this.word >>> (8 * j)) & 255;
    const high = threshold >>> 16;
    const decided = byte !== high ? byte < high : (threshold & 0xffff) > 0 && this.source.tieBits(this.firstByte + this.taken) < (threshold & 0xffff);
    this.taken++;
    return decided;
  }
}

/** Successes among n Bernoulli(p) points taken one by one (the literal procedure). */
export function bernoulliCount(source: BitStream): (n: number, p: number) => number {
  const decisions = new BernoulliDecisions(source);
  return (n, p) => {
    const threshold = bernoulliThreshold(p);
    decisions.start();
    let successes = 0;
    for (let i = 0; i < n; i++) if (decisions.next(threshold)) successes++;
    return successes;
  };
}
