import type { BitStream } from '../streams.js';
import { openUnit } from '../uniform.js';

/** Standard exponential (rate 1) by inversion: −ln u with u on (0, 1). */
export function exponential(source: BitStream): () => number {
  return () => -Math.log(openUnit(source));
}
