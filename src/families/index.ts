/**
 * The registry: every family's descriptor, in the order the CLI lists them. Adding a family is
 * its own files (src/families/<name>.ts, and where it has a GPU route <name>.gpu.ts and
 * kernels/<name>.js) plus its entry here.
 */
import type { FamilyDescriptor } from './descriptor.js';
import { bernoulliFamily } from './bernoulli/index.js';
import { bigramFamily } from './bigram/index.js';
import { categoricalFamily } from './categorical/index.js';
import { exponentialFamily } from './exponential/index.js';
import { gaussianFamily } from './gaussian/index.js';
import { isingFamily } from './ising/index.js';
import { mvGaussianFamily } from './mvgaussian/index.js';
import { poissonFamily } from './poisson/index.js';

const FAMILY_LIST = [bernoulliFamily, categoricalFamily, gaussianFamily, poissonFamily, exponentialFamily, isingFamily, mvGaussianFamily, bigramFamily] as const;

/** A family's name, as --family takes it. */
export type FamilyName = (typeof FAMILY_LIST)[number]['name'];

/** Every family, by name. */
export const FAMILIES: Readonly<Record<FamilyName, FamilyDescriptor<FamilyName, any>>> = Object.fromEntries(FAMILY_LIST.map((family) => [family.name, family])) as never;

export const FAMILY_NAMES: readonly FamilyName[] = FAMILY_LIST.map((family) => family.name);

/** The family a run without --family simulates (the neutral Wright–Fisher chain). */
export const DEFAULT_FAMILY: FamilyName = bernoulliFamily.name;

export type { FamilyDescriptor } from './descriptor.js';
export type { FamilyModel, SamplingMode } from './family.js';
