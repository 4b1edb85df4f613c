/**
 * How `--backend auto` chooses: the engine expected to finish the run soonest, counting what it
 * costs to start (worker threads, kernel compilation) as well as its speed, so small ensembles
 * stay on the reference path and large ones go where throughput is. The estimate is
 *
 *   seconds(engine) = start(engine) + work / (speed(engine) · referenceRate(spec))
 *
 * with work = chains × the generations a chain is expected to run, referenceRate the reference
 * path's chain·generations per second for the configuration's draws per generation, and
 * speed(engine) the engine's throughput relative to the reference. The constants were measured
 * with `collapse-sim bench` (bench/README.md, "How auto chooses"); they only need to be right to
 * within a factor of a few, since the engines differ by orders of magnitude.
 */
import { availableParallelism } from 'node:os';
import { hasMitigation, type RunSpec } from '../spec/run-spec.js';
import type { BackendStatus } from './backends.js';

export interface Candidate {
  readonly backend: string;
  readonly status: BackendStatus;
}

export interface EngineDecision {
  readonly backend: string;
  readonly reason: string;
}

/** Reference path: seconds per chain·generation, a fixed part plus a part per data point drawn. */
const REFERENCE_SECONDS_PER_GENERATION = 1.5e-6;
const REFERENCE_SECONDS_PER_POINT = 3.0e-8;
/** Seconds to start each engine (threads, module or kernel compilation). */
const START_SECONDS: Record<string, number> = { simd: 0.15, cpu: 0.6, webasm: 0.9, webgpu: 0.5, headlessgl: 0.6 };
/** Throughput relative to the reference path, per CPU core for the threaded engines. */
const SPEED_PER_CORE: Record<string, number> = { simd: 8, cpu: 2, webasm: 1 };
/** Throughput relative to the reference path on a hardware GPU and on a software driver. */
const GPU_SPEED = { hardware: 500, software: 0.5 };
/** Generations a chain without mitigation is assumed to run when nothing better is known. */
const UNKNOWN_LIFETIME = 200;

/** Data points a chain draws per generation. */
function pointsPerGeneration(spec: RunSpec): number {
  return spec.mode === 'per-sample' ? spec.samples + spec.groundTruth : 2;
}

/** Chain·generations the run is expected to simulate. */
export function expectedWork(spec: RunSpec): number {
  const lifetime = hasMitigation(spec) ? spec.generations : Math.min(spec.generations, UNKNOWN_LIFETIME);
  return spec.chains * lifetime;
}

export function estimatedSeconds(backend: string, status: BackendStatus | null, spec: RunSpec, cores: number): number {
  const referenceSeconds = expectedWork(spec) * (REFERENCE_SECONDS_PER_GENERATION + REFERENCE_SECONDS_PER_POINT * pointsPerGeneration(spec));
  if (backend === 'reference') return referenceSeconds;
  const speed = backend in SPEED_PER_CORE ? SPEED_PER_CORE[backend] * cores : status?.software === false ? GPU_SPEED.hardware : GPU_SPEED.software;
  return (START_SECONDS[backend] ?? 1) + referenceSeconds / speed;
}

export function chooseEngine(spec: RunSpec, candidates: readonly Candidate[], cores = defaultCores()): EngineDecision {
  let best: EngineDecision = { backend: 'reference', reason: 'no other engine can run this configuration' };
  let bestSeconds = estimatedSeconds('reference', null, spec, cores);
  for (const { backend, status } of candidates) {
    const seconds = estimatedSeconds(backend, status, spec, cores);
    if (seconds < bestSeconds) {
      bestSeconds = seconds;
      best = { backend, reason: `${status.device ?? backend}; expected ${formatSeconds(seconds)} against ${formatSeconds(estimatedSeconds('reference', null, spec, cores))} on the reference path` };
    }
  }
  if (best.backend === 'reference' && candidates.length > 0) {
    best = { backend: 'reference', reason: `a run this small is fastest without starting another engine (expected ${formatSeconds(bestSeconds)})` };
  }
  return best;
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toPrecision(2)} s`;
}

function defaultCores(): number {
  return Math.max(1, availableParallelism());
}
