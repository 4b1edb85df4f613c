import { chainRangeOf, type RunSpec } from '../spec/run-spec.js';
import type { ChainBatch, Progress } from './batch.js';

export interface EngineRunOptions {
  /** Called now and then while the run is under way. */
  readonly onProgress?: (progress: Progress) => void;
  /** Aborting stops the run between chains with an InterruptedError (or the signal's reason). */
  readonly signal?: AbortSignal;
  /**
   * Start at this chain instead of the range's first (a resumed run): it must be the
   * first chain of a batch, chainRangeOf(spec).first + k · spec.batchSize.
   */
  readonly startChain?: number;
}

/** Where an engine's batches begin: the range's first chain, or a resumed run's start. */
export function firstBatchStart(spec: RunSpec, options: EngineRunOptions): number {
  const range = chainRangeOf(spec);
  const start = options.startChain ?? range.first;
  if (start < range.first || start > range.end || (start - range.first) % spec.batchSize !== 0) {
    throw new Error(`startChain ${start} is not a batch start of chains ${range.first}…${range.end - 1}`);
  }
  return start;
}

export type { Exactness } from '../families/family.js';

/**
 * An engine turns a RunSpec into ChainBatches, in chain order, covering the chains of
 * chainRangeOf(spec): 0 .. spec.chains − 1, or the shard's block of them. Engines differ in speed, never in semantics: every draw is
 * addressed by (seed, chain, generation, tag, draw index).
 */
export interface Engine {
  /** The backend that really runs (never a name it merely asked for). */
  readonly backend: string;
  /** What it runs on: "CPU (float64)", an adapter or renderer such as "llvmpipe (Mesa 25.0.7)". */
  readonly device: string;
  run(spec: RunSpec, options?: EngineRunOptions): AsyncGenerator<ChainBatch>;
  /** Releases whatever the engine holds (GPU contexts); the reference holds nothing. */
  close(): Promise<void>;
}
