/** The categorical family on a gpu.js backend: the weights pipeline (src/engine/gpu/weights-pipeline.ts). */
import { decoderReshapes, decoderWeights, type CategoricalParams } from './model.js';
import type { RunConfig } from '../family.js';
import type { FamilyGpu, WeightsPipelinePlan } from '../routes.js';

/** Most categories a GPU run takes: the decoder and threshold kernels cost K² per chain and generation. */
export const GPU_MAX_CATEGORIES = 1024;

export function categoricalPipelinePlan(spec: RunConfig): WeightsPipelinePlan {
  const params = spec.familyParams as CategoricalParams;
  const reshapes = decoderReshapes(params);
  const order = Array.from({ length: params.categories }, (_, j) => j);
  return {
    categories: params.categories,
    initial: params.init,
    truth: params.truth,
    decoder: reshapes ? { temperature: params.temperature, topK: params.topK ?? params.categories, topP: params.topP } : null,
    decode: (weights, out) => decoderWeights(params, weights, out, order),
    exactness: spec.mode === 'per-sample' && spec.prior === 0 && spec.l2 === 0 && !reshapes ? 'bit-exact' : 'float32',
  };
}

export const gpu: FamilyGpu = {
  route(spec, backend) {
    const params = spec.familyParams as CategoricalParams;
    if (spec.l2 > 0) return '--l2 with --family categorical runs on --backend simd or reference (the softmax fit needs a whole chain per thread)';
    if (params.topK !== null && params.topK < params.categories && params.topP < 1) {
      return "--top-k together with --top-p runs on --backend simd or reference (every category's rank in every thread)";
    }
    if (params.categories > GPU_MAX_CATEGORIES) {
      return `--categories must be at most ${GPU_MAX_CATEGORIES} on --backend ${backend} (the kernels cost K² per chain and generation); use --backend simd or reference`;
    }
    return { kind: 'pipeline', plan: categoricalPipelinePlan };
  },
};
