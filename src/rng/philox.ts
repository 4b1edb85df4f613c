/**
 * Philox4x32-R, the counter-based generator of Salmon, Moraes, Dror & Shaw,
 * "Parallel Random Numbers: As Easy as 1, 2, 3" (SC 2011), as in Random123.
 *
 * A pure function of a 128-bit counter and a 64-bit key: no state, so any draw
 * can be computed from its address alone, on any backend, in any order.
 */

/** Round multipliers and Weyl key increments, from Random123's philox.h. */
export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;

/** The round count of Philox4x32-10, the variant Random123 recommends. */
export const PHILOX_ROUNDS = 10;

/**
 * High 32 bits of the 64-bit product of two uint32 values.
 * JavaScript doubles hold 53 bits, so the product is assembled from 16-bit halves;
 * every partial sum stays below 2^34 and is exact.
 */
export function mulhi32(a: number, b: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const loLo = aLo * bLo;
  const middle = aHi * bLo + aLo * bHi + Math.floor(loLo / 65536);
  return (aHi * bHi + Math.floor(middle / 65536)) >>> 0;
}

/**
 * Philox4x32 with `rounds` rounds. Writes the four output words into `out`
 * (defaults to a fresh array) and returns it.
 */
export function philox4x32(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
  rounds: number = PHILOX_ROUNDS,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < rounds; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const hi0 = mulhi32(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulhi32(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}
