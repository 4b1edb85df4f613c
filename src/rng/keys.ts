import seedrandom from 'seedrandom';

/** A 64-bit Philox key as two uint32 words. Keys are values: never global state. */
export type PhiloxKey = readonly [number, number];

/**
 * Turns the user's seed into a Philox key, as JAX turns a seed into a key.
 *
 * The seed is read as text (so `--seed 0` on the command line and `"seed": 0` in a
 * config file are the same seed) and fed to seedrandom's ARC4 generator, which
 * accepts any string; its first two 32-bit outputs are the key.
 */
export function keyFromSeed(seed: string | number): PhiloxKey {
  const arc4 = seedrandom(String(seed));
  const word0 = arc4.int32() >>> 0;
  const word1 = arc4.int32() >>> 0;
  return [word0, word1];
}

/** The key as 16 hex digits, for provenance. */
export function keyToHex(key: PhiloxKey): string {
  return key.map((word) => word.toString(16).padStart(8, '0')).join('');
}
