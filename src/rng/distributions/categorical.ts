import type { BitStream } from '../streams.js';
import { U24_SCALE } from '../uniform.js';

/**
 * Categorical draw by inversion: the smallest j with u·total < cumulative[j]·2^24, where
 * u is a 24-bit uniform and total = cumulative[length − 1]. Categories of zero weight are
 * never drawn. With integer weights (counts) and total < 2^29 every product is exact, so
 * the draw is an integer comparison a float32 kernel can reproduce. The weights may be a row
 * of a longer array, starting at `offset` (a row of a transition matrix).
 */
export function categorical(source: BitStream): (cumulative: ArrayLike<number>, length: number, offset?: number) => number {
  return (cumulative, length, offset = 0) => {
    const target = source.nextU24() * cumulative[offset + length - 1];
    let low = 0;
    let high = length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[offset + middle] * U24_SCALE > target) high = middle;
      else low = middle + 1;
    }
    return low;
  };
}
