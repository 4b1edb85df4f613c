/**
 * Which engines besides the reference the tests run on (the WebAssembly engine and the gpu.js
 * backends). A backend named in COLLAPSE_SIM_REQUIRE_BACKENDS (CI sets
 * simd,headlessgl,webgpu,webasm,cpu) must be available, or its tests fail; any other backend
 * is tested where available and skipped, with the reason, where not.
 */
import { backendStatus, ENGINE_BACKENDS, type BackendStatus } from '../../src/engine/backends.js';
import { GPU_BACKENDS } from '../../src/engine/gpu/names.js';

export const REQUIRED_BACKENDS = new Set(
  (process.env['COLLAPSE_SIM_REQUIRE_BACKENDS'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0),
);

export interface BackendUnderTest {
  readonly backend: string;
  readonly status: BackendStatus;
  readonly required: boolean;
  /** Run this backend's tests (available), else skip them (absent and not required). */
  readonly run: boolean;
}

/** The engines under test; `gpuOnly` keeps the gpu.js backends (tests of gpu.js itself). */
export async function backendsUnderTest(gpuOnly = false): Promise<BackendUnderTest[]> {
  const result: BackendUnderTest[] = [];
  for (const backend of gpuOnly ? GPU_BACKENDS : ENGINE_BACKENDS) {
    const status = await backendStatus(backend);
    const required = REQUIRED_BACKENDS.has(backend);
    // A required but absent backend still "runs": its tests then fail on the absence.
    result.push({ backend, status, required, run: status.available || required });
  }
  return result;
}
