/**
 * The page's engine, in a Web Worker of its own (web/engine-client.ts starts it), so that
 * shader compilation and simulation never hold the page's thread: one engine per worker,
 * opened by web/backends.ts exactly as the page used to open it (gpu.js's WebGL2 on an
 * OffscreenCanvas, WebGPU on the worker's navigator.gpu, the reference path), its batches
 * posted to the page as they finish, their arrays transferred, not copied.
 */
import type { ChainBatch } from '../src/engine/batch.js';
import type { Engine } from '../src/engine/engine.js';
import { GpuEngine } from '../src/engine/gpu/engine.js';
import { gpuExactness } from '../src/engine/gpu/exactness.js';
import type { KernelBackendName } from '../src/engine/gpu/names.js';
import { ReferenceEngine } from '../src/engine/reference.js';
import { InterruptedError, UsageError } from '../src/spec/errors.js';
import type { RunSpec } from '../src/spec/run-spec.js';
import type { FromWorker, ToWorker } from './engine-protocol.js';

const scope = self as unknown as { postMessage(message: FromWorker, transfer?: Transferable[]): void; onmessage: ((event: MessageEvent<ToWorker>) => void) | null };

let engine: Engine | null = null;
let spec: RunSpec | null = null;
let running: AbortController | null = null;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function failed(error: unknown): FromWorker {
  if (error instanceof InterruptedError || running?.signal.aborted) return { type: 'failed', kind: 'interrupted', message: 'stopped from the page' };
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'failed', kind: error instanceof UsageError ? 'usage' : 'error', message };
}

/** Every array a batch holds, handed over to the page rather than copied. */
function buffersOf(batch: ChainBatch): Transferable[] {
  const arrays: ArrayBufferView[] = [batch.collapseTime, batch.outcome, batch.absorbedTime, batch.collapsedGenerations, ...batch.eventTimes, ...batch.finals];
  if (batch.trajectory !== null) arrays.push(batch.trajectory.chain, batch.trajectory.generation, ...batch.trajectory.values);
  // A subarray's buffer may be shared with another array of the batch: transfer each buffer once.
  return [...new Set(arrays.map((array) => array.buffer as ArrayBuffer))];
}

async function open(backend: 'webgpu' | 'webgl2' | 'cpu', runSpec: RunSpec): Promise<FromWorker> {
  // A worker may run one configuration after another (the reproduce tab's points).
  await engine?.close();
  engine = null;
  spec = runSpec;
  // gpu.js is loaded only by a worker that opens a GPU (a chunk of its own): a CPU worker starts sooner.
  const opened = backend === 'cpu' ? new ReferenceEngine() : await (await import('./backends.js')).openPageEngine(backend, runSpec);
  if (typeof opened === 'string') return { type: 'unavailable', reason: opened };
  engine = opened;
  // Whether the kernels draw the reference path's bits for this configuration: then the CPU may compute the first batches.
  const exact = opened instanceof GpuEngine ? (await gpuExactness(runSpec, opened.backend as KernelBackendName)) === 'bit-exact' : true;
  return { type: 'opened', backend: opened.backend, device: opened.device, exact };
}

/** Runs `batches` batches (all that are left when null) from `startChain`, posting each. */
async function run(startChain: number, batches: number | null): Promise<void> {
  running = new AbortController();
  let left = batches ?? Infinity;
  const started = performance.now();
  const onProgress = (progress: { chainGenerations: number }): void => post({ type: 'progress', chainGenerations: progress.chainGenerations, milliseconds: performance.now() - started });
  for await (const batch of engine!.run(spec!, { startChain, signal: running.signal, onProgress })) {
    post({ type: 'batch', batch, milliseconds: performance.now() - started }, buffersOf(batch));
    if (--left === 0) break;
  }
  running = null;
}

scope.onmessage = (event) => {
  const message = event.data;
  const answer = async (): Promise<void> => {
    try {
      switch (message.type) {
        case 'open':
          post(await open(message.backend, message.spec));
          break;
        case 'prepare':
          post({ type: 'prepared', compiled: engine instanceof GpuEngine ? await engine.prepare(spec!) : false });
          break;
        case 'run':
          await run(message.startChain, message.batches);
          post({ type: 'ran' });
          break;
        case 'close':
          await engine?.close();
          engine = null;
          post({ type: 'closed' });
          break;
      }
    } catch (error) {
      post(failed(error));
    }
  };
  if (message.type === 'stop') running?.abort(new InterruptedError('SIGINT', 'stopped from the page'));
  else void answer();
};
