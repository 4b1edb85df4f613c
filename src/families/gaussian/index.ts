/** The gaussian family: its model and theory (./model.ts), its GPU routes (./gpu.ts), its kernel kernels/gaussian.js. */
import { defineFamily } from '../descriptor.js';
import { gaussianParts } from './model.js';

export * from './model.js';

export const gaussianFamily = defineFamily({ ...gaussianParts, gpu: () => import('./gpu.js').then((module) => module.gpu) });
