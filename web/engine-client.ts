/**
 * The page's side of its engine workers (web/engine-worker.ts): the page's thread only
 * receives batches and draws, so shader compilation and simulation never freeze it.
 *
 * A GPU run whose kernels draw the reference path's bits (`gpuExactness` 'bit-exact': the
 * discrete families, whose rows are addressed by seed, chain, generation and draw) starts on
 * two workers at once: the CPU (the reference path) computes the first batches while the GPU
 * worker compiles its kernel, and the GPU takes the batches left once it is ready. The rows
 * are those of one engine, batch boundaries included (a GPU run from a batch start is how
 * `run --resume` continues too); the provenance names both parts (see `ranOn`).
 */
import type { ChainBatch } from '../src/engine/batch.js';
import { InterruptedError, UsageError } from '../src/spec/errors.js';
import { chainRangeOf, type RunSpec } from '../src/spec/run-spec.js';
import { gpuExactness } from '../src/engine/gpu/exactness.js';
import { gpuRouteFor } from '../src/engine/gpu/routes.js';
import { PAGE_BACKENDS, type PageBackend, type Skipped } from './backend-names.js';
import type { FromWorker, ToWorker } from './engine-protocol.js';

/** The chains one engine computed: contiguous, from a batch start. */
export interface RunPart {
  readonly backend: string;
  readonly device: string;
  readonly firstChain: number;
  readonly endChain: number;
}

/** The backend and device a file records for the parts that computed it (docs/output-schema.md). */
export function ranOn(parts: readonly RunPart[]): { backend: string; device: string } {
  if (parts.length === 1) return { backend: parts[0].backend, device: parts[0].device };
  return {
    backend: parts.map((part) => part.backend).join('+'),
    device: parts.map((part) => `${part.device} for chains ${part.firstChain}…${part.endChain - 1}`).join('; '),
  };
}

/** One engine in a worker of its own. One request at a time. */
class WorkerEngine {
  private answer: { resolve(message: FromWorker): void; reject(error: Error): void } | null = null;
  /** What the worker is doing for the page, if anything. */
  private pending: ToWorker['type'] | null = null;
  /** Whether the worker was ended (then it answers nothing more). */
  private ended = false;
  private onBatch: ((batch: ChainBatch) => void) | null = null;
  /** The current run's chain·generations: as last reported, and in batches already received. */
  private reported = 0;
  private received = 0;
  backend = '';
  device = '';
  /** Whether the engine's rows are the reference path's bits for this run. */
  exact = false;

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.settle(null, new Error(`the engine worker failed: ${event.message}`));
    };
  }

  /** Opens `backend` in a new worker, or says why it cannot run `spec` here. */
  static async open(backend: PageBackend, spec: RunSpec): Promise<WorkerEngine | string> {
    const engine = new WorkerEngine(new Worker(new URL('engine-worker.js', import.meta.url), { type: 'module', name: `collapse-sim ${backend}` }));
    const reason = await engine.reopen(backend, spec);
    if (reason === null) return engine;
    engine.worker.terminate();
    return reason;
  }

  /** Opens `backend` for another configuration in this worker; null, or why it cannot. */
  async reopen(backend: PageBackend, spec: RunSpec): Promise<string | null> {
    const opened = await this.request({ type: 'open', backend, spec });
    if (opened.type === 'unavailable') return opened.reason;
    if (opened.type !== 'opened') throw new Error(`unexpected answer ${opened.type}`);
    this.backend = opened.backend;
    this.device = opened.device;
    this.exact = opened.exact;
    return null;
  }

  /** Chain·generations simulated by the batch under way (not yet received). */
  get inFlight(): number {
    return Math.max(0, this.reported - this.received);
  }

  private receive(message: FromWorker): void {
    if (message.type === 'progress') this.reported = message.chainGenerations;
    else if (message.type === 'batch') {
      this.received += message.batch.chainGenerations;
      this.onBatch?.(message.batch);
    } else this.settle(message, null);
  }

  private settle(message: FromWorker | null, error: Error | null): void {
    const answer = this.answer;
    this.answer = null;
    this.pending = null;
    if (answer === null) return;
    if (message?.type === 'failed') {
      if (message.kind === 'interrupted') answer.reject(new InterruptedError('SIGINT', message.message));
      else answer.reject(message.kind === 'usage' ? new UsageError(message.message) : new Error(message.message));
    } else if (error !== null) answer.reject(error);
    else answer.resolve(message!);
  }

  private request(message: ToWorker): Promise<FromWorker> {
    if (this.answer !== null) throw new Error('the engine worker is busy');
    return new Promise((resolve, reject) => {
      this.answer = { resolve, reject };
      this.pending = message.type;
      this.worker.postMessage(message);
    });
  }

  /** Compiles the GPU kernel the run needs; false where the engine compiles as it runs. */
  async prepare(): Promise<boolean> {
    const answer = await this.request({ type: 'prepare' });
    return answer.type === 'prepared' && answer.compiled;
  }

  /** Runs `batches` batches from `startChain` (null: to the end), handing each to `onBatch`. */
  async run(startChain: number, batches: number | null, onBatch: (batch: ChainBatch) => void): Promise<void> {
    this.reported = this.received = 0;
    this.onBatch = onBatch;
    try {
      await this.request({ type: 'run', startChain, batches });
    } finally {
      this.onBatch = null;
      this.reported = this.received = 0;
    }
  }

  /**
   * Stops what the worker does: a run between calls (its engine sees the signal); opening or
   * compiling, which cannot be interrupted, by ending the worker.
   */
  stop(): void {
    if (this.pending === 'run') this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    else if (this.pending !== null) {
      this.ended = true;
      this.worker.terminate();
      this.settle(null, new InterruptedError('SIGINT', 'stopped from the page'));
    }
  }

  /** Releases the engine (its GPU context) and ends the worker. */
  async close(): Promise<void> {
    if (this.answer === null && !this.ended) await this.request({ type: 'close' }).catch(() => undefined);
    this.worker.terminate();
  }
}

