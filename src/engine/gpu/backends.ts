/**
 * The gpu.js backends: which answer on this machine, what device they found, why an
 * absent one is absent and how to fix it, and opening one for a run.
 *
 * gpu.js can silently fall back to another mode; `kernelMode` reads the mode a kernel
 * really runs in, and engines refuse to report a backend that did not run.
 */
import { createRequire } from 'node:module';
import { GPU } from 'gpu.js';

export type GpuBackendName = 'webgpu' | 'headlessgl' | 'webasm' | 'cpu';
export const GPU_BACKENDS: readonly GpuBackendName[] = ['webgpu', 'headlessgl', 'webasm', 'cpu'];

export interface BackendStatus {
  readonly backend: GpuBackendName;
  readonly available: boolean;
  /** The adapter or renderer, e.g. "llvmpipe (Mesa 25.0.7)" or "NVIDIA H100". */
  readonly device: string | null;
  /** Software rasteriser or emulation rather than a hardware GPU. */
  readonly software: boolean;
  /** Why it is absent, with the fix. */
  readonly reason: string | null;
}

const require = createRequire(import.meta.url);

/** gpu.js kernel classes report 'gpu' for every GL flavour; name them precisely. */
export function kernelMode(kernel: { kernel?: { constructor: { name: string } } }): string {
  const name = kernel.kernel?.constructor.name ?? 'unknown';
  const known: Record<string, string> = {
    HeadlessGLKernel: 'headlessgl',
    WebGLKernel: 'webgl',
    WebGL2Kernel: 'webgl2',
    WebGPUKernel: 'webgpu',
    WebAssemblyKernel: 'webasm',
    CPUKernel: 'cpu',
  };
  return known[name] ?? name;
}

// ---------------------------------------------------------------- webgpu

interface WebGpuModule {
  create(flags: string[]): { requestAdapter(): Promise<{ info: { description?: string; device?: string; vendor?: string; architecture?: string } } | null> };
  globals: Record<string, unknown>;
}

let navigatorInstalled = false;

/** Installs navigator.gpu from the `webgpu` package (Dawn), as gpu.js expects in a browser. */
function installNavigatorGpu(): { ok: true } | { ok: false; reason: string } {
  if (navigatorInstalled) return { ok: true };
  let webgpu: WebGpuModule;
  try {
    webgpu = require('webgpu') as WebGpuModule;
  } catch (error) {
    return { ok: false, reason: `the webgpu package does not load (${(error as Error).message.split('\n')[0]}) — run npm ci` };
  }
  Object.assign(globalThis, webgpu.globals);
  const navigatorObject = ((globalThis as { navigator?: Record<string, unknown> }).navigator ??= {});
  navigatorObject['gpu'] = webgpu.create([]);
  navigatorInstalled = true;
  return { ok: true };
}

/** Drops Dawn's GPU object: while it is referenced, Node's event loop does not exit. */
export function releaseNavigatorGpu(): void {
  const navigatorObject = (globalThis as { navigator?: Record<string, unknown> }).navigator;
  if (navigatorObject && navigatorInstalled) delete navigatorObject['gpu'];
  navigatorInstalled = false;
}

async function webgpuStatus(): Promise<BackendStatus> {
  const installed = installNavigatorGpu();
  if (!installed.ok) return absent('webgpu', installed.reason);
  const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter(): Promise<{ info: Record<string, string> } | null> } } }).navigator.gpu;
  const adapter = await gpu.requestAdapter();
  if (adapter === null) {
    return absent(
      'webgpu',
      'no WebGPU adapter: Dawn needs a Vulkan driver — install libvulkan1 and mesa-vulkan-drivers from bookworm-backports (Mesa ≥ 25) or a GPU driver',
    );
  }
  const info = adapter.info;
  const description = info['description'] || [info['vendor'], info['device']].filter(Boolean).join(' ') || 'unknown adapter';
  const software = /llvmpipe|lavapipe|swiftshader|software/i.test(`${description} ${info['architecture'] ?? ''}`);
  return { backend: 'webgpu', available: true, device: description, software, reason: null };
}

