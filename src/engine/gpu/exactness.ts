/** What a gpu.js backend promises for a configuration against the reference path (src/verify.ts checks it). */
import { PHILOX_STYLE_BY_BACKEND } from '../../../kernels/philox.js';
import type { RunSpec } from '../../spec/run-spec.js';
import type { Exactness } from '../engine.js';
import { createFamilyModel } from '../reference.js';
import { categoricalExactness } from './categorical.js';
import type { GpuBackendName } from './names.js';
import { isingLevelsPlan } from './plans/ising-levels.js';
import { gpuPathFor, gpuPlanFor } from './plans/index.js';

export function gpuExactness(spec: RunSpec, backend: GpuBackendName): Exactness {
  const path = gpuPathFor(spec);
  if (path === 'categorical') return categoricalExactness(spec);
  const style = PHILOX_STYLE_BY_BACKEND[backend];
  if (path === 'host-fit') return isingLevelsPlan(spec, createFamilyModel(spec), style).exactness;
  return gpuPlanFor({ spec, model: createFamilyModel(spec), style }).exactness;
}
