import type { BitStream } from '../streams.js';
import { openUnit, unit } from '../uniform.js';
import { stirlingTail } from '../../math/special.js';

import { INVERSION_LIMIT } from '../../constants.js';

/** Below this n·min(p, 1−p), inversion beats rejection (see src/constants.ts for the value). */
export const BINOMIAL_INVERSION_LIMIT = INVERSION_LIMIT;

/**
 * Binomial(n, p). Works with q = min(p, 1 − p) (and reflects), so the absorbing end
 * k = 0 (or k = n) is always the well-resolved head of the distribution. Sequential
 * inversion for n·q below about 10; above, Hörmann's BTRS ("The generation of binomial random
 * variates", J. Statist. Comput. Simul. 46, 1993), as in TensorFlow and JAX.
 */
export function binomial(source: BitStream): (n: number, p: number) => number {
  return (n, p) => {
    if (n <= 0 || !(p > 0)) return 0;
    if (p >= 1) return n;
    const reflected = p > 0.5;
    const q = reflected ? 1 - p : p;
    const k = n * q < BINOMIAL_INVERSION_LIMIT ? inversion(source, n, q) : transformedRejection(source, n, q);
    return reflected ? n - k : k;
  };
}

function inversion(source: BitStream, n: number, p: number): number {
  const u = unit(source);
  const oddsRatio = p / (1 - p);
  let k = 0;
  let probability = Math.exp(n * Math.log1p(-p));
  let cumulative = probability;
  while (u >= cumulative && k < n) {
    probability *= ((n - k) / (k + 1)) * oddsRatio;
    k++;
    cumulative += probability;
  }
  return k;
}

function transformedRejection(source: BitStream, n: number, p: number): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vR = 0.92 - 4.2 / b;
  const r = p / q;
  const alpha = (2.83 + 5.1 / b) * spq;
  const mode = Math.floor((n + 1) * p);
  for (;;) {
    const u = openUnit(source) - 0.5;
    let v = openUnit(source);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vR) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (mode + 0.5) * Math.log((mode + 1) / (r * (n - mode + 1))) +
      (n + 1) * Math.log((n - mode + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(mode) +
      stirlingTail(n - mode) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
}