export interface EnsembleCallbacks {
  /** Each batch, in chain order. */
  onBatch(batch: ChainBatch): void;
  /** The engines that started, and the backends skipped so far with the reason. */
  onEngines(engines: readonly { backend: string; device: string }[], skipped: readonly Skipped[]): void;
}

export interface EnsembleRun {
  /** Chain·generations simulated so far, batches under way included. */
  chainGenerations(): number;
  /** Resolves with the parts that computed the rows, in chain order. */
  readonly finished: Promise<RunPart[]>;
}

/**
 * Runs `spec` on the first page backend that opens (WebGPU → WebGL2 → CPU with `auto`), in
 * workers, with the CPU's head start where the GPU's bits are the reference's.
 */
export function runEnsemble(spec: RunSpec, signal: AbortSignal, callbacks: EnsembleCallbacks): EnsembleRun {
  const workers: WorkerEngine[] = [];
  let delivered = 0;
  const chainGenerations = (): number => delivered + workers.reduce((sum, worker) => sum + worker.inFlight, 0);
  const finished = (async (): Promise<RunPart[]> => {
    const stop = (): void => workers.forEach((worker) => worker.stop());
    signal.addEventListener('abort', stop);
    try {
      return await runOn(spec, signal, callbacks, workers, (batch) => (delivered += batch.chainGenerations));
    } finally {
      signal.removeEventListener('abort', stop);
      await Promise.all(workers.map((worker) => worker.close()));
    }
  })();
  return { chainGenerations, finished };
}

/**
 * Whether the page itself may draw with WebGL2. Asked here, not only in the worker: Chromium
 * leaves a worker's OffscreenCanvas its WebGL2 when WebGL is turned off for the page
 * (--disable-webgl, measured with Chromium 156), and a browser set against WebGL is obeyed.
 */
function pageOffersWebGL2(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  gl?.getExtension('WEBGL_lose_context')?.loseContext();
  return gl !== null;
}

