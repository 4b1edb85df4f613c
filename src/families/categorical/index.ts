/** The categorical family: its model and theory (./model.ts), its GPU routes (./gpu.ts), its kernel kernels/weights-pipeline.js. */
import { defineFamily } from '../descriptor.js';
import { categoricalParts } from './model.js';

export * from './model.js';

export const categoricalFamily = defineFamily({ ...categoricalParts, gpu: () => import('./gpu.js').then((module) => module.gpu) });
