/**
 * The page's engines, in the order the issue asks for: WebGPU, then WebGL2 (gpu.js's kernels on
 * the visitor's GPU), then the CPU (the reference path, float64, which runs every family). Each
 * one skipped is given with the reason. The GPU engine is the CLI's (src/engine/gpu/engine.ts)
 * on a gpu.js instance opened here; this module runs in the engine's worker
 * (web/engine-worker.ts), whose WebGL2 draws on an OffscreenCanvas (gpu.js creates one where
 * there is no document) and whose WebGPU is the worker's navigator.gpu.
 */
import { GPU } from 'gpu.js';
import type { Engine } from '../src/engine/engine.js';
import { GpuEngine } from '../src/engine/gpu/engine.js';
import { gpuRouteFor } from '../src/engine/gpu/routes.js';
import type { KernelBackendName } from '../src/engine/gpu/names.js';
import { ReferenceEngine } from '../src/engine/reference.js';
import type { RunSpec } from '../src/spec/run-spec.js';
import type { PageBackend } from './backend-names.js';

/** The GL renderer's name (unmasked where the browser allows), e.g. "ANGLE (… SwiftShader …)". */
function webglRenderer(): string | null {
  // The engine runs in a worker (web/engine-worker.ts), which has no document: an OffscreenCanvas.
  const canvas = typeof document === 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
  if (gl === null) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

/** Why `backend` cannot run here, or null if it can be opened. */
async function unavailable(backend: PageBackend): Promise<string | null> {
  if (backend === 'webgpu') {
    if (!('gpu' in navigator)) return 'this browser offers no WebGPU (navigator.gpu is absent)';
    return (await GPU.isWebGPUAvailable()) ? null : 'WebGPU found no adapter';
  }
  if (backend === 'webgl2') return GPU.isWebGL2Supported ? null : 'this browser offers no WebGL2 context';
  return null;
}

async function deviceOf(backend: KernelBackendName): Promise<string> {
  if (backend === 'webgpu') {
    const adapter = await (navigator as unknown as { gpu: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null> } }).gpu.requestAdapter();
    const info = adapter?.info;
    const name = [info?.vendor, info?.architecture, info?.description].filter((part) => part !== undefined && part !== '').join(' ');
    return `${name || 'WebGPU adapter'} (browser)`;
  }
  return `${webglRenderer() ?? 'WebGL2'} (browser)`;
}

/** Opens `backend` for `spec`, or says why it cannot run it. */
export async function openPageEngine(backend: PageBackend, spec: RunSpec): Promise<Engine | string> {
  const reason = await unavailable(backend);
  if (reason !== null) return reason;
  if (backend === 'cpu') return new ReferenceEngine();
  const route = await gpuRouteFor(spec, backend);
  if (typeof route === 'string') return route;
  const gpu = new GPU({ mode: backend });
  return GpuEngine.on({ backend, device: await deviceOf(backend), gpu: gpu as never, close: () => gpu.destroy() });
}