/** Whether every GPU backend in `order` that has a route draws the reference path's bits for `spec`. */
async function referenceBitsOn(spec: RunSpec, order: readonly PageBackend[]): Promise<boolean> {
  for (const backend of order) {
    if (backend === 'cpu' || typeof (await gpuRouteFor(spec, backend)) === 'string') continue;
    if ((await gpuExactness(spec, backend)) !== 'bit-exact') return false;
  }
  return true;
}

/** Settles every task, then throws the first failure (so no rejection is left unhandled). */
async function allOf(tasks: readonly Promise<unknown>[]): Promise<void> {
  const failure = (await Promise.allSettled(tasks)).find((result) => result.status === 'rejected');
  if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
}

async function runOn(spec: RunSpec, signal: AbortSignal, callbacks: EnsembleCallbacks, workers: WorkerEngine[], counted: (batch: ChainBatch) => void): Promise<RunPart[]> {
  const order: readonly PageBackend[] = spec.backend === 'auto' ? PAGE_BACKENDS : [spec.backend as PageBackend];
  const cpuAllowed = order.includes('cpu');
  const range = chainRangeOf(spec);
  // Batches come from two workers: hand them on in chain order.
  const waiting = new Map<number, ChainBatch>();
  let next = range.first;
  const ranges = new Map<WorkerEngine, { first: number; end: number }>();
  const receiver = (worker: WorkerEngine) => (batch: ChainBatch) => {
    const part = ranges.get(worker);
    ranges.set(worker, { first: Math.min(part?.first ?? Infinity, batch.firstChain), end: Math.max(part?.end ?? 0, batch.firstChain + batch.count) });
    counted(batch);
    waiting.set(batch.firstChain, batch);
    for (let ready = waiting.get(next); ready !== undefined; ready = waiting.get(next)) {
      waiting.delete(next);
      next += ready.count;
      callbacks.onBatch(ready);
    }
  };
  const started: WorkerEngine[] = [];
  const skipped: Skipped[] = [];
  const show = (): void => callbacks.onEngines(started, skipped);

  // The CPU worker starts loading at once (it is wanted unless a GPU runs from the first
  // chain), and runs from the start wherever its rows are the ones any backend here would
  // compute: the first batches then come while the GPUs are probed and their kernels compiled.
  const cpuOpening = WorkerEngine.open('cpu', spec);
  cpuOpening.catch(() => undefined); // a failure is reported where it is awaited
  const headStart = await referenceBitsOn(spec, order);
  let claimed = range.first;
  // The CPU stops claiming batches once a GPU takes the rest (or nothing may finish the run).
  let cpuStops = false;
  let cpu: WorkerEngine | null = null;
  const openCpu = async (): Promise<WorkerEngine> => {
    const opened = await cpuOpening;
    if (typeof opened === 'string') throw new Error(`the CPU engine did not open: ${opened}`);
    workers.push(opened);
    started.unshift(opened);
    show();
    return opened;
  };
  const cpuFromTheStart = headStart ? openCpu().then((opened) => (cpu = opened)) : null;
  const onCpu = (async () => {
    if (cpuFromTheStart === null) return;
    await cpuFromTheStart;
    while (!cpuStops && claimed < range.end && !signal.aborted) {
      const at = claimed;
      claimed += spec.batchSize;
      await cpu!.run(at, 1, receiver(cpu!));
    }
  })();

  const onGpu = async (): Promise<boolean> => {
    for (const backend of order) {
      if (backend === 'cpu') continue;
      if (signal.aborted) throw new InterruptedError('SIGINT', 'stopped from the page');
      let opened: WorkerEngine | string;
      try {
        opened = backend === 'webgl2' && !pageOffersWebGL2() ? 'this browser offers no WebGL2 context' : await WorkerEngine.open(backend, spec);
      } catch (error) {
        opened = (error as Error).message;
      }
      if (typeof opened !== 'string') {
        workers.push(opened);
        started.push(opened);
        show();
        try {
          if (signal.aborted) throw new InterruptedError('SIGINT', 'stopped from the page');
          // Compiled before it claims any chain, so that the CPU's head start covers the compilation.
          if (headStart) await opened.prepare();
        } catch (error) {
          if (error instanceof InterruptedError || signal.aborted) throw error;
          started.splice(started.indexOf(opened), 1);
          opened = (error as Error).message;
        }
      }
      if (typeof opened === 'string') {
        skipped.push({ backend, reason: opened });
        show();
        continue;
      }
      cpuStops = true;
      if (signal.aborted) throw new InterruptedError('SIGINT', 'stopped from the page');
      if (claimed < range.end) {
        const from = claimed;
        claimed = range.end;
        await opened.run(from, null, receiver(opened));
      }
      return true;
    }
    // No GPU here: without the CPU among the backends asked for, nothing may finish the run.
    if (!cpuAllowed) cpuStops = true;
    return false;
  };

  const gpuRan = onGpu();
  try {
    await allOf([onCpu, gpuRan]);
  } finally {
    // A CPU worker opened for nothing (a GPU ran everything, or the run stopped or failed
    // before it was wanted) is closed here: runEnsemble closes only those in `workers`.
    void cpuOpening.then(
      (opened) => {
        if (typeof opened !== 'string' && !workers.includes(opened)) void opened.close();
      },
      () => undefined,
    );
  }
  if (!(await gpuRan)) {
    if (!cpuAllowed) throw new UsageError(`no backend can run this configuration here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
    // No GPU: the CPU runs the whole ensemble (or has already, with its head start).
    if (!headStart) {
      const opened = await openCpu();
      await opened.run(range.first, null, receiver(opened));
    }
  }
  if (signal.aborted) throw new InterruptedError('SIGINT', 'stopped from the page');
  return workers
    .filter((worker) => ranges.has(worker))
    .map((worker) => ({ backend: worker.backend, device: worker.device, firstChain: ranges.get(worker)!.first, endChain: ranges.get(worker)!.end }))
    .sort((a, b) => a.firstChain - b.firstChain);
}

/** A finished run of one configuration: its batches in chain order, and where they ran. */
export interface PointResult {
  readonly batches: ChainBatch[];
  readonly backend: string;
  readonly device: string;
}

/**
 * Runs each configuration on the reference path, on up to `workers` CPU workers at once
 * (configurations are independent: the reproduce tab's points); `onDone` hears of each as it
 * finishes, `onProgress` of the chain·generations simulated so far. Resolves in `specs`' order.
 */
export async function runOnCpuWorkers(
  specs: readonly RunSpec[],
  workers: number,
  signal: AbortSignal,
  onDone: (index: number, result: PointResult) => void,
  onProgress: (chainGenerations: number) => void,
): Promise<PointResult[]> {
  const results: PointResult[] = new Array(specs.length);
  const pool: WorkerEngine[] = [];
  let next = 0;
  let done = 0;
  const report = (): void => onProgress(done + pool.reduce((sum, worker) => sum + worker.inFlight, 0));
  const ticker = setInterval(report, 250);
  const stop = (): void => pool.forEach((worker) => worker.stop());
  signal.addEventListener('abort', stop);
  const work = async (): Promise<void> => {
    let worker: WorkerEngine | null = null;
    while (next < specs.length && !signal.aborted) {
      const index = next++;
      if (worker === null) {
        const opened = await WorkerEngine.open('cpu', specs[index]);
        if (typeof opened === 'string') throw new Error(`the CPU engine did not open: ${opened}`);
        pool.push((worker = opened));
      } else {
        const reason = await worker.reopen('cpu', specs[index]);
        if (reason !== null) throw new Error(`the CPU engine did not open: ${reason}`);
      }
      const batches: ChainBatch[] = [];
      await worker.run(chainRangeOf(specs[index]).first, null, (batch) => {
        batches.push(batch);
        done += batch.chainGenerations;
      });
      results[index] = { batches, backend: worker.backend, device: worker.device };
      onDone(index, results[index]);
    }
  };
  try {
    await allOf(Array.from({ length: Math.max(1, Math.min(workers, specs.length)) }, work));
    if (signal.aborted) throw new InterruptedError('SIGINT', 'stopped from the page');
    report();
    return results;
  } finally {
    clearInterval(ticker);
    signal.removeEventListener('abort', stop);
    await Promise.all(pool.map((worker) => worker.close()));
  }
}
