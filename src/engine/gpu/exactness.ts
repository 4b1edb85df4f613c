/** What a gpu.js backend promises for a configuration against the reference path (src/verify.ts checks it). */
import { PHILOX_STYLE_BY_BACKEND } from '../../../kernels/philox.js';
import type { Exactness } from '../../families/family.js';
import { createFamilyModel, type RunSpec } from '../../spec/run-spec.js';
import type { KernelBackendName } from './names.js';
import { gpuRouteFor } from './routes.js';

export async function gpuExactness(spec: RunSpec, backend: KernelBackendName): Promise<Exactness> {
  const route = await gpuRouteFor(spec, backend);
  if (typeof route === 'string') throw new Error(`no GPU route: ${route}`);
  const style = PHILOX_STYLE_BY_BACKEND[backend];
  if (route.kind === 'pipeline') return route.plan(spec).exactness;
  if (route.kind === 'host-fit') return route.plan(spec, createFamilyModel(spec), style).exactness;
  return route.plan({ spec, model: createFamilyModel(spec), style }).exactness;
}
