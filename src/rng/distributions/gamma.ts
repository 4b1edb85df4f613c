import type { BitStream } from '../streams.js';
import { openUnit } from '../uniform.js';
import { normal } from './normal.js';

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (ACM TOMS 26, 2000), exact rejection sampling;
 * for shape < 1 the boost Gamma(shape + 1)·U^{1/shape}.
 */
export function gamma(source: BitStream): (shape: number) => number {
  const standardNormal = normal(source);
  const atLeastOne = (shape: number): number => {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = standardNormal();
      const cube = 1 + c * z;
      if (cube <= 0) continue;
      const v = cube * cube * cube;
      const u = openUnit(source);
      const zz = z * z;
      if (u < 1 - 0.0331 * zz * zz) return d * v;
      if (Math.log(u) < 0.5 * zz + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  return (shape) => {
    if (shape >= 1) return atLeastOne(shape);
    const boosted = atLeastOne(shape + 1);
    return boosted * Math.pow(openUnit(source), 1 / shape);
  };
}
