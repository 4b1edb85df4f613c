/**
 * gpu.js's cpu and webasm modes run a kernel as one JavaScript function, and V8 leaves a
 * function past 61440 bytes of bytecode to the interpreter. A kernel with two binomial
 * samplers crosses it (measured: Bernoulli M = 100 with --ground-truth 1, sufficient
 * mode, 3.4× slower). V8's flags are process-wide and must be set before the kernel
 * function is compiled, so the limit is raised once, when this module loads: the Node
 * modules that open backends and run kernels import it (a browser cannot set V8 flags).
 */
import { setFlagsFromString } from 'node:v8';

export const KERNEL_BYTECODE_LIMIT = 250_000;
setFlagsFromString(`--max-optimized-bytecode-size=${KERNEL_BYTECODE_LIMIT}`);
