/**
 * Mean-field Ising with coupled spins (θ₂ ≠ 0, or θ₂ learned) as a gpu.js kernel that draws
 * one generation's data for every chain; the host refits in float64 with the family's own
 * Newton fit (src/engine/gpu/host-fit.ts). One thread per chain. Mirrors the sampler in
 * src/families/ising.ts.
 *
 * Input row per chain: [chainH, chainL, active, parameters…], where the parameters are
 *   per-sample   the thresholds ⌈P(spin i + 1 up | u of i up)·2^24⌉ for i < N, u ≤ i,
 *                triangular: entry i(i + 1)/2 + u. Spin i of sample s is decision s·N + i
 *                of the stream (chain, generation, tag), a byte-wise decision against its
 *                threshold — the reference's, exactly (independent spins: one threshold repeated);
 *   sufficient   the conditional binomial probabilities q_u of the level multinomial
 *                (see multinomialConditionals), u = 0 … N, drawn with the reference's
 *                binomial in float32 on the same stream positions.
 * The ground truth's parameters (same layout, fixed) are the `truth` argument.
 *
 * Output per chain: [Σu, Σu² div 2048, Σu² mod 2048, 0] over the generation's samples
 * (model and ground truth), u the number of up spins. Σu² reaches (M + K)·N² — beyond
 * float32's exact integers — so it is carried in two exact parts.
 */
import { freshName, kernelGenerator, philoxKeySchedule } from './philox.js';
import { binomialSample, decisionRun, streamReader } from './sampling.js';

/** Floats before a chain's parameters in its input row. */
export const ISING_LEVELS_HEADER = 3;

/** Parameters per chain: triangular thresholds (per-sample) or level probabilities (sufficient). */
export function isingLevelsParameterCount(mode, spins) {
  return mode === 'per-sample' ? (spins * (spins + 1)) / 2 : spins + 1;
}

/**
 * Adds a·b (integers, a < 2^23, b ≤ 2^12) to the pair (hi·2048 + lo) exactly: every
 * partial product and sum stays below 2^24. `ah`, `al`, `carry` are declared by the caller.
 */
function addProduct(a, b) {
  return `ah = Math.floor((${a}) / 2048); al = (${a}) - ah * 2048;
hi = hi + ah * (${b}); lo = lo + al * (${b});
carry = Math.floor(lo / 2048); hi = hi + carry; lo = lo - carry * 2048;`;
}

/** Per-sample draws of `count` samples of N spins on stream `tag`, thresholds at `threshold(index)`: one decision run. */
function perSampleDraws(style, { spins, count, tag, threshold }) {
  const body = (success) => `up = up + ${success};
spin = spin + 1;
if (spin === ${spins}) {
  sumU = sumU + up;
  ${addProduct('up', 'up')}
  spin = 0;
  up = 0;
}`;
  return `spin = 0;
up = 0;
${decisionRun(style, { generation: 'generation', tag, count: count * spins, threshold: threshold('spin * (spin + 1) / 2 + up'), body })}`;
}

/** Sufficient mode: level counts by conditional binomials (the level multinomial). */
function sufficientDraws(style, { spins, count, tag, probability }) {
  const reader = streamReader(style, { generation: 'generation', tag });
  const q = freshName('lm');
  return `{
  ${reader.declare}
  let ${q}left = ${count};
  for (let ${q}level = 0; ${q}level <= ${spins}; ${q}level++) {
    if (${q}left > 0) {
      ${binomialSample(reader, { n: `${q}left`, p: probability(`${q}level`), out: `${q}drawn` })}
      sumU = sumU + ${q}drawn * ${q}level;
      ${addProduct(`${q}drawn * ${q}level`, `${q}level`)}
      ${q}left = ${q}left - ${q}drawn;
    }
  }
}`;
}

/**
 * @param {string} style  the backend's Philox arithmetic
 * @param {{ mode: 'per-sample' | 'sufficient', spins: number, samples: number, groundTruth: number }} config
 */
export const isingLevelsKernelSource = kernelGenerator(function isingLevelsKernelSource(style, { mode, spins, samples, groundTruth }) {
  const width = ISING_LEVELS_HEADER + isingLevelsParameterCount(mode, spins);
  const draws = mode === 'per-sample' ? perSampleDraws : sufficientDraws;
  const own = (index) => `rows[base + ${ISING_LEVELS_HEADER} + ${index}]`;
  const truth = (index) => `truth[${index}]`;
  const config = (tag, count, lookup) => ({ spins, count, tag, threshold: lookup, probability: lookup });
  return `function (rows, generation, keyH0, keyL0, keyH1, keyL1, truth) {
  const base = this.thread.x * ${width};
  const chainH = rows[base];
  const chainL = rows[base + 1];
  let sumU = 0;
  let hi = 0;
  let lo = 0;
  let ah = 0;
  let al = 0;
  let carry = 0;
  let spin = 0;
  let up = 0;
  if (rows[base + 2] > 0) {
    ${philoxKeySchedule(style)}
    ${draws(style, config(0, samples, own))}
    ${groundTruth > 0 ? draws(style, config(1, groundTruth, truth)) : ''}
  }
  return [sumU, hi, lo, 0];
}`;
});
