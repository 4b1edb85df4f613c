/**
 * The bigram family: its model and theory (./model.ts). No GPU route: a chain's model is K×K
 * weights (a kernel thread keeps four numbers) and its per-sample draw walks rows chosen by the
 * token before, so it runs on the simd engine or the reference, which auto picks.
 */
import { defineFamily } from '../descriptor.js';
import { bigramParts } from './model.js';

export * from './model.js';

export const bigramFamily = defineFamily({ ...bigramParts, gpu: () => null });
