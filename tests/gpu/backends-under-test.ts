/**
 * Which GPU backends the tests run on. A backend named in COLLAPSE_SIM_REQUIRE_BACKENDS
 * (CI sets headlessgl,webgpu,webasm,cpu) must be available, or its tests fail; any other
 * backend is tested where available and skipped, with the reason, where not.
 */
import { backendStatus, type BackendStatus } from '../../src/engine/gpu/backends.js';
import { GPU_BACKENDS, type GpuBackendName } from '../../src/engine/gpu/names.js';

export const REQUIRED_BACKENDS = new Set(
  (process.env['COLLAPSE_SIM_REQUIRE_BACKENDS'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0),
);

export interface BackendUnderTest {
  readonly backend: GpuBackendName;
  readonly status: BackendStatus;
  readonly required: boolean;
  /** Run this backend's tests (available), else skip them (absent and not required). */
  readonly run: boolean;
}

export async function backendsUnderTest(): Promise<BackendUnderTest[]> {
  const result: BackendUnderTest[] = [];
  for (const backend of GPU_BACKENDS) {
    const status = await backendStatus(backend);
    const required = REQUIRED_BACKENDS.has(backend);
    // A required but absent backend still "runs": its tests then fail on the absence.
    result.push({ backend, status, required, run: status.available || required });
  }
  return result;
}
