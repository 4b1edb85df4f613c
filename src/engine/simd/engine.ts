/**
 * The WebAssembly engine (`--backend simd`): the reference path's generation loop and family
 * code in every worker thread (one per core), with the family samplers drawing through a
 * WasmGenerator — 64-bit Philox, SIMD where draws are independent, thousands of lanes per call.
 * A batch's chains are handed out to the workers in blocks as they become free; each worker
 * writes its chains' rows straight into the batch's shared columns, so a chain's row depends
 * only on (seed, chain), never on which worker ran it or when.
 */
import { availableParallelism, cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createFamilyModel } from '../reference.js';
import { InterruptedError } from '../../spec/errors.js';
import { chainRangeOf, type RunSpec } from '../../spec/run-spec.js';
import { concatTrajectories, type ChainBatch } from '../batch.js';
import { firstBatchStart, type Engine, type EngineRunOptions } from '../engine.js';
import { compiledScript } from '../../package-files.js';
import { wasmGeneratorStatus } from '../../rng/wasm-generator.js';
import type { SharedColumns, SimdReply, SimdTask } from './protocol.js';

/** Progress is reported this often while workers run. */
const PROGRESS_INTERVAL_MS = 200;
/** Blocks per worker a batch is cut into, so that a slow block does not leave cores idle. */
const BLOCKS_PER_WORKER = 4;

/** Whether the engine can run here, or why not. */
export function simdStatus(): { available: true } | { available: false; reason: string } {
  const status = wasmGeneratorStatus();
  if (!status.available) return { available: false, reason: `WebAssembly SIMD module did not compile: ${status.reason}` };
  return status;
}

/** The worker threads the engine starts: one per core. */
export function simdThreads(): number {
  return Math.max(1, Math.min(64, availableParallelism()));
}

export function simdDevice(threads = simdThreads()): string {
  const model = cpus()[0]?.model.trim() || 'CPU';
  return `WebAssembly SIMD on ${threads} thread${threads === 1 ? '' : 's'} (${model})`;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly slot: number;
  waiting: { resolve(reply: SimdReply): void; reject(error: Error): void } | null;
  exited: boolean;
}

export class SimdEngine implements Engine {
  readonly backend = 'simd';
  readonly device: string;

  private constructor(private readonly slots: WorkerSlot[]) {
    this.device = simdDevice(slots.length);
  }

  static async open(threads = simdThreads()): Promise<SimdEngine> {
    const script = compiledScript('src/engine/simd/worker.js');
    const slots: WorkerSlot[] = Array.from({ length: threads }, (_, slot) => ({ worker: new Worker(script), slot, waiting: null, exited: false }));
    for (const entry of slots) {
      entry.worker.on('message', (reply: SimdReply) => {
        const waiting = entry.waiting;
        entry.waiting = null;
        waiting?.resolve(reply);
      });
      // A worker that failed or exited cannot be asked again: what waits on it fails.
      entry.worker.on('error', (error) => {
        const waiting = entry.waiting;
        entry.waiting = null;
        waiting?.reject(new Error(`a simd worker failed: ${error.message}`));
      });
      entry.worker.on('exit', (code) => {
        entry.exited = true;
        const waiting = entry.waiting;
        entry.waiting = null;
        waiting?.reject(new Error(`a simd worker exited (code ${code})`));
      });
    }
    return new SimdEngine(slots);
  }

  async *run(spec: RunSpec, options: EngineRunOptions = {}): AsyncGenerator<ChainBatch> {
    if (spec.rng !== 'philox') throw new Error('the simd engine draws from the counter-based Philox stream only');
    const model = createFamilyModel(spec);
    const control = new SharedArrayBuffer(4);
    const flag = new Int32Array(control);
    const progressBuffer = new SharedArrayBuffer(8 * this.slots.length);
    const progress = new Float64Array(progressBuffer);
    const stop = (): void => {
      Atomics.store(flag, 0, 1);
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    let chainsDone = 0;
    let nextId = 0;
    try {
      const range = chainRangeOf(spec); // the ensemble, or this shard's block of it
      for (let first = firstBatchStart(spec, options); first < range.end; first += spec.batchSize) {
        const count = Math.min(spec.batchSize, range.end - first);
        const columns: SharedColumns = {
          collapseTime: new SharedArrayBuffer(4 * count),
          outcome: new SharedArrayBuffer(8 * count),
          absorbedTime: new SharedArrayBuffer(4 * count),
          collapsedGenerations: new SharedArrayBuffer(4 * count),
          eventTimes: model.events.map(() => new SharedArrayBuffer(4 * count)),
          finals: model.finalColumns.map(() => new SharedArrayBuffer(8 * count)),
        };
        const blockSize = Math.max(1, Math.ceil(count / (BLOCKS_PER_WORKER * this.slots.length)));
        const blocks: { first: number; count: number }[] = [];
        for (let at = 0; at < count; at += blockSize) blocks.push({ first: first + at, count: Math.min(blockSize, count - at) });
        const replies: { first: number; reply: SimdReply }[] = [];
        let nextBlock = 0;
        const timer = setInterval(() => {
          options.onProgress?.({ chainsDone, chainGenerations: progress.reduce((a, b) => a + b, 0) });
        }, PROGRESS_INTERVAL_MS);
        let settled: PromiseSettledResult<void>[];
        try {
          // Each worker takes the next block when it finishes one; a failure stops them all.
          settled = await Promise.allSettled(
            this.slots.map(async (entry) => {
              while (nextBlock < blocks.length && Atomics.load(flag, 0) === 0) {
                const block = blocks[nextBlock++];
                const task: SimdTask = { id: nextId++, spec, first: block.first, count: block.count, batchFirst: first, columns, control, progress: progressBuffer, slot: entry.slot };
                const reply = await this.request(entry, task);
                if (reply.error !== undefined) {
                  stop();
                  throw new Error(reply.error);
                }
                if (!reply.interrupted) replies.push({ first: block.first, reply });
              }
            }),
          );
        } finally {
          clearInterval(timer);
        }
        const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
        if (failure !== undefined) throw failure.reason;
        if (Atomics.load(flag, 0) !== 0) throw options.signal?.reason ?? new InterruptedError('SIGINT');
        replies.sort((a, b) => a.first - b.first);
        chainsDone += count;
        options.onProgress?.({ chainsDone, chainGenerations: progress.reduce((a, b) => a + b, 0) });
        yield {
          firstChain: first,
          count,
          // Copies into ordinary (unshared) buffers: the writers and summaries keep them.
          collapseTime: new Int32Array(columns.collapseTime).slice(),
          outcome: new Float64Array(columns.outcome).slice(),
          absorbedTime: new Int32Array(columns.absorbedTime).slice(),
          collapsedGenerations: new Int32Array(columns.collapsedGenerations).slice(),
          eventTimes: columns.eventTimes.map((buffer) => new Int32Array(buffer).slice()),
          finals: columns.finals.map((buffer) => new Float64Array(buffer).slice()),
          chainGenerations: replies.reduce((sum, { reply }) => sum + reply.chainGenerations, 0),
          // The blocks' trajectory rows, in block (hence chain) order.
          trajectory: concatTrajectories(replies.map(({ reply }) => reply.trajectory)),
        };
        if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  }

  private request(entry: WorkerSlot, task: SimdTask): Promise<SimdReply> {
    if (entry.exited) return Promise.reject(new Error('the simd engine was closed'));
    return new Promise((resolve, reject) => {
      entry.waiting = { resolve, reject };
      entry.worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((entry) => entry.worker.terminate()));
  }
}
