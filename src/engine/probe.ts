/**
 * A short throughput probe of one engine, through the same Engine interface a run uses:
 * open it and run one chain for one generation (start-up: threads, module or kernel
 * compilation, timed apart because it is not throughput), then PROBE_CHAINS Bernoulli chains
 * of the default family (M = 100, per-sample) for PROBE_GENERATIONS generations.
 */
import { DEFAULT_FAMILY } from '../families/index.js';
import { resolveRunSpec } from '../spec/run-spec.js';
import { backendStatus, openBackend, type BackendStatus } from './backends.js';
import type { Engine } from './engine.js';
import { ReferenceEngine } from './reference.js';

const PROBE_CHAINS = 20000;
const PROBE_GENERATIONS = 10;

export interface BackendProbe extends BackendStatus {
  /** Seconds to open the engine and run its first generation. */
  readonly startSeconds: number | null;
  readonly chainGenerationsPerSecond: number | null;
  readonly error: string | null;
}

async function simulated(engine: Engine, chains: number, generations: number): Promise<number> {
  const spec = resolveRunSpec({ family: DEFAULT_FAMILY, samples: 100, chains, generations, seed: 'probe', out: 'probe.arrow', 'batch-size': chains });
  let chainGenerations = 0;
  for await (const batch of engine.run(spec)) chainGenerations += batch.chainGenerations;
  return chainGenerations;
}

export async function probeBackend(backend: string): Promise<BackendProbe> {
  const status: BackendStatus =
    backend === 'reference' ? { backend, available: true, device: new ReferenceEngine().device, software: true, reason: null } : await backendStatus(backend);
  if (!status.available) return { ...status, startSeconds: null, chainGenerationsPerSecond: null, error: null };
  let engine: Engine | null = null;
  try {
    const opening = performance.now();
    engine = backend === 'reference' ? new ReferenceEngine() : await openBackend(backend);
    await simulated(engine, 1, 1);
    const startSeconds = (performance.now() - opening) / 1000;
    const started = performance.now();
    const chainGenerations = await simulated(engine, PROBE_CHAINS, PROBE_GENERATIONS);
    const seconds = (performance.now() - started) / 1000;
    return { ...status, device: engine.device, startSeconds, chainGenerationsPerSecond: chainGenerations / seconds, error: null };
  } catch (error) {
    return { ...status, startSeconds: null, chainGenerationsPerSecond: null, error: (error as Error).message.split('\n')[0] };
  } finally {
    await engine?.close();
  }
}
