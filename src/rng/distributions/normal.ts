import type { BitStream } from '../streams.js';
import { openUnit, unit } from '../uniform.js';

/** 2π, as every engine's normal sampler uses it. */
export const TWO_PI = 2 * Math.PI;

/**
 * Standard normal by the Box–Muller transform, cosine branch only: two uniforms per
 * normal, no cached spare, so a draw depends only on its own two uniforms. With 24-bit
 * uniforms |z| ≤ 5.9 (the mass beyond, 4e-9, is not drawn).
 */
export function normal(source: BitStream): () => number {
  return () => {
    const radius = Math.sqrt(-2 * Math.log(openUnit(source)));
    return radius * Math.cos(TWO_PI * unit(source));
  };
}
