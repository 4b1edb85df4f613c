/**
 * Every engine a run can use besides the reference path — the WebAssembly engine (simd) and the
 * gpu.js backends — behind one interface: whether it is here (and why not), whether it can run
 * a configuration (and why not), what it promises (bit-exact or not), and opening it. `select`,
 * `verify`, `backends` and `bench` ask here instead of naming engines.
 */
import { UsageError } from '../spec/errors.js';
import type { RunSpec } from '../spec/run-spec.js';
import type { Engine } from './engine.js';
import type { Exactness } from '../families/family.js';
import { backendStatus as gpuBackendStatus, type BackendStatus as GpuBackendStatus } from './gpu/backends.js';
import { GPU_BACKENDS, type GpuBackendName } from './gpu/names.js';
import { ENGINE_BACKENDS } from './names.js';

export { ENGINE_BACKENDS, BACKEND_CHOICES } from './names.js';

export type { Exactness } from '../families/family.js';

export interface BackendStatus {
  readonly backend: string;
  readonly available: boolean;
  /** What it runs on: "WebAssembly SIMD on 16 threads (…)", "llvmpipe (Mesa 25.0.7)", "NVIDIA H200". */
  readonly device: string | null;
  /** Emulated on the CPU (software drivers, WebAssembly, JavaScript) rather than a hardware GPU. */
  readonly software: boolean;
  /** Why it is absent, with the fix. */
  readonly reason: string | null;
}

const isGpu = (backend: string): backend is GpuBackendName => (GPU_BACKENDS as readonly string[]).includes(backend);

export function assertKnownBackend(backend: string): void {
  if (!ENGINE_BACKENDS.includes(backend)) throw new UsageError(`--backend ${backend} is unknown (choose auto, reference, ${ENGINE_BACKENDS.join(', ')})`);
}

export async function backendStatus(backend: string): Promise<BackendStatus> {
  assertKnownBackend(backend);
  if (isGpu(backend)) return gpuBackendStatus(backend) as Promise<GpuBackendStatus>;
  const { simdStatus, simdDevice } = await import('./simd/engine.js');
  const status = simdStatus();
  return status.available
    ? { backend, available: true, device: simdDevice(), software: true, reason: null }
    : { backend, available: false, device: null, software: false, reason: status.reason };
}

/** Why `spec` cannot run on `backend`, or null if it can (the message names the flag and the fix). */
export async function backendRefusal(spec: RunSpec, backend: string): Promise<string | null> {
  assertKnownBackend(backend);
  if (spec.rng === 'seedrandom') return '--rng seedrandom is sequential and runs on --backend reference only';
  if (!isGpu(backend)) return null;
  const { gpuRouteFor } = await import('./gpu/routes.js');
  const route = await gpuRouteFor(spec, backend);
  return typeof route === 'string' ? route : null;
}

/** What `backend` promises for `spec` against the reference path. */
export async function backendExactness(spec: RunSpec, backend: string): Promise<Exactness> {
  assertKnownBackend(backend);
  // The WebAssembly engine runs the reference's own family code, samplers and Math: every value is the reference's.
  if (!isGpu(backend)) return 'bit-exact';
  const { gpuExactness } = await import('./gpu/exactness.js');
  return gpuExactness(spec, backend);
}

export async function openBackend(backend: string): Promise<Engine> {
  assertKnownBackend(backend);
  if (isGpu(backend)) {
    const { GpuEngine } = await import('./gpu/engine.js');
    return GpuEngine.open(backend);
  }
  const { SimdEngine } = await import('./simd/engine.js');
  return SimdEngine.open();
}
