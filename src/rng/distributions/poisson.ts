import type { BitStream } from '../streams.js';
import { openUnit, unit } from '../uniform.js';
import { logFactorial } from '../../math/special.js';

import { INVERSION_LIMIT } from '../../constants.js';

/** Below this mean, inversion (about mean + 1 comparisons) beats rejection (see src/constants.ts). */
export const POISSON_INVERSION_LIMIT = INVERSION_LIMIT;

/**
 * Poisson(mean): sequential inversion for mean below about 10; above, Hörmann's PTRS transformed
 * rejection ("The transformed rejection method for generating Poisson random
 * variables", Insurance: Mathematics and Economics 12, 1993), as in TensorFlow and JAX.
 */
export function poisson(source: BitStream): (mean: number) => number {
  return (mean) => {
    if (!(mean > 0)) return 0;
    return mean < POISSON_INVERSION_LIMIT ? inversion(source, mean) : transformedRejection(source, mean);
  };
}

function inversion(source: BitStream, mean: number): number {
  const u = unit(source);
  let k = 0;
  let probability = Math.exp(-mean);
  let cumulative = probability;
  // The bound only guards against a CDF that rounding keeps below u; it is never reached in practice.
  const bound = mean + 60 * Math.sqrt(mean) + 60;
  while (u >= cumulative && k < bound) {
    k++;
    probability *= mean / k;
    cumulative += probability;
  }
  return k;
}

function transformedRejection(source: BitStream, mean: number): number {
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * Math.sqrt(mean);
  const a = -0.059 + 0.02483 * b;
  const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vR = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = openUnit(source) - 0.5;
    const v = openUnit(source);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (k < 0) continue;
    if (us >= 0.07 && v <= vR) return k;
    if (us < 0.013 && v > us) continue;
    const s = Math.log((v * inverseAlpha) / (a / (us * us) + b));
    const t = -mean + k * logMean - logFactorial(k);
    if (s <= t) return k;
  }
}
