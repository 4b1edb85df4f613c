/** The bernoulli family: its model and theory (./model.ts), its GPU routes (./gpu.ts), its kernel kernels/bernoulli.js. */
import { defineFamily } from '../descriptor.js';
import { bernoulliParts } from './model.js';

export * from './model.js';

export const bernoulliFamily = defineFamily({ ...bernoulliParts, gpu: () => import('./gpu.js').then((module) => module.gpu) });
