/**
 * The weights pipeline (the categorical family's GPU route, src/engine/gpu/weights-pipeline.ts)
 * as gpu.js kernels, one generation per pass. A chain holds K weights, more than one thread can return, so each kernel works over (chain,
 * category) or (chain, block) pairs laid out flat: element x of a [n·K] array is chain
 * ⌊x/K⌋, category x mod K. Mirrors src/families/categorical.ts.
 *
 *   weights     the model's sampler weights: data counts (+ prior pseudo-counts), reshaped
 *               by the decoder (temperature, then top-k, then top-p) when asked;
 *   thresholds  per-sample: ⌈C_j·2^24/W⌉, C_j the cumulative weights, exact by long
 *               division when the weights are counts; sufficient: suffix sums Σ_{l≥j} w_l;
 *   draws       per-sample: element (i, d) is the category of draw d of chain i (the
 *               smallest j with u_d < threshold_j, by binary search);
 *   tally       the new counts: draws of j (synthetic and ground truth);
 *   multinomial sufficient mode: (chain, j) replays the reference's conditional binomials
 *               for categories 0 … j on the same stream and keeps the j-th count;
 *   observe     survivors, first extinction, collapse (one survivor) and its index.
 *
 * A chain that has finished (collapsed, when the loop stops there, or at the horizon) keeps
 * its counts and status in tally, multinomial and observe: the host runs several
 * generations per round without looking, and reads back only at the round's end.
 *
 * Per-sample maximum likelihood without the decoder is exact (the reference compares
 * u·W < C_j·2^24 with integer counts); elsewhere weights are float32.
 */
import { kernelGenerator, philoxKeySchedule } from './philox.js';
import { binomialSample, counterBlock, exactThreshold, streamReader, U24 } from './sampling.js';
import { TOP_P_TOLERANCE } from '../src/constants.js';

/** Chain i, category j of flat element this.thread.x. */
const pairHeader = (K) => `const i = Math.floor(this.thread.x / ${K}); const j = this.thread.x - i * ${K};`;

/**
 * `finished` = chain i's status (collapse code, run) says it is done. One read per
 * statement: GLSL hoisted temporaries clash when two texture reads share a statement.
 */
const finishedTest = (stopAtCollapse) => `const statusCollapse = status[i * 4];
  const statusRun = status[i * 4 + 3];
  let finished = 0;
  if (statusRun >= horizon) finished = 1;
  ${stopAtCollapse ? 'if (statusCollapse >= 0) finished = 1;' : ''}`;

/**
 * The model's weights: counts[i·K + j] plus prior·truth[j], then the decoder: w^{1/T}
 * (relative to the largest), then the k most probable (ties to the lower index) or the
 * smallest set of mass ≥ p. Each thread ranks its category by scanning the row: O(K).
 * (top-k together with top-p would need every category's rank in every thread, O(K²):
 * that combination runs on the reference path.)
 */
export const weightsKernelSource = kernelGenerator(function weightsKernelSource({ K, temperature, topK, topP }) {
  const reshape = temperature !== 1 || topK < K || topP < 1;
  const weight = (index) => `(counts[i * ${K} + ${index}] + prior * truth[${index}])`;
  if (!reshape) {
    return `function (counts, prior, truth) {
  ${pairHeader(K)}
  return ${weight('j')};
}`;
  }
  if (topK < K && topP < 1) throw new Error('top-k with top-p has no GPU kernel');
  // q(l) = (w_l / max w)^{1/T}, 0 where w_l = 0.
  const q = (index, out) => `let ${out} = 0; { const wv = ${weight(index)}; if (wv > 0) ${out} = Math.pow(wv / largest, ${1 / temperature}); }`;
  return `function (counts, prior, truth) {
  ${pairHeader(K)}
  let largest = 0;
  for (let l = 0; l < ${K}; l++) largest = Math.max(largest, ${weight('l')});
  ${q('j', 'mine')}
  // Rank (more probable first, ties to the lower index), the mass ranked before, the total.
  let rank = 0;
  let before = 0;
  let total = 0;
  for (let l = 0; l < ${K}; l++) {
    ${q('l', 'other')}
    total = total + other;
    if (other > mine || (other === mine && l < j)) { rank = rank + 1; before = before + other; }
  }
  ${topK < K ? `if (rank >= ${topK}) return 0;` : ''}
  ${topP < 1 ? `if (before >= ${topP} * total * ${1 - TOP_P_TOLERANCE}) return 0;` : ''}
  return mine;
}`;
});

