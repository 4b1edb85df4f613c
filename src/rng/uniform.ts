import type { BitStream } from './streams.js';

/** 2^24: the number of distinct 24-bit uniforms. */
export const U24_SCALE = 16777216;
const INV_U24 = 1 / U24_SCALE;

/** A uniform on [0, 1) with 24 random bits (exact in float32 and float64). */
export function unit(source: BitStream): number {
  return source.nextU24() * INV_U24;
}

/**
 * A uniform on the open interval (0, 1): the midpoint of its 2^-24 cell. Used wherever
 * a logarithm or a division by the uniform must never see 0 or 1.
 */
export function openUnit(source: BitStream): number {
  return (source.nextU24() + 0.5) * INV_U24;
}
