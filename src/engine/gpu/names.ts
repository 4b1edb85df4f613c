/** The gpu.js backends collapse-sim can run on (no gpu.js import here: cheap to load). */
export type GpuBackendName = 'webgpu' | 'headlessgl' | 'webasm' | 'cpu';
export const GPU_BACKENDS: readonly GpuBackendName[] = ['webgpu', 'headlessgl', 'webasm', 'cpu'];

/**
 * The gpu.js modes the GPU engine drives: the CLI's backends, and a browser's WebGL2 (web/),
 * which Node has no context for. Kernels are generated per mode (kernels/philox.js
 * PHILOX_STYLE_BY_BACKEND) and the mode gpu.js really ran is checked against it.
 */
export type KernelBackendName = GpuBackendName | 'webgl2';