/**
 * Per-sample thresholds ⌈C_j·2^24/W⌉. `exact`: the weights are integer counts below 2^23,
 * so the long division is exact; otherwise ⌈(C_j/W)·2^24⌉ in float32.
 */
export const thresholdsKernelSource = kernelGenerator(function thresholdsKernelSource({ K, exact }) {
  return `function (weights) {
  ${pairHeader(K)}
  let cumulative = 0;
  let total = 0;
  for (let l = 0; l < ${K}; l++) {
    const w = weights[i * ${K} + l];
    total = total + w;
    if (l <= j) cumulative = cumulative + w;
  }
  ${exact ? `${exactThreshold('cumulative', 'total', 'threshold')}\n  return threshold;` : `return Math.ceil(cumulative / total * ${U24});`}
}`;
});

/** Sufficient mode: suffix sums Σ_{l ≥ j} w_l, summed from the top as the reference does. */
export const suffixKernelSource = kernelGenerator(function suffixKernelSource({ K }) {
  return `function (weights) {
  ${pairHeader(K)}
  let sum = 0;
  for (let r = 0; r < ${K}; r++) {
    const l = ${K - 1} - r;
    if (l >= j) sum = sum + weights[i * ${K} + l];
  }
  return sum;
}`;
});

/**
 * Per-sample draws: element (i, d) is the category of draw d of (chain i, generation, tag):
 * the smallest j with u < threshold_j, by binary search over the chain's thresholds (or the
 * fixed ground-truth thresholds). Each thread computes its draw's Philox block.
 */
export const drawsKernelSource = kernelGenerator(function drawsKernelSource(style, { K, count, tag, fixedThresholds }) {
  const steps = Math.ceil(Math.log2(K)) + 1;
  const threshold = fixedThresholds ? (index) => `thresholds[${index}]` : (index) => `thresholds[i * ${K} + ${index}]`;
  return `function (chains, generation, keyH0, keyL0, keyH1, keyL1, thresholds) {
  const i = Math.floor(this.thread.x / ${count});
  const d = this.thread.x - i * ${count};
  const chainH = chains[i * 2];
  const chainL = chains[i * 2 + 1];
  ${philoxKeySchedule(style)}
  const b = Math.floor(d / 4);
  ${counterBlock(style, 'generation', 'b', tag, 'w')}
  const lane = d - 4 * b;
  let u = w0;
  if (lane === 1) u = w1;
  if (lane === 2) u = w2;
  if (lane === 3) u = w3;
  let lo = 0;
  let hi = ${K - 1};
  for (let s = 0; s < ${steps}; s++) {
    if (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (u < ${threshold('mid')}) hi = mid; else lo = mid + 1;
    }
  }
  return lo;
}`;
});

/**
 * New data counts: element (i, j) counts category j among the chain's synthetic draws (and
 * ground-truth draws), added to the previous counts under accumulate.
 */
export const tallyKernelSource = kernelGenerator(function tallyKernelSource({ K, count, truthCount, accumulate, stopAtCollapse }) {
  const tally = (array, n) => `for (let d = 0; d < ${n}; d++) if (${array}[i * ${n} + d] === j) tally = tally + 1;`;
  return `function (counts, synthetic, real, status, horizon) {
  ${pairHeader(K)}
  ${finishedTest(stopAtCollapse)}
  if (finished === 1) return counts[this.thread.x];
  let tally = ${accumulate ? 'counts[this.thread.x]' : '0'};
  ${tally('synthetic', count)}
  ${truthCount > 0 ? tally('real', truthCount) : ''}
  return tally;
}`;
});

