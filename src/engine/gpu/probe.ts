/**
 * A short throughput probe of one backend: compile the Bernoulli per-sample kernel
 * (M = 100), then advance PROBE_CHAINS chains by PROBE_GENERATIONS generations in one call.
 * Compilation is timed separately: it matters to users, but it is not throughput.
 */
import { resolveRunSpec } from '../../spec/run-spec.js';
import { createFamilyModel } from '../reference.js';
import { PHILOX_STYLE_BY_BACKEND } from '../../../kernels/philox.js';
import { backendStatus, openBackend, type BackendStatus, type GpuBackendName } from './backends.js';
import { InThreadRunner, WorkerPoolRunner } from './kernel-runner.js';
import { gpuPlanFor } from './plans/index.js';
import { chainKernelRecipe } from './plan.js';

const PROBE_CHAINS = 20000;
const PROBE_GENERATIONS = 10;

export interface BackendProbe extends BackendStatus {
  readonly compileSeconds: number | null;
  readonly chainGenerationsPerSecond: number | null;
  readonly threads: number | null;
  readonly error: string | null;
}

export async function probeBackend(backend: GpuBackendName): Promise<BackendProbe> {
  const status = await backendStatus(backend);
  if (!status.available) return { ...status, compileSeconds: null, chainGenerationsPerSecond: null, threads: null, error: null };
  const spec = resolveRunSpec({ family: 'bernoulli', samples: 100, chains: PROBE_CHAINS, generations: 100000, seed: 'probe', out: 'probe.arrow' });
  const plan = gpuPlanFor({ spec, model: createFamilyModel(spec), style: PHILOX_STYLE_BY_BACKEND[backend] });
  const recipe = chainKernelRecipe(backend, spec, plan);
  const opened = await openBackend(backend);
  try {
    const compileStarted = performance.now();
    const threaded = backend === 'cpu' || backend === 'webasm';
    const runner = threaded ? await WorkerPoolRunner.create(recipe) : await InThreadRunner.create(opened.gpu as never, recipe);
    const compileSeconds = (performance.now() - compileStarted) / 1000;
    const packed = new Float32Array(PROBE_CHAINS * 6);
    for (let i = 0; i < PROBE_CHAINS; i++) {
      packed[i * 6 + 1] = i;
      packed.set(plan.initialSlots, i * 6 + 2);
    }
    const started = performance.now();
    const output = await runner.run(packed, PROBE_CHAINS, PROBE_GENERATIONS);
    const seconds = (performance.now() - started) / 1000;
    await runner.destroy();
    let generations = 0;
    for (let i = 0; i < PROBE_CHAINS; i++) generations += output[i * 4 + 3];
    const threads = threaded ? (await import('node:os')).availableParallelism() : null;
    return { ...status, compileSeconds, chainGenerationsPerSecond: generations / seconds, threads, error: null };
  } catch (error) {
    return { ...status, compileSeconds: null, chainGenerationsPerSecond: null, threads: null, error: (error as Error).message.split('\n')[0] };
  } finally {
    opened.close();
  }
}
