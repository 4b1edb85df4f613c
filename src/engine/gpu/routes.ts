/**
 * Which GPU route runs a configuration: the family's own choice (its `*.gpu.ts` module, through
 * the registry) and then the limits every route shares — float32 counts and generation numbers,
 * and what four slots of state per chain cannot hold. A refusal is one line naming the flag,
 * the limit and where the configuration runs instead.
 */
import { FLOAT32 } from '../../families/family.js';
import { FAMILIES } from '../../families/index.js';
import type { GpuRoute } from '../../families/routes.js';
import { rangeContext, type RunSpec } from '../../spec/run-spec.js';
import { EXACT_LIMIT } from './plan.js';

export async function gpuRouteFor(spec: RunSpec, backend: string): Promise<GpuRoute | string> {
  const where = `on --backend ${backend}`;
  const loading = FAMILIES[spec.family].gpu();
  if (loading === null) return `--family ${spec.family} has no GPU route: use --backend simd or reference`;
  const route = (await loading).route(spec, backend);
  if (typeof route === 'string') return route;
  // The host-fit route pools and refits on the host in float64: any regime, no count limit over generations.
  const hostFit = route.kind === 'host-fit';
  if (spec.regime.kind === 'window' && !hostFit) {
    return `--regime window:<W> with --family ${spec.family} runs on --backend simd or reference (a GPU chain keeps four numbers of state)`;
  }
  const n = spec.samples + spec.groundTruth;
  if (n >= EXACT_LIMIT) return `--samples plus --ground-truth must be below ${EXACT_LIMIT} ${where} (exact float32 counts)`;
  if (spec.generations >= EXACT_LIMIT) return `--generations must be below ${EXACT_LIMIT} ${where} (exact float32 generation numbers)`;
  if (spec.regime.kind === 'accumulate' && !hostFit && spec.generations * n >= EXACT_LIMIT) {
    return `--regime accumulate needs --generations × (--samples + --ground-truth) below ${EXACT_LIMIT} ${where} (accumulated counts stay exact float32 integers)`;
  }
  // The family's own limits in float32, for its parameters and what they grow to. On the
  // host-fit route the host pools generations in float64: a kernel sees one generation.
  const context = rangeContext(spec);
  const refusal = FAMILIES[spec.family].rangeRefusal?.(spec.familyParams, hostFit ? { ...context, pooledGenerations: 1 } : context, FLOAT32) ?? null;
  if (refusal !== null) return `${refusal} ${where}`;
  return route;
}