/**
 * Sufficient mode: element (i, j) = the count of category j in Multinomial(count, w_i), drawn
 * as the reference draws it — conditional binomials in category order on the stream
 * (chain, generation, tag), the last category of positive weight taking the rest — by
 * replaying the draws of categories 0 … j. Then ground truth, then accumulation.
 */
export const multinomialKernelSource = kernelGenerator(function multinomialKernelSource(style, { K, count, truthCount, accumulate, stopAtCollapse }) {
  const replay = (tag, n, weight, suffix, out) => {
    const reader = streamReader(style, { generation: 'generation', tag });
    return `let ${out} = 0;
  {
    ${reader.declare}
    let last = -1;
    for (let l = 0; l < ${K}; l++) if (${weight('l')} > 0) last = l;
    let left = ${n};
    for (let l = 0; l < ${K}; l++) {
      if (l <= j) {
        let c = 0;
        if (left > 0 && ${weight('l')} > 0) {
          if (l === last) {
            c = left;
          } else {
            ${binomialSample(reader, { n: 'left', p: `Math.min(1, ${weight('l')} / ${suffix('l')})`, out: 'draw' })}
            c = draw;
          }
        }
        left = left - c;
        if (l === j) ${out} = c;
      }
    }
  }`;
  };
  return `function (counts, weights, suffix, chains, generation, keyH0, keyL0, keyH1, keyL1, truth, truthSuffix, status, horizon) {
  ${pairHeader(K)}
  ${finishedTest(stopAtCollapse)}
  if (finished === 1) return counts[this.thread.x];
  const chainH = chains[i * 2];
  const chainL = chains[i * 2 + 1];
  ${philoxKeySchedule(style)}
  ${replay(0, count, (l) => `weights[i * ${K} + ${l}]`, (l) => `suffix[i * ${K} + ${l}]`, 'synthetic')}
  ${truthCount > 0 ? replay(1, truthCount, (l) => `truth[${l}]`, (l) => `truthSuffix[${l}]`, 'real') : 'const real = 0;'}
  return ${accumulate ? `counts[this.thread.x] + ` : ''}synthetic + real;
}`;
});

/**
 * Per chain after a generation, flat (element 4i + f is field f of chain i, so that the
 * status can stay on the GPU as the next kernels' input): [collapse, outcome,
 * firstExtinction, run] with collapse the first generation at which one category of the
 * fitted model (counts plus prior·truth) is left (−1: none), outcome that category,
 * firstExtinction the first generation with fewer survivors than at generation 0. A
 * finished chain keeps its status.
 */
export const observeKernelSource = kernelGenerator(function observeKernelSource({ K, initialSurvivors, stopAtCollapse }) {
  return `function (counts, status, generation, prior, truth, horizon) {
  const i = Math.floor(this.thread.x / 4);
  const field = this.thread.x - i * 4;
  const before = status[this.thread.x];
  ${finishedTest(stopAtCollapse)}
  if (finished === 1) return before;
  let collapse = statusCollapse;
  let outcome = status[i * 4 + 1];
  let extinction = status[i * 4 + 2];
  let survivors = 0;
  let survivor = -1;
  for (let l = 0; l < ${K}; l++) {
    if (counts[i * ${K} + l] + prior * truth[l] > 0) {
      survivors = survivors + 1;
      if (survivor < 0) survivor = l;
    }
  }
  if (extinction < 0 && survivors < ${initialSurvivors}) extinction = generation;
  if (collapse < 0 && survivors === 1) { collapse = generation; outcome = survivor; }
  if (field === 0) return collapse;
  if (field === 1) return outcome;
  if (field === 2) return extinction;
  return generation;
}`;
});

/** Copies a host array into a GPU-resident one (pipeline mode): the first input of a round. */
export const uploadKernelSource = kernelGenerator(function uploadKernelSource() {
  return `function (values) {
  return values[this.thread.x];
}`;
});
