/**
 * The mvgaussian family: its model and theory (./model.ts). It has no GPU route: a chain's state
 * is d + d(d + 1) + 1 floats with a Cholesky refit every generation, far from the four float
 * slots of a chain kernel (docs/families/mvgaussian.md).
 */
import { defineFamily } from '../descriptor.js';
import { mvGaussianParts } from './model.js';

export * from './model.js';

export const mvGaussianFamily = defineFamily({ ...mvGaussianParts, gpu: () => null });
