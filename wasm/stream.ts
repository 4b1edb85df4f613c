/**
 * Per-lane stream cursors: the counter-based stream of src/rng/streams.ts (PhiloxStream), one
 * per lane. Uniform i of (chain, generation, tag) is word i mod 4 of the block at counter
 * (chain, generation, ⌊i/4⌋, tag), shifted right by 8 bits.
 *
 * A cursor is CURSOR_BYTES at cursorBase + lane·CURSOR_BYTES:
 *   0 chain · 4 generation · 8 tag · 12 position (the next uniform's index) · 16…31 the words
 *   of the block holding uniform position − 1 (valid while position mod 4 ≠ 0).
 */
import { philox, word0, word1, word2, word3 } from './philox';

export const CURSOR_BYTES: usize = 32;

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
  }
}

/** Loads the block holding word `position` into the cursor's cache. */
export function loadBlock(cursor: usize, position: u32): void {
  philox(load<u32>(cursor), load<u32>(cursor, 4), position >>> 2, load<u32>(cursor, 8));
  store<u32>(cursor, word0, 16);
  store<u32>(cursor, word1, 20);
  store<u32>(cursor, word2, 24);
  store<u32>(cursor, word3, 28);
}

/** The next whole word of the lane's stream (as PhiloxStream.nextWord). */
@inline
export function nextWord(cursor: usize): u32 {
  const position = load<u32>(cursor, 12);
  const lane = position & 3;
  if (lane == 0) loadBlock(cursor, position);
  store<u32>(cursor, position + 1, 12);
  return load<u32>(cursor + 16 + (<usize>lane << 2));
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
