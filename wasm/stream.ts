/**
 * Per-lane stream cursors: the counter-based stream of src/rng/streams.ts (PhiloxStream), one
 * per lane. Uniform i of (chain, generation, tag) is word i mod 4 of the block at counter
 * (chain, generation, ⌊i/4⌋, tag), shifted right by 8 bits.
 *
 * A cursor is CURSOR_BYTES at cursorBase + lane·CURSOR_BYTES:
 *   0 chain · 4 generation · 8 tag · 12 position (the next word's index) · 16…31 the words of
 *   a cached block · 32 that block's index + 1 (0: none cached).
 */
import { philox, philox4x, word0, word1, word2, word3, lanes0, lanes1, lanes2, lanes3 } from './philox';

export const CURSOR_BYTES: usize = 48;

let cursorBase: usize = 0;

export function setCursorBase(pointer: usize): void {
  cursorBase = pointer;
}

@inline
export function cursorOf(lane: u32): usize {
  return cursorBase + <usize>lane * CURSOR_BYTES;
}

/** Points every listed lane's stream at uniform 0 of (its chain, generation, tag). */
export function openStreams(lanes: usize, count: i32, generation: u32, tag: u32): void {
  for (let k = 0; k < count; k++) {
    const cursor = cursorOf(load<u32>(lanes + (<usize>k << 2)));
    store<u32>(cursor, generation, 4);
    store<u32>(cursor, tag, 8);
    store<u32>(cursor, 0, 12);
    store<u32>(cursor, 0, 32);
  }
}

/** The four SIMD results of philox4x, stored once so that each lane's words can be picked out. */
const SCRATCH = memory.data(64);

/** Lane j's four words (stored in SCRATCH) into `cursor`'s cache, as block 0. */
@inline
function cacheLane(cursor: usize, j: usize): void {
  const at = SCRATCH + (j << 2);
  store<u32>(cursor, load<u32>(at), 16);
  store<u32>(cursor, load<u32>(at, 16), 20);
  store<u32>(cursor, load<u32>(at, 32), 24);
  store<u32>(cursor, load<u32>(at, 48), 28);
  store<u32>(cursor, 1, 32);
}

/**
 * Block 0 of every listed lane's stream, four lanes (four chains) per SIMD Philox call, into
 * their caches: for samplers that take a few draws per lane, most of them from block 0.
 */
export function prefetchFirstBlocks(lanes: usize, count: i32): void {
  for (let k = 0; k + 4 <= count; k += 4) {
    const a = cursorOf(load<u32>(lanes + (<usize>k << 2)));
    const b = cursorOf(load<u32>(lanes + (<usize>(k + 1) << 2)));
    const c = cursorOf(load<u32>(lanes + (<usize>(k + 2) << 2)));
    const d = cursorOf(load<u32>(lanes + (<usize>(k + 3) << 2)));
    philox4x(load<u32>(a), load<u32>(b), load<u32>(c), load<u32>(d), load<u32>(a, 4), load<u32>(a, 8));
    v128.store(SCRATCH, lanes0);
    v128.store(SCRATCH, lanes1, 16);
    v128.store(SCRATCH, lanes2, 32);
    v128.store(SCRATCH, lanes3, 48);
    cacheLane(a, 0);
    cacheLane(b, 1);
    cacheLane(c, 2);
    cacheLane(d, 3);
  }
}

/** Loads the block holding word `position` into the cursor's cache. */
export function loadBlock(cursor: usize, position: u32): void {
  const block = position >>> 2;
  philox(load<u32>(cursor), load<u32>(cursor, 4), block, load<u32>(cursor, 8));
  store<u32>(cursor, word0, 16);
  store<u32>(cursor, word1, 20);
  store<u32>(cursor, word2, 24);
  store<u32>(cursor, word3, 28);
  store<u32>(cursor, block + 1, 32);
}

/** The next whole word of the lane's stream (as PhiloxStream.nextWord). */
@inline
export function nextWord(cursor: usize): u32 {
  const position = load<u32>(cursor, 12);
  if (load<u32>(cursor, 32) != (position >>> 2) + 1) loadBlock(cursor, position);
  store<u32>(cursor, position + 1, 12);
  return load<u32>(cursor + 16 + (<usize>(position & 3) << 2));
}

/** The next 24-bit uniform of the lane's stream (as PhiloxStream.nextU24). */
@inline
export function nextU24(cursor: usize): u32 {
  return nextWord(cursor) >>> 8;
}

/** The tag of a stream's tie stream is its own plus this (src/rng/streams.ts TIE_TAG_OFFSET). */
const TIE_TAG_OFFSET: u32 = 2;

/**
 * 16 tie bits for byte `byteIndex` of the lane's stream: the top half of word byteIndex mod 4
 * of the block (chain, generation, ⌊byteIndex/4⌋, tag + 2) (PhiloxStream.tieBits).
 */
export function tieBits(cursor: usize, byteIndex: u32): u32 {
  philox(load<u32>(cursor), load<u32>(cursor, 4), byteIndex >>> 2, load<u32>(cursor, 8) + TIE_TAG_OFFSET);
  const j = byteIndex & 3;
  return (j == 0 ? word0 : j == 1 ? word1 : j == 2 ? word2 : word3) >>> 16;
}

const INV_U24: f64 = 1.0 / 16777216.0;

/** A uniform on [0, 1) (src/rng/uniform.ts unit). */
@inline
export function unit(cursor: usize): f64 {
  return <f64>nextU24(cursor) * INV_U24;
}

/** A uniform on (0, 1): the midpoint of its 2^-24 cell (src/rng/uniform.ts openUnit). */
@inline
export function openUnit(cursor: usize): f64 {
  return (<f64>nextU24(cursor) + 0.5) * INV_U24;
}
