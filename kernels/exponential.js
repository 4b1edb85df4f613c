/**
 * Exponential closed loop as a gpu.js kernel (one thread per chain), float32: the
 * reference's samplers on the same stream positions, exact in law. Mirrors
 * src/families/exponential.ts.
 *
 * State slots: [sum, total, collapse, run]: Σx of the last generation, Σx of all so far,
 * the first generation with mean ≤ ε·mean₀ (−1: none), and the generation reached.
 */
import { chainKernel } from './chain.js';
import { kernelGenerator } from './philox.js';
import { forEachPoint, gammaSample, open, streamReader } from './sampling.js';

/**
 * @param {{ style: string, mode: 'per-sample' | 'sufficient', samples: number, groundTruth: number,
 *           regime: 'replace' | 'accumulate', fit: 'mle' | 'prior' | 'l2', stopAtCollapse: boolean }} config
 */
export const exponentialKernelSource = kernelGenerator(function exponentialKernelSource(config) {
  const { style, mode, samples, groundTruth, regime, fit, stopAtCollapse } = config;
  const n = samples + groundTruth;
  const num = regime === 'accumulate' ? 'total' : 'sum';
  const den = regime === 'accumulate' ? `(run * ${n})` : String(n);
  const model = [`const nu = ${den} + prior;`, `mean = (${num} + prior * truthMean) / nu;`];
  if (fit === 'l2') model.push('mean = (mean + Math.sqrt(mean * mean + 4 * l2 / nu)) / 2;');

  const draws = (count, scale, tag, out) => {
    if (mode === 'per-sample') {
      return `let ${out} = 0;\n${forEachPoint(style, { generation: 't', tag, count, per: 1, body: ([u]) => `${out} = ${out} + ${scale} * -Math.log(${open(u)});` })}`;
    }
    const reader = streamReader(style, { generation: 't', tag });
    return `${reader.declare}\n${gammaSample(reader, { shape: count, out: `${out}g` })}\nconst ${out} = ${scale} * ${out}g;`;
  };

  return chainKernel({
    style,
    slots: ['sum', 'total'],
    parameters: ['initialMean', 'truthMean', 'prior', 'l2', 'floor'],
    stopAtCollapse,
    body: `let mean = initialMean;
    if (run > 0) {
      ${model.join('\n      ')}
    }
    ${draws(samples, 'mean', 0, 'synthetic')}
    ${groundTruth > 0 ? draws(groundTruth, 'truthMean', 1, 'real') : 'const real = 0;'}
    // Float32 every generation, as between calls (see kernels/gaussian.js).
    sum = Math.fround(synthetic + real);
    total = Math.fround(total + sum);
    run = t;
    let fitted = (${num} + prior * truthMean) / (${regime === 'accumulate' ? `(t * ${n})` : String(n)} + prior);
    ${fit === 'l2' ? `fitted = (fitted + Math.sqrt(fitted * fitted + 4 * l2 / (${regime === 'accumulate' ? `(t * ${n})` : String(n)} + prior))) / 2;` : ''}
    if (collapse < 0 && fitted <= floor) collapse = t;`,
  });
});
