/** Engine names, with no imports: cheap for the option parser to load. */
import { GPU_BACKENDS } from './gpu/names.js';

/**
 * The engines a run can name besides the reference path, fastest first on a CPU-only machine:
 * the WebAssembly engine, then the gpu.js backends.
 */
export const ENGINE_BACKENDS: readonly string[] = ['simd', ...GPU_BACKENDS];

/** What --backend accepts. */
export const BACKEND_CHOICES: readonly string[] = ['auto', 'reference', ...ENGINE_BACKENDS];
