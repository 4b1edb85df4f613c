/**
 * Poisson closed loop as a gpu.js kernel (one thread per chain). Mirrors
 * src/families/poisson.ts.
 *
 * State slots: [sum, total, collapse, run]: Σx of the last generation, Σx of all so far,
 * the first generation with λ = 0 (−1: none; −2: a count passed 2^24, beyond exact
 * float32), and the generation reached.
 *
 * Per-sample inversion (λ below INVERSION_LIMIT) compares the uniform with ⌈F(k)·2^24⌉, F
 * the Poisson CDF. Under maximum likelihood λ = S/n, so the host computes these thresholds
 * for every such S with the reference's own float64 recursion and passes them as `table`
 * (row S, then rows for λ₀ and λ*, given as initialRow and truthRow, −1 where λ is above
 * the limit): the draws then match the reference exactly.
 * Elsewhere (prior, L2, accumulate, λ ≥ 10, sufficient mode) the reference's inversion or
 * PTRS runs in float32 on the same stream positions: it follows the reference but for a
 * rare float32 decision, and is exact in law.
 */
import { chainKernel } from './chain.js';
import { solveIncreasing } from './fits.js';
import { kernelGenerator } from './philox.js';
import { forEachPoint, poissonSample, streamReader, U24 } from './sampling.js';

/**
 * @param {{ style: string, mode: 'per-sample' | 'sufficient', samples: number, groundTruth: number,
 *           regime: 'replace' | 'accumulate', fit: 'mle' | 'prior' | 'l2', stopAtCollapse: boolean,
 *           tableRows: number, tableWidth: number }} config
 * tableRows: rows of exact thresholds for λ = S/n, S = 0 … tableRows − 1 (0: no table).
 */
export const poissonKernelSource = kernelGenerator(function poissonKernelSource(config) {
  const { style, mode, samples, groundTruth, regime, fit, stopAtCollapse, tableRows, tableWidth } = config;
  const n = samples + groundTruth;
  const num = regime === 'accumulate' ? 'total' : 'sum';
  const den = regime === 'accumulate' ? `(run * ${n})` : String(n);
  const exactTable = tableRows > 0 && fit === 'mle' && regime === 'replace' && mode === 'per-sample';

  const model = [];
  if (fit === 'mle') model.push(`lambda = ${num} / ${den};`, exactTable ? `row = -1; if (sum < ${tableRows}) row = sum;` : '');
  else {
    model.push(`const nu = ${den} + prior;`, `const eta = (${num} + prior * truthLambda) / nu;`, 'row = -1;');
    if (fit === 'l2') {
      model.push(
        'const c = l2 / nu;',
        solveIncreasing({
          low: '-1',
          high: 'Math.log(Math.max(eta, 1)) + 1',
          valueAndSlope: (x, f, d) => `const e = Math.exp(${x}); ${f} = e + c * ${x} - eta; ${d} = e + c;`,
          out: 'theta',
        }),
        'lambda = Math.exp(theta);',
      );
    } else model.push('lambda = eta;');
  }

  /** Per-sample: `count` draws from Poisson(mean) into `out`, exact by table row when row ≥ 0. */
  const perSampleDraws = (count, mean, rowExpression, tag, out) => {
    const q = `${out}q`;
    const inversion = ([u]) => `{
      let ${q}k = 0;
      for (let ${q}j = 0; ${q}j < ${tableWidth}; ${q}j++) {
        if (${u} < table[${rowExpression} * ${tableWidth} + ${q}j]) break;
        ${q}k = ${q}k + 1;
      }
      ${out} = ${out} + ${q}k;
    }`;
    // Otherwise the reference's sampler point by point, reading the same stream positions.
    const reader = streamReader(style, { generation: 't', tag });
    return `let ${out} = 0;
    if (${rowExpression} >= 0) {
      ${forEachPoint(style, { generation: 't', tag, count, per: 1, body: inversion })}
    } else {
      ${reader.declare}
      for (let ${q}p = 0; ${q}p < ${count}; ${q}p++) {
        ${poissonSample(reader, { mean, out: `${q}x` })}
        ${out} = ${out} + ${q}x;
      }
    }`;
  };

  const syntheticReader = streamReader(style, { generation: 't', tag: 0 });
  const realReader = streamReader(style, { generation: 't', tag: 1 });
  const draws =
    mode === 'per-sample'
      ? [
          perSampleDraws(samples, 'lambda', 'row', 0, 'synthetic'),
          groundTruth > 0 ? perSampleDraws(groundTruth, 'truthLambda', exactTable ? 'truthRow' : '-1', 1, 'real') : 'const real = 0;',
        ]
      : [
          syntheticReader.declare,
          poissonSample(syntheticReader, { mean: `${samples} * lambda`, out: 'synthetic' }),
          groundTruth > 0 ? `${realReader.declare}\n${poissonSample(realReader, { mean: `${groundTruth} * truthLambda`, out: 'real' })}` : 'const real = 0;',
        ];

  return chainKernel({
    style,
    slots: ['sum', 'total'],
    parameters: ['initialLambda', 'truthLambda', 'prior', 'l2', 'table', 'initialRow', 'truthRow'],
    stopAtCollapse,
    halt: 'collapse < -1',
    body: `let lambda = initialLambda;
    let row = ${exactTable ? 'initialRow' : '-1'};
    if (run > 0) {
      ${model.join('\n      ')}
    }
    ${draws.join('\n    ')}
    sum = synthetic + real;
    total = total + sum;
    run = t;
    if (total >= ${U24}) collapse = -2;
    ${fit === 'mle' ? `if (collapse === -1 && ${num} === 0) collapse = t;` : ''}`,
  });
});

/**
 * ⌈F(k)·2^24⌉ for the Poisson CDF F computed exactly as the reference's inversion does
 * (float64, p₀ = e^{−λ}, p_k = p_{k−1}·λ/k), for k = 0 … width − 1, saturating at 2^24.
 */
export function poissonThresholds(lambda, width) {
  const row = new Float64Array(width).fill(U24);
  let probability = Math.exp(-lambda);
  let cumulative = probability;
  for (let k = 0; k < width; k++) {
    row[k] = Math.min(U24, Math.ceil(cumulative * U24));
    if (row[k] >= U24) break;
    probability *= lambda / (k + 1);
    cumulative += probability;
  }
  return row;
}
