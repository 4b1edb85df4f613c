/**
 * Bernoulli closed loop as a gpu.js kernel: one thread per chain, advancing it up to
 * `generations` generations per call. Mirrors src/families/bernoulli.ts and the reference
 * stepper (src/engine/reference.ts).
 *
 * State slots (in and out): [ones, total, collapse, run]
 *   ones      1s among the last generation's M + K points
 *   total     1s among all points so far (the accumulate regime fits on it)
 *   collapse  −1, or 2·t + outcome for the first generation t at which p ∈ {0, 1}
 *   run       generations simulated so far
 * The input carries, per chain, the chain index as limbs [chainH, chainL] before the slots.
 *
 * Under maximum likelihood the model is a ratio of counts, so the per-sample threshold
 * ⌈num·2^24/den⌉ is exact and the draws match the reference bit for bit. With a prior or
 * an L2 penalty, p is computed in float32 (exact in law only).
 *
 * The same kernel runs the mean-field Ising model with θ₂ = 0 and θ₁ learned: its N spins
 * per sample are independent Bernoulli draws, so a generation is N·M copies (`copies`
 * per point = N) and only the L2 fit differs (N tanh θ₁ + cθ₁ = E[m], p = σ(2θ₁)).
 */
import { chainKernel } from './chain.js';
import { solveIncreasing } from './fits.js';
import { kernelGenerator } from './philox.js';
import { binomialSample, countDecisions, exactThreshold, spinLevelsSample, streamReader, U24 } from './sampling.js';

/**
 * @param {{ style: string, mode: 'per-sample' | 'sufficient', samples: number, groundTruth: number,
 *           regime: 'replace' | 'accumulate', fit: 'mle' | 'prior' | 'l2', stopAtCollapse: boolean,
 *           copies?: number, l2Form?: 'logistic' | 'ising' }} config
 * `copies`: Bernoulli draws per data point (Ising: N spins). With a prior the kernel's
 * `prior` argument is the pseudo-count in draws (a·N for Ising). `logChoose` holds
 * ln C(N, u), u = 0 … N (Ising sufficient mode draws the levels' multinomial).
 */
export const bernoulliKernelSource = kernelGenerator(function bernoulliKernelSource(config) {
  const { style, mode, regime, fit, stopAtCollapse } = config;
  const copies = config.copies ?? 1;
  const samples = config.samples * copies;
  const groundTruth = config.groundTruth * copies;
  const n = samples + groundTruth;
  const perSample = mode === 'per-sample';
  // The fitted model's data: this generation's points, or all points so far.
  const num = regime === 'accumulate' ? 'total' : 'ones';
  const den = regime === 'accumulate' ? `(run * ${n})` : String(n);

  const modelP = [];
  if (fit === 'mle') {
    modelP.push(`p = ${num} / ${den};`);
    if (perSample) modelP.push(exactThreshold(num, den, 'fitted'), 'threshold = fitted;');
  } else {
    modelP.push(`const nu = ${den} + prior;`, `const eta = (${num} + prior * truthP) / nu;`);
    if (fit === 'l2' && config.l2Form === 'ising') {
      // Per sample: E[m] = N tanh θ₁ and the data mean m̄ = N(2η − 1); c = λ/(samples + a).
      modelP.push(
        `const c = l2 * ${copies} / nu;`,
        `const target = ${copies} * (2 * eta - 1);`,
        solveIncreasing({
          low: `(target - ${copies}) / c`,
          high: `(target + ${copies}) / c`,
          // tanh written through exp: GLSL's tanh (gpu.js's headlessgl) loses the law (measured by verify).
          valueAndSlope: (x, f, d) => `const th = 1 - 2 / (1 + Math.exp(2 * ${x})); ${f} = ${copies} * th + c * ${x} - target; ${d} = ${copies} * (1 - th * th) + c;`,
          out: 'theta',
        }),
        'p = 1 / (1 + Math.exp(-2 * theta));',
      );
    } else if (fit === 'l2') {
      modelP.push(
        'const c = l2 / nu;',
        solveIncreasing({
          low: '(eta - 1) / c',
          high: 'eta / c',
          valueAndSlope: (x, f, d) => `const s = 1 / (1 + Math.exp(-${x})); ${f} = s + c * ${x} - eta; ${d} = s * (1 - s) + c;`,
          out: 'theta',
        }),
        'p = 1 / (1 + Math.exp(-theta));',
      );
    } else {
      modelP.push('p = eta;');
    }
    modelP.push(`threshold = Math.ceil(p * ${U24});`);
  }

  const synthetic = streamReader(style, { generation: 't', tag: 0 });
  const real = streamReader(style, { generation: 't', tag: 1 });
  const draw = perSample
    ? [
        countDecisions(style, { generation: 't', tag: 0, count: samples, threshold: 'threshold', out: 'synthetic' }),
        groundTruth > 0 ? countDecisions(style, { generation: 't', tag: 1, count: groundTruth, threshold: 'truthThreshold', out: 'real' }) : 'const real = 0;',
      ]
    : copies === 1
      ? [
          synthetic.declare,
          binomialSample(synthetic, { n: samples, p: 'p', out: 'synthetic', maxN: samples }),
          groundTruth > 0 ? `${real.declare}\n${binomialSample(real, { n: groundTruth, p: 'truthP', out: 'real', maxN: groundTruth })}` : 'const real = 0;',
        ]
      : [
          // Ising: the multinomial over magnetisation levels, as the reference draws it.
          synthetic.declare,
          spinLevelsSample(synthetic, { count: config.samples, spins: copies, p: 'p', logChoose: 'logChoose', out: 'synthetic' }),
          groundTruth > 0
            ? `${real.declare}\n${spinLevelsSample(real, { count: config.groundTruth, spins: copies, p: 'truthP', logChoose: 'logChoose', out: 'real' })}`
            : 'const real = 0;',
        ];

  const collapseTest =
    fit === 'mle'
      ? `if (collapse < 0) {
      if (${num} === 0) collapse = 2 * t;
      if (${num} === ${regime === 'accumulate' ? `(t * ${n})` : String(n)}) collapse = 2 * t + 1;
    }`
      : '';

  return chainKernel({
    style,
    slots: ['ones', 'total'],
    parameters: ['initialThreshold', 'initialP', 'truthThreshold', 'truthP', 'prior', 'l2', 'logChoose'],
    stopAtCollapse,
    body: `let p = initialP;
    let threshold = initialThreshold;
    if (run > 0) {
      ${modelP.join('\n      ')}
    }
    ${draw.join('\n    ')}
    ones = synthetic + real;
    total = total + ones;
    run = t;
    ${collapseTest}`,
  });
});
