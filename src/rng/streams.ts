import seedrandom from 'seedrandom';
import { philox4x32, PHILOX_ROUNDS } from './philox.js';
import { keyFromSeed, type PhiloxKey } from './keys.js';

/**
 * A source of random bits, as NumPy's BitGenerator: it knows nothing about
 * distributions. Every distribution in ./distributions takes one of these.
 */
export interface BitStream {
  /** A uniformly random integer in [0, 2^24): exactly representable in float32. */
  nextU24(): number;
}

/**
 * What a run of draws is for. The tag is the fourth counter word, so the data a
 * chain generates and the ground-truth data it receives never share draws.
 */
export const StreamTag = {
  Synthetic: 0,
  GroundTruth: 1,
} as const;
export type StreamTag = (typeof StreamTag)[keyof typeof StreamTag];

/** A bit stream that can be pointed at the draws of one (chain, generation, tag). */
export interface AddressableStream extends BitStream {
  /** Start the draws of `chain` in `generation` for purpose `tag`, from draw 0. */
  reset(chain: number, generation: number, tag: StreamTag): void;
}

export type RngKind = 'philox' | 'seedrandom';
export const RNG_KINDS: readonly RngKind[] = ['philox', 'seedrandom'];

/**
 * Counter-based stream: draw i of (chain, generation, tag) is word i mod 4 of
 * Philox4x32-10 at counter (chain, generation, floor(i / 4), tag), shifted right by
 * 8 bits. A pure function of its address, so independent of batching and backend.
 */
export class PhiloxStream implements AddressableStream {
  private readonly counter = new Uint32Array(4);
  private readonly words = new Uint32Array(4);
  private position = 4;

  constructor(private readonly key: PhiloxKey) {}

  reset(chain: number, generation: number, tag: StreamTag): void {
    this.counter[0] = chain;
    this.counter[1] = generation;
    this.counter[2] = 0;
    this.counter[3] = tag;
    this.position = 4;
  }

  nextU24(): number {
    if (this.position === 4) {
      philox4x32(this.counter, this.key, PHILOX_ROUNDS, this.words);
      this.counter[2] = this.counter[2] + 1;
      this.position = 0;
    }
    return this.words[this.position++] >>> 8;
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
  }

  nextU24(): number {
    if (this.generator === null) throw new Error('xor4096 stream used before reset()');
    return this.generator.int32() >>> 8;
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
