/** How --backend auto weighs start-up against speed (src/engine/cost.ts). */
import { describe, expect, it } from 'vitest';
import type { BackendStatus } from '../../src/engine/backends.js';
import { chooseEngine, estimatedSeconds, expectedWork } from '../../src/engine/cost.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';

const status = (backend: string, software: boolean): BackendStatus => ({ backend, available: true, device: `${backend} device`, software, reason: null });
const cpuOnly = [status('simd', true), status('webgpu', true), status('headlessgl', true), status('webasm', true), status('cpu', true)].map((s) => ({ backend: s.backend, status: s }));
const withGpu = [status('simd', true), status('webgpu', false), status('cpu', true)].map((s) => ({ backend: s.backend, status: s }));
const spec = (raw: Record<string, unknown>) => resolveRunSpec({ out: 'unused.arrow', ...raw });

describe('--backend auto', () => {
  it('keeps a handful of chains on the reference path (nothing to start), and says so', () => {
    const choice = chooseEngine(spec({ chains: 3, samples: 10 }), cpuOnly, 2);
    expect(choice.backend).toBe('reference');
    expect(choice.reason).toMatch(/a run this small is fastest without starting another engine/);
  });

  it('sends a thousand chains or more to the WebAssembly engine on a CPU-only machine', () => {
    for (const chains of [1000, 1e5, 1e7]) expect(chooseEngine(spec({ chains }), cpuOnly, 2).backend).toBe('simd');
  });

  it('prefers a hardware GPU for large ensembles, and the WebAssembly engine for small ones', () => {
    expect(chooseEngine(spec({ chains: 1e7 }), withGpu, 16).backend).toBe('webgpu');
    expect(chooseEngine(spec({ chains: 1000, samples: 20 }), withGpu, 16).backend).toBe('simd');
  });

  it('expects mitigated chains to run to the horizon and the others to collapse', () => {
    expect(expectedWork(spec({ chains: 10, generations: 5000, 'ground-truth': 1 }))).toBe(50000);
    expect(expectedWork(spec({ chains: 10, generations: 5000 }))).toBeLessThan(50000);
  });

  it('counts start-up once and work per core', () => {
    const small = spec({ chains: 1 });
    const large = spec({ chains: 1e6 });
    expect(estimatedSeconds('simd', cpuOnly[0].status, small, 2)).toBeGreaterThan(estimatedSeconds('reference', null, small, 2));
    expect(estimatedSeconds('simd', cpuOnly[0].status, large, 4)).toBeLessThan(estimatedSeconds('simd', cpuOnly[0].status, large, 2));
  });
});
