/**
 * Gaussian closed loop as a gpu.js kernel (one thread per chain), float32: the
 * reference's samplers on the same stream positions, exact in law. Mirrors
 * src/families/gaussian.ts, statistics kept as (mean, M2) and pooled with Chan's update.
 *
 * State slots: [mean, m2, collapse, run]: the statistics the last fit used (this
 * generation's, or all so far under accumulate), the first generation with σ² ≤ ε·σ²₀
 * (−1: none), and the generation reached.
 */
import { chainKernel } from './chain.js';
import { poolMoments, solveIncreasing } from './fits.js';
import { kernelGenerator } from './philox.js';
import { forEachPoint, gammaSample, normalSample, streamReader } from './sampling.js';

/**
 * @param {{ style: string, mode: 'per-sample' | 'sufficient', samples: number, groundTruth: number,
 *           regime: 'replace' | 'accumulate', fit: 'mle' | 'prior' | 'l2', stopAtCollapse: boolean,
 *           unbiased: boolean }} config
 */
export const gaussianKernelSource = kernelGenerator(function gaussianKernelSource(config) {
  const { style, mode, samples, groundTruth, regime, fit, stopAtCollapse, unbiased } = config;
  const n = samples + groundTruth;
  const shift = unbiased ? 1 : 0;

  /** Draws `count` points from N(mu, var) into (out n, mean, m2). */
  const draw = (count, mu, variance, tag, out) => {
    if (mode === 'per-sample') {
      return `let ${out}m = 0; let ${out}s = 0; let ${out}i = 0;
    const ${out}sd = Math.sqrt(${variance});
    ${forEachPoint(style, {
      generation: 't',
      tag,
      count,
      per: 2,
      body: ([u0, u1]) => `{ const z = Math.sqrt(-2 * Math.log((${u0} + 0.5) / 16777216)) * Math.cos(6.283185307179586 * (${u1} / 16777216));
        const x = ${mu} + ${out}sd * z; ${out}i = ${out}i + 1; const d = x - ${out}m; ${out}m = ${out}m + d / ${out}i; ${out}s = ${out}s + d * (x - ${out}m); }`,
    })}`;
    }
    const reader = streamReader(style, { generation: 't', tag });
    return `${reader.declare}
    ${normalSample(reader, `${out}z`)}
    const ${out}m = ${mu} + Math.sqrt(${variance}) / Math.sqrt(${count}) * ${out}z;
    ${count > 1 ? gammaSample(reader, { shape: (count - 1) / 2, out: `${out}g` }) : `const ${out}g = 0;`}
    const ${out}s = ${variance} * 2 * ${out}g;`;
  };

  const pool = poolMoments;

  /** The fitted (muOut, varOut) from statistics (count, mean, m2), with the prior and L2 penalty. */
  const fitFrom = (count, mean, m2, muOut, varOut) => `{
      let fm = ${mean}; let fs = ${m2}; const fn = ${count} + prior;
      if (prior > 0) ${pool(count, mean, m2, 'prior', 'truthMu', 'prior * truthVar', 'fm', 'fs')}
      ${muOut} = fm; ${varOut} = fs / (fn - ${shift});
      ${
        fit === 'l2'
          ? `const c = l2 / fn; const spread = fs / fn; const mm = fm * fm;
      ${solveIncreasing({
        low: 'Math.log(Math.sqrt(c / 2)) - 1',
        high: 'Math.log(Math.max(spread, Math.sqrt(c / 2))) + 1',
        valueAndSlope: (x, f, d) => `const v = Math.exp(${x}); const vc = v + c;
        ${f} = v - c / (2 * v) - spread - mm * c * (2 * v + c) / (vc * vc);
        ${d} = v * (1 + c / (2 * v * v) + 2 * mm * c * v / (vc * vc * vc));`,
        out: 'x',
      })}
      ${varOut} = Math.exp(x); ${muOut} = fm * ${varOut} / (${varOut} + c);`
          : ''
      }
    }`;

  const counted = regime === 'accumulate' ? `(run * ${n})` : String(n);
  return chainKernel({
    style,
    slots: ['mean', 'm2'],
    parameters: ['initialMu', 'initialVar', 'truthMu', 'truthVar', 'prior', 'l2', 'floor'],
    stopAtCollapse,
    body: `let mu = initialMu;
    let variance = initialVar;
    if (run > 0) ${fitFrom(counted, 'mean', 'm2', 'mu', 'variance')}
    ${draw(samples, 'mu', 'variance', 0, 'y')}
    let gm = ym; let gs = ys;
    ${groundTruth > 0 ? `${draw(groundTruth, 'truthMu', 'truthVar', 1, 'r')}\n    ${pool(samples, 'ym', 'ys', groundTruth, 'rm', 'rs', 'gm', 'gs')}` : ''}
    ${regime === 'accumulate' ? `if (run > 0) ${pool(`(run * ${n})`, 'mean', 'm2', n, 'gm', 'gs', 'mean', 'm2')} else { mean = gm; m2 = gs; }` : 'mean = gm; m2 = gs;'}
    // The state is float32 between calls; rounding it every generation keeps results
    // independent of how many generations a call advances (gpu.js's cpu backend computes in
    // doubles within a call).
    mean = Math.fround(mean); m2 = Math.fround(m2);
    run = t;
    let fittedMu = 0; let fittedVar = 0;
    ${fitFrom(regime === 'accumulate' ? `(t * ${n})` : String(n), 'mean', 'm2', 'fittedMu', 'fittedVar')}
    if (collapse < 0 && fittedVar <= floor) collapse = t;`,
  });
});
