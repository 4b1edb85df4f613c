import seedrandom from 'seedrandom';
import { philox4x32, PHILOX_ROUNDS } from './philox.js';
import { keyFromSeed, type PhiloxKey } from './keys.js';

/**
 * A source of random bits, as NumPy's BitGenerator: it knows nothing about
 * distributions. Every distribution in ./distributions takes one of these.
 */
export interface BitStream {
  /** A uniformly random integer in [0, 2^24): exactly representable in float32 (word >>> 8). */
  nextU24(): number;
  /** The next whole 32-bit word, unsigned: what nextU24 would have shifted. Byte-wise decisions read these. */
  nextWord(): number;
  /** The index of the word nextWord (or nextU24) reads next. */
  wordIndex(): number;
  /**
   * 16 fresh random bits that settle a tie at byte `byteIndex` of this stream (see
   * distributions/bernoulli.ts): a pure function of that address where the stream is counter-based.
   */
  tieBits(byteIndex: number): number;
}

/**
 * What a run of draws is for. The tag is the fourth counter word, so the data a
 * chain generates and the ground-truth data it receives never share draws.
 */
export const StreamTag = {
  Synthetic: 0,
  GroundTruth: 1,
} as const;

/** A tie stream's tag is its stream's tag plus this: 2 for Synthetic, 3 for GroundTruth. */
export const TIE_TAG_OFFSET = 2;

/**
 * The version of the stream layout, recorded in every output's provenance: 2 since
 * Bernoulli-type decisions read a byte of a word and break ties from a separate stream
 * (distributions/bernoulli.ts); 1 read a 24-bit uniform per decision.
 */
export const STREAM_VERSION = 2;
export type StreamTag = (typeof StreamTag)[keyof typeof StreamTag];

/** A bit stream that can be pointed at the draws of one (chain, generation, tag). */
export interface AddressableStream extends BitStream {
  /** Start the draws of `chain` in `generation` for purpose `tag`, from draw 0. */
  reset(chain: number, generation: number, tag: StreamTag): void;
}

export type RngKind = 'philox' | 'seedrandom';
export const RNG_KINDS: readonly RngKind[] = ['philox', 'seedrandom'];

/**
 * Counter-based stream: word i of (chain, generation, tag) is word i mod 4 of
 * Philox4x32-10 at counter (chain, generation, floor(i / 4), tag); a 24-bit draw is that
 * word shifted right by 8 bits. The tie bits of byte b are the top 16 bits of word b mod 4
 * at counter (chain, generation, floor(b / 4), tag + TIE_TAG_OFFSET). Pure functions of their
 * address, so independent of batching and backend.
 */
export class PhiloxStream implements AddressableStream {
  private readonly counter = new Uint32Array(4);
  private readonly words = new Uint32Array(4);
  private readonly tieCounter = new Uint32Array(4);
  private readonly tieWords = new Uint32Array(4);
  private index = 0;

  constructor(private readonly key: PhiloxKey) {}

  reset(chain: number, generation: number, tag: StreamTag): void {
    this.counter[0] = chain;
    this.counter[1] = generation;
    this.counter[3] = tag;
    this.index = 0;
  }

  nextWord(): number {
    const lane = this.index & 3;
    if (lane === 0) {
      this.counter[2] = this.index / 4;
      philox4x32(this.counter, this.key, PHILOX_ROUNDS, this.words);
    }
    this.index++;
    return this.words[lane];
  }

  nextU24(): number {
    return this.nextWord() >>> 8;
  }

  wordIndex(): number {
    return this.index;
  }

  tieBits(byteIndex: number): number {
    this.tieCounter[0] = this.counter[0];
    this.tieCounter[1] = this.counter[1];
    this.tieCounter[2] = Math.floor(byteIndex / 4);
    this.tieCounter[3] = this.counter[3] + TIE_TAG_OFFSET;
    philox4x32(this.tieCounter, this.key, PHILOX_ROUNDS, this.tieWords);
    return this.tieWords[byteIndex & 3] >>> 16;
  }
}

/**
 * seedrandom's xor4096 (Brent's xorgens), one generator per chain seeded from
 * (seed, chain). Sequential, not counter-based: within a chain, draws are taken in
 * the order the chain consumes them, which is the same on every run. It exists as an
 * independent generator, to show results do not depend on Philox.
 */
export class Xor4096Stream implements AddressableStream {
  private generator: seedrandom.PRNG | null = null;
  private chain = -1;
  private lastGeneration = -1;

  constructor(private readonly seed: string) {}

  reset(chain: number, generation: number, _tag: StreamTag): void {
    if (chain !== this.chain) {
      this.generator = seedrandom.xor4096(`${this.seed}\u0000chain\u0000${chain}`);
      this.chain = chain;
      this.lastGeneration = -1;
    }
    if (generation < this.lastGeneration) {
      // A sequential generator cannot go back: catching this keeps results honest.
      throw new Error(`xor4096 stream of chain ${chain} asked for generation ${generation} after ${this.lastGeneration}`);
    }
    this.lastGeneration = generation;
    this.words = 0;
  }

  private words = 0;

  nextWord(): number {
    if (this.generator === null) throw new Error('xor4096 stream used before reset()');
    this.words++;
    return this.generator.int32() >>> 0;
  }

  nextU24(): number {
    return this.nextWord() >>> 8;
  }

  wordIndex(): number {
    return this.words;
  }

  /** Sequential: the next word's top 16 bits (this generator has no addresses). */
  tieBits(_byteIndex: number): number {
    return this.nextWord() >>> 16;
  }
}

/** Everything needed to open streams: the seed, its key, and which generator. */
export interface RandomnessSpec {
  readonly kind: RngKind;
  readonly seed: string;
}

export function openStream(spec: RandomnessSpec): AddressableStream {
  return spec.kind === 'philox' ? new PhiloxStream(keyFromSeed(spec.seed)) : new Xor4096Stream(spec.seed);
}
