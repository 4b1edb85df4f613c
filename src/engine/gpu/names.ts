/** The gpu.js backends collapse-sim can run on (no gpu.js import here: cheap to load). */
export type GpuBackendName = 'webgpu' | 'headlessgl' | 'webasm' | 'cpu';
export const GPU_BACKENDS: readonly GpuBackendName[] = ['webgpu', 'headlessgl', 'webasm', 'cpu'];
