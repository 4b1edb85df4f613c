/**
 * Philox4x32-10 (Salmon et al., SC 2011; Random123's philox.h), as src/rng/philox.ts, with real
 * 64-bit products: one block at a time, and four blocks at once in 128-bit SIMD (one block per
 * lane). Counter = (chain, generation, block, tag), key = the run's two key words.
 */

const M0: u32 = 0xd2511f53;
const M1: u32 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

let key0: u32 = 0;
let key1: u32 = 0;

export function setKey(k0: u32, k1: u32): void {
  key0 = k0;
  key1 = k1;
}

/** The four output words of the last `philox` call. */
export let word0: u32 = 0;
export let word1: u32 = 0;
export let word2: u32 = 0;
export let word3: u32 = 0;

/** One block: sets word0 … word3. The rounds work in locals (globals are slow to update). */
export function philox(c0: u32, c1: u32, c2: u32, c3: u32): void {
  let k0 = key0;
  let k1 = key1;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    const p0: u64 = <u64>M0 * <u64>c0;
    const p1: u64 = <u64>M1 * <u64>c2;
    const n0 = (<u32>(p1 >>> 32)) ^ c1 ^ k0;
    const n2 = (<u32>(p0 >>> 32)) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
  }
  word0 = c0;
  word1 = c1;
  word2 = c2;
  word3 = c3;
}

/** The four output words of the last `philox4` call: lane j of vector w is word w of block + j. */
export let lanes0: v128 = i32x4.splat(0);
export let lanes1: v128 = i32x4.splat(0);
export let lanes2: v128 = i32x4.splat(0);
export let lanes3: v128 = i32x4.splat(0);

/** High words of the four lane products a·m (unsigned 32 × 32 → 64). */
@inline
function mulhi4(a: v128, m: v128): v128 {
  const low = i64x2.extmul_low_i32x4_u(a, m);
  const high = i64x2.extmul_high_i32x4_u(a, m);
  return i32x4.shuffle(low, high, 1, 3, 5, 7);
}

/** Blocks (chain, generation, block + j, tag), j = 0 … 3, one per SIMD lane: sets lanes0 … lanes3. */
export function philox4(chain: u32, generation: u32, block: u32, tag: u32): void {
  rounds4(i32x4.splat(chain), i32x4.splat(generation), i32x4.add(i32x4.splat(block), i32x4(0, 1, 2, 3)), i32x4.splat(tag));
}

/** Block 0 of four chains' streams at (generation, tag), one chain per SIMD lane: sets lanes0 … lanes3. */
export function philox4x(chainA: u32, chainB: u32, chainC: u32, chainD: u32, generation: u32, tag: u32): void {
  rounds4(i32x4(chainA, chainB, chainC, chainD), i32x4.splat(generation), i32x4.splat(0), i32x4.splat(tag));
}

@inline
function rounds4(c0: v128, c1: v128, c2: v128, c3: v128): void {
  const m0 = i32x4.splat(M0);
  const m1 = i32x4.splat(M1);
  let k0 = key0;
  let k1 = key1;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    const hi0 = mulhi4(c0, m0);
    const lo0 = i32x4.mul(c0, m0);
    const hi1 = mulhi4(c2, m1);
    const lo1 = i32x4.mul(c2, m1);
    c0 = v128.xor(v128.xor(hi1, c1), i32x4.splat(k0));
    c1 = lo1;
    c2 = v128.xor(v128.xor(hi0, c3), i32x4.splat(k1));
    c3 = lo0;
  }
  lanes0 = c0;
  lanes1 = c1;
  lanes2 = c2;
  lanes3 = c3;
}
