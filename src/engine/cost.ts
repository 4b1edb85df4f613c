/**
 * How `--backend auto` chooses: the engine expected to finish the run soonest, counting what it
 * costs to start (worker threads, kernel compilation) as well as its speed, so small ensembles
 * stay on the reference path and large ones go where throughput is. The estimate is
 *
 *   seconds(engine) = start + work · (perGeneration + perPoint · points per generation) / cores
 *
 * with work = chains × the generations a chain is expected to run (cores = 1 for engines that
 * run in one thread). The constants were measured with `collapse-sim bench` (bench/README.md,
 * "How auto chooses"); they only need to be right to within a factor of a few, since where
 * the choice is close the engines finish close together.
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

/**
 * An engine's cost: seconds to start (threads, module or kernel compilation), then seconds per
 * chain·generation, a fixed part plus a part per data point drawn; `threaded` engines divide
 * the work over the cores.
 */
interface EngineCost {
  readonly start: number;
  readonly perGeneration: number;
  readonly perPoint: number;
  readonly threaded: boolean;
}

/** Measured on the 2-core development machine (bench/README.md, "How auto chooses"). */
const COSTS: Record<string, EngineCost> = {
  reference: { start: 0, perGeneration: 6e-7, perPoint: 1.5e-8, threaded: false },
  simd: { start: 0.15, perGeneration: 1.5e-7, perPoint: 3e-10, threaded: true },
  cpu: { start: 0.6, perGeneration: 5e-7, perPoint: 1.2e-8, threaded: true },
  webasm: { start: 0.9, perGeneration: 1e-6, perPoint: 2e-8, threaded: true },
};
/** gpu.js on a software driver (llvmpipe: slower than the cpu backend) and on a hardware GPU (from the roofline, bench/README.md). */
const GPU_COSTS = {
  software: { start: 0.6, perGeneration: 2e-6, perPoint: 3e-8, threaded: false },
  hardware: { start: 1.0, perGeneration: 2e-9, perPoint: 3e-11, threaded: false },
};
/** Generations a chain without mitigation is assumed to run when nothing better is known. */
const UNKNOWN_LIFETIME = 200;

/** Data points a chain draws per generation (sufficient mode: a few draws, whatever M). */
function pointsPerGeneration(spec: RunSpec): number {
  return spec.mode === 'per-sample' ? spec.samples + spec.groundTruth : 2;
}

/** Chain·generations the run is expected to simulate. */
export function expectedWork(spec: RunSpec): number {
  const lifetime = hasMitigation(spec) ? spec.generations : Math.min(spec.generations, UNKNOWN_LIFETIME);
  return spec.chains * lifetime;
}

export function estimatedSeconds(backend: string, status: BackendStatus | null, spec: RunSpec, cores: number): number {
  const cost = COSTS[backend] ?? (status?.software === false ? GPU_COSTS.hardware : GPU_COSTS.software);
  const perGeneration = cost.perGeneration + cost.perPoint * pointsPerGeneration(spec);
  return cost.start + (expectedWork(spec) * perGeneration) / (cost.threaded ? cores : 1);
}

/**
 * The least `backend` takes to start, before anything is known of its device: an engine that
 * cannot start before the best estimate so far is finished is not even asked whether it is
 * available (asking for a GL context or a GPU adapter costs more than a small run).
 */
export function leastStartSeconds(backend: string): number {
  return COSTS[backend]?.start ?? Math.min(GPU_COSTS.software.start, GPU_COSTS.hardware.start);
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

export function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toPrecision(2)} s`;
}

export function defaultCores(): number {
  return Math.max(1, availableParallelism());
}
