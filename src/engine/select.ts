/**
 * Turning --backend into an engine. A named backend that cannot run the configuration is a
 * usage error naming the reason and the fix; `auto` takes the fastest backend that can run
 * it exactly and says on stderr what it chose and why others were passed over.
 */
import { UsageError } from '../spec/errors.js';
import type { RunSpec } from '../spec/run-spec.js';
import type { Engine } from './engine.js';
import { backendStatus, GPU_BACKENDS, rankBackends, type BackendStatus, type GpuBackendName } from './gpu/backends.js';
import { assertGpuSupports, gpuPathFor } from './gpu/plans/index.js';
import { ReferenceEngine } from './reference.js';

/** Opens a gpu.js engine lazily, so runs on the reference path never load gpu.js. */
async function openGpuEngine(backend: GpuBackendName): Promise<Engine> {
  const { GpuEngine } = await import('./gpu/engine.js');
  return GpuEngine.open(backend);
}

/** Why the configuration cannot run on GPU backends, or null if it can. */
export function gpuRefusal(spec: RunSpec, backend: string): string | null {
  if (spec.rng === 'seedrandom') return '--rng seedrandom is sequential and runs on --backend reference only';
  try {
    assertGpuSupports(spec, backend);
    return null;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

export interface EngineChoice {
  readonly engine: Engine;
  /** A line for stderr about what auto chose, or null. */
  readonly note: string | null;
}

export async function openEngine(spec: RunSpec): Promise<EngineChoice> {
  const requested = spec.backend;
  if (requested === 'reference') return { engine: new ReferenceEngine(), note: null };
  if (requested !== 'auto') {
    if (!(GPU_BACKENDS as readonly string[]).includes(requested)) throw new UsageError(`--backend ${requested} is unknown`);
    const refusal = gpuRefusal(spec, requested);
    if (refusal !== null) throw new UsageError(refusal);
    const status = await backendStatus(requested as GpuBackendName);
    if (!status.available) throw new UsageError(`--backend ${requested} is not available here: ${status.reason}`);
    return { engine: await openGpuEngine(requested as GpuBackendName), note: null };
  }
  const refusal = gpuRefusal(spec, 'auto');
  if (refusal !== null) {
    return { engine: new ReferenceEngine(), note: `--backend auto: running on the reference path (${refusal})` };
  }
  const statuses: BackendStatus[] = [];
  for (const backend of GPU_BACKENDS) statuses.push(await backendStatus(backend));
  const [best] = rankBackends(statuses);
  const missing = statuses.filter((status) => !status.available).map((status) => `${status.backend}: ${status.reason}`);
  if (best.software && gpuPathFor(spec) === 'categorical') {
    // The categorical pipeline launches kernels and reads back every generation: on a
    // CPU-emulated backend that is far slower than the reference path (measured: K = 1000,
    // M = 1000, 50 chains × 200 generations, 269 s on cpu against under a second).
    return { engine: new ReferenceEngine(), note: `--backend auto: running on the reference path (the categorical pipeline is slower than it on ${best.backend}, a CPU-emulated backend)` };
  }
  const engine = await openGpuEngine(best.backend);
  const passedOver = missing.length > 0 ? `; not available: ${missing.join('; ')}` : '';
  return { engine, note: `--backend auto chose ${best.backend} (${best.device})${passedOver}` };
}
