/**
 * The Node side of running kernels: a pool of worker threads for the backends gpu.js runs on
 * one core (cpu, webasm), each worker holding its own copy of the kernel (./kernel-worker.ts),
 * and the in-thread runner (./kernel-runner.ts) for the others.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import './kernel-bytecode-limit.js';
import type { GpuBackendName } from './names.js';
import { compiledScript } from '../../package-files.js';
import { throwIfAborted } from '../pacing.js';
import { InThreadRunner, type KernelRecipe, type KernelRunner, type KernelRunnerFactory } from './kernel-runner.js';

/** Backends gpu.js runs on one CPU core: the engine spreads their chains over worker threads. */
const THREADED_BACKENDS: readonly string[] = ['cpu', 'webasm'] satisfies readonly GpuBackendName[];

/** The CLI's runners: a worker pool for cpu and webasm, this thread for the rest. */
export const nodeKernelRunners: KernelRunnerFactory = (recipe, gpu) =>
  THREADED_BACKENDS.includes(recipe.backend) ? WorkerPoolRunner.create(recipe) : InThreadRunner.create(gpu, recipe);

interface WorkerReply {
  readonly id: number;
  readonly output?: Float32Array;
  readonly error?: string;
  readonly mode?: string;
}

/** A pool of worker threads, each with its own gpu.js instance and kernel. */
export class WorkerPoolRunner implements KernelRunner {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(reply: WorkerReply): void }>();

  private constructor(
    private readonly workers: Worker[],
    private readonly inputWidth: number,
  ) {
    for (const worker of workers) {
      worker.on('message', (reply: WorkerReply) => {
        const waiting = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        waiting?.resolve(reply);
      });
      worker.on('error', (error) => {
        for (const [, waiting] of this.pending) waiting.resolve({ id: -1, error: error.message });
        this.pending.clear();
      });
    }
  }

  static async create(recipe: KernelRecipe, threads = Math.max(1, Math.min(16, availableParallelism()))): Promise<WorkerPoolRunner> {
    const script = compiledScript('src/engine/gpu/kernel-worker.js');
    const pool = new WorkerPoolRunner(
      Array.from({ length: threads }, () => new Worker(script)),
      recipe.inputWidth,
    );
    await Promise.all(pool.workers.map((worker) => pool.request(worker, { type: 'init', recipe })));
    return pool;
  }

  private request(worker: Worker, message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (reply) => (reply.error !== undefined ? reject(new Error(reply.error)) : resolve(reply)),
      });
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** Splits the chains evenly over the workers (each pads its own share). */
  async run(packed: Float32Array, n: number, generations: number, signal?: AbortSignal): Promise<Float32Array> {
    const slices = Math.max(1, Math.min(this.workers.length, n));
    const size = Math.ceil(n / slices);
    const replies = await Promise.all(
      Array.from({ length: slices }, (_, s) => {
        const from = Math.min(n, s * size);
        const to = Math.min(n, from + size);
        const part = packed.slice(from * this.inputWidth, to * this.inputWidth);
        return this.request(this.workers[s], { type: 'run', packed: part, n: to - from, generations }, [part.buffer]);
      }),
    );
    const output = new Float32Array(n * 4);
    replies.forEach((reply, s) => output.set(reply.output!, Math.min(n, s * size) * 4));
    throwIfAborted(signal);
    return output;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