// ---------------------------------------------------------------- headlessgl

interface GlContext {
  getParameter(name: number): unknown;
  getExtension(name: string): Record<string, number> | null;
  RENDERER: number;
  VERSION: number;
}

function headlessglStatus(): BackendStatus {
  let createContext: (width: number, height: number) => GlContext | null;
  try {
    createContext = require('gl') as typeof createContext;
  } catch (error) {
    return absent(
      'headlessgl',
      `the gl package is not built (${(error as Error).message.split('\n')[0]}) — install libxi-dev libx11-dev libxext-dev libgl1-mesa-dev pkg-config, then npm rebuild gl`,
    );
  }
  const context = createContext(1, 1);
  if (context === null) {
    return absent(
      'headlessgl',
      process.env['DISPLAY'] ? `no GL context on display ${process.env['DISPLAY']}` : 'no X display — run under xvfb-run -a (packages xvfb xauth)',
    );
  }
  const debugInfo = context.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(debugInfo ? context.getParameter(debugInfo['UNMASKED_RENDERER_WEBGL']) : context.getParameter(context.RENDERER));
  (context.getExtension('STACKGL_destroy_context') as unknown as { destroy(): void } | null)?.destroy();
  return { backend: 'headlessgl', available: true, device: renderer, software: /llvmpipe|softpipe|swiftshader|software/i.test(renderer), reason: null };
}

// ---------------------------------------------------------------- webasm, cpu

function webasmStatus(): BackendStatus {
  if (!GPU.isWebAssemblySupported) return absent('webasm', 'this Node has no WebAssembly');
  return { backend: 'webasm', available: true, device: 'WebAssembly (f32x4 SIMD) on the CPU', software: true, reason: null };
}

function absent(backend: GpuBackendName, reason: string): BackendStatus {
  return { backend, available: false, device: null, software: false, reason };
}

export async function backendStatus(backend: GpuBackendName): Promise<BackendStatus> {
  switch (backend) {
    case 'webgpu':
      return webgpuStatus();
    case 'headlessgl':
      return headlessglStatus();
    case 'webasm':
      return webasmStatus();
    case 'cpu':
      return { backend: 'cpu', available: true, device: 'JavaScript on the CPU', software: true, reason: null };
  }
}

/**
 * The order `auto` tries backends in: hardware GPUs first, then, on software drivers, the
 * order measured on llvmpipe (bench/README.md): webgpu, webasm, cpu, headlessgl.
 */
export function rankBackends(statuses: readonly BackendStatus[]): BackendStatus[] {
  const speedOnSoftware: Record<GpuBackendName, number> = { webgpu: 0, webasm: 1, cpu: 2, headlessgl: 3 };
  return statuses
    .filter((status) => status.available)
    .sort((a, b) => Number(a.software) - Number(b.software) || speedOnSoftware[a.backend] - speedOnSoftware[b.backend]);
}

/** A gpu.js instance on one backend, to be destroyed when the run ends. */
export interface OpenBackend {
  readonly backend: GpuBackendName;
  readonly device: string;
  readonly gpu: GPU;
  close(): void;
}

export async function openBackend(backend: GpuBackendName): Promise<OpenBackend> {
  const status = await backendStatus(backend);
  if (!status.available) throw new BackendUnavailableError(backend, status.reason ?? 'unavailable');
  const gpu = new GPU({ mode: backend });
  return {
    backend,
    device: status.device ?? 'unknown',
    gpu,
    close: () => {
      gpu.destroy();
      if (backend === 'webgpu') releaseNavigatorGpu();
    },
  };
}

export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: GpuBackendName,
    readonly reason: string,
  ) {
    super(`${backend} is not available: ${reason}`);
  }
}
