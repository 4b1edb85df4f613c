import { bernoulliFamily } from './bernoulli.js';
import { categoricalFamily } from './categorical.js';
import { exponentialFamily } from './exponential.js';
import type { FamilyDefinition, FamilyName } from './family.js';
import { gaussianFamily } from './gaussian.js';
import { isingFamily } from './ising.js';
import { poissonFamily } from './poisson.js';

/** Every family, by name. Adding a family means adding its module here. */
export const FAMILIES: Readonly<Record<FamilyName, FamilyDefinition<any>>> = {
  bernoulli: bernoulliFamily,
  categorical: categoricalFamily,
  gaussian: gaussianFamily,
  poisson: poissonFamily,
  exponential: exponentialFamily,
  ising: isingFamily,
};

export const FAMILY_NAMES = Object.keys(FAMILIES) as FamilyName[];

export type { FamilyDefinition, FamilyModel, FamilyName, SamplingMode } from './family.js';
