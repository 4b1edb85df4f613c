/**
 * What the benchmark harness and its measuring processes say to each other. Every engine
 * and every peer is measured in a process of its own, so each one's peak resident memory
 * is its own and a crash or hang in one never takes the others down.
 */
import type { RawOptions } from '../spec/parse.js';

/** The first message to an engine process: what to open and which configuration to run. */
export interface EngineOpenRequest {
  readonly engine: string;
  /** Run flags as `--config` keys (family, samples, mode, generations, …); chains and seed come per measurement. */
  readonly options: RawOptions;
}

/** One timed run: `chains` chains of the opened configuration. */
export interface MeasureRequest {
  readonly chains: number;
  readonly seed: string;
}

/** The answer to EngineOpenRequest, after a warm-up run (kernel compilation, worker start). */
export interface OpenedReply {
  readonly device: string;
  readonly warmUpSeconds: number;
}

export interface TimingReply {
  /** Wall-clock seconds of the simulation alone (no process start, no imports). */
  readonly seconds: number;
  /** Generations simulated, summed over chains (a chain stops when it collapses). */
  readonly chainGenerations: number;
  /** The process's peak resident set so far, bytes. */
  readonly peakRssBytes: number;
  /**
   * For the engine `auto` only: the engine it resolved to for this run (as `collapse-sim run`
   * resolves it, the ensemble size included), that engine's device, and where it computes.
   */
  readonly chose?: { readonly backend: string; readonly device: string; readonly processor: 'cpu' | 'gpu' };
}

export type WorkerMessage = { readonly ok: OpenedReply | TimingReply } | { readonly error: string };
