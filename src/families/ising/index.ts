/** The ising family: its model and theory (./model.ts), its GPU routes (./gpu.ts), its kernel kernels/bernoulli.js. */
import { defineFamily } from '../descriptor.js';
import { isingParts } from './model.js';

export * from './model.js';

export const isingFamily = defineFamily({ ...isingParts, gpu: () => import('./gpu.js').then((module) => module.gpu) });
