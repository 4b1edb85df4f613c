/**
 * The gpu.js backends: which answer on this machine, what device they found, why an
 * absent one is absent and how to fix it, and opening one for a run.
 *
 * gpu.js can silently fall back to another mode; kernel-runner.ts checks the mode each
 * kernel really ran in, and engines refuse to report a backend that did not run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { GPU } from 'gpu.js';
import './kernel-bytecode-limit.js';
import type { GpuBackendName, KernelBackendName } from './names.js';

export { GPU_BACKENDS, type GpuBackendName } from './names.js';

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

// ---------------------------------------------------------------- webgpu

interface WebGpuModule {
  create(flags: string[]): { requestAdapter(): Promise<{ info: { description?: string; device?: string; vendor?: string; architecture?: string } } | null> };
  globals: Record<string, unknown>;
}

let navigatorInstalled = false;

/**
 * Installs navigator.gpu from the `webgpu` package (Dawn), as gpu.js expects in a browser,
 * once per process. It is never removed: deleting it lets the process exit, as the package
 * advises, but a garbage collection of Dawn's object while the process goes on working
 * crashes it (measured: SIGSEGV or std::system_error). The CLI ends with process.exit.
 */
function installNavigatorGpu(): { ok: true } | { ok: false; reason: string } {
  if (navigatorInstalled) return { ok: true };
  let webgpu: WebGpuModule;
  try {
    webgpu = require('webgpu') as WebGpuModule;
  } catch (error) {
    return { ok: false, reason: `the webgpu package does not load (${(error as Error).message.split('\n')[0]}) — run npm ci` };
  }
  Object.assign(globalThis, webgpu.globals);
  const navigatorObject = ((globalThis as unknown as { navigator?: Record<string, unknown> }).navigator ??= {});
  navigatorObject['gpu'] = webgpu.create([]);
  navigatorInstalled = true;
  return { ok: true };
}

let webgpuStatusCache: BackendStatus | null = null;

/** The built probe script (children run JavaScript, also when the caller is under test). */
function builtScript(name: string): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(directory, name), join(directory, 'dist', 'src', 'engine', 'gpu', name)]) {
      if (existsSync(candidate)) return candidate;
    }
    directory = dirname(directory);
  }
  throw new Error(`${name} not found: run npm run build`);
}

async function webgpuStatus(): Promise<BackendStatus> {
  if (webgpuStatusCache !== null) return webgpuStatusCache;
  const probe = spawnSync(process.execPath, [builtScript('webgpu-probe.js')], { encoding: 'utf8', timeout: 60000 });
  let answer: { error?: string; adapter?: Record<string, string> | null } = {};
  try {
    answer = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '');
  } catch {
    answer = { error: `the adapter probe failed (${probe.error?.message ?? `exit ${probe.status}`})` };
  }
  if (answer.error !== undefined) webgpuStatusCache = absent('webgpu', answer.error);
  else if (!answer.adapter) {
    webgpuStatusCache = absent(
      'webgpu',
      'no WebGPU adapter: Dawn needs a Vulkan driver — install libvulkan1 and mesa-vulkan-drivers from bookworm-backports (Mesa ≥ 25) or a GPU driver',
    );
  } else {
    const info = answer.adapter;
    const description = info['description'] || [info['vendor'], info['device']].filter(Boolean).join(' ') || 'unknown adapter';
    const software = /llvmpipe|lavapipe|swiftshader|software/i.test(`${description} ${info['architecture'] ?? ''}`);
    webgpuStatusCache = { backend: 'webgpu', available: true, device: description, software, reason: null };
  }
  return webgpuStatusCache;
}

// ---------------------------------------------------------------- headlessgl

interface GlContext {
  getExtension(name: string): unknown;
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
  (context.getExtension('STACKGL_destroy_context') as unknown as { destroy(): void } | null)?.destroy();
  // headless-gl reports only "ANGLE"; the renderer under it is the X display's OpenGL.
  const renderer = displayRenderer();
  const software = renderer !== null ? /llvmpipe|softpipe|swrast|software/i.test(renderer) : !hasGpuDevice();
  const device = `ANGLE over ${renderer ?? (software ? 'a software OpenGL (no GPU device node)' : 'the display\'s OpenGL')}`;
  return { backend: 'headlessgl', available: true, device, software, reason: null };
}

/** The X display's OpenGL renderer, from `glxinfo -B` (package mesa-utils), or null. */
function displayRenderer(): string | null {
  try {
    const text = execFileSync('glxinfo', ['-B'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const match = /OpenGL renderer string:\s*(.+)/.exec(text);
    const version = /OpenGL (?:core profile )?version string:\s*(.+)/.exec(text);
    return match ? `${match[1].trim()}${version ? ` — ${version[1].trim()}` : ''}` : null;
  } catch {
    return null;
  }
}

/** Whether the machine has a GPU device node (DRM render node or NVIDIA device). */
function hasGpuDevice(): boolean {
  const dri = existsSync('/dev/dri') && readdirSync('/dev/dri').some((name) => name.startsWith('renderD') || name.startsWith('card'));
  return dri || existsSync('/dev/nvidia0');
}

// ---------------------------------------------------------------- webasm, cpu

function webasmStatus(): BackendStatus {
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') return absent('webasm', 'this Node has no WebAssembly');
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

/** A gpu.js instance on one backend, to be destroyed when the run ends (a browser opens its own: web/). */
export interface OpenBackend {
  readonly backend: KernelBackendName;
  readonly device: string;
  readonly gpu: GPU;
  close(): void;
}

export async function openBackend(backend: GpuBackendName): Promise<OpenBackend> {
  const status = await backendStatus(backend);
  if (!status.available) throw new BackendUnavailableError(backend, status.reason ?? 'unavailable');
  if (backend === 'webgpu') {
    const installed = installNavigatorGpu();
    if (!installed.ok) throw new BackendUnavailableError(backend, installed.reason);
  }
  const { GPU: GpuClass } = (await import('gpu.js')) as { GPU: typeof GPU };
  const gpu = new GpuClass({ mode: backend });
  return {
    backend,
    device: status.device ?? 'unknown',
    gpu,
    close: () => gpu.destroy(),
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
