/** The poisson family: its model and theory (./model.ts), its GPU routes (./gpu.ts), its kernel kernels/poisson.js. */
import { defineFamily } from '../descriptor.js';
import { poissonParts } from './model.js';

export * from './model.js';

export const poissonFamily = defineFamily({ ...poissonParts, gpu: () => import('./gpu.js').then((module) => module.gpu) });
