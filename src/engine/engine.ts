import type { RunSpec } from '../spec/run-spec.js';
import type { ChainBatch, Progress } from './batch.js';

export interface EngineRunOptions {
  /** Called now and then while the run is under way. */
  readonly onProgress?: (progress: Progress) => void;
  /** Aborting stops the run between chains with an InterruptedError (or the signal's reason). */
  readonly signal?: AbortSignal;
}

/**
 * An engine turns a RunSpec into ChainBatches, in chain order, covering chains
 * 0 .. spec.chains − 1. Engines differ in speed, never in semantics: every draw is
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
