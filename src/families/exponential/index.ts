/** The exponential family: its model and theory (./model.ts), its GPU routes (./gpu.ts), its kernel kernels/exponential.js. */
import { defineFamily } from '../descriptor.js';
import { exponentialParts } from './model.js';

export * from './model.js';

export const exponentialFamily = defineFamily({ ...exponentialParts, gpu: () => import('./gpu.js').then((module) => module.gpu) });
