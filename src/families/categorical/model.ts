/**
 * Categorical(π₁..π_K), sufficient statistic the one-hot vector: counts ~ Multinomial(M, π).
 * Under maximum likelihood a category whose count reaches 0 is extinct forever: the tails
 * are lost first, then a single survivor remains (collapse), category j with probability
 * π_{j,0}. The sampler can be reshaped like a language model's decoder (temperature,
 * then top-k, then top-p), which accelerates the loss of rare categories.
 */
import { column, fillActive, laneScratch, sharedValue, shifted } from '../../rng/lanes.js';
import { given, parseNumber, type RawOptions } from '../../spec/parse.js';
import {
  SAMPLING_MODES,
  addSums,
  countRefusal,
  eventColumn,
  floatColumn,
  intColumn,
  type FamilyModel,
  type LoopConfig,
  absorbedAtTruthValue,
} from '../family.js';
import { describeFamily, peerDepartures } from '../descriptor.js';
import { DECODER_OPTIONS, decoderReshapes, decoderWeights, resolveDecoder, type DecoderParams } from '../decoder.js';
import { DEFAULT_CATEGORIES, parseInitialLaw } from '../initial-law.js';
import { softmaxWithL2 } from '../softmax-l2.js';

// The decoder, the L2 softmax fit and the law parser are shared with other families made of
// categorical laws; they are exported here too, where the categorical family's users look.
export { decoderReshapes, decoderWeights } from '../decoder.js';
export { parseInitialLaw } from '../initial-law.js';
export { softmaxWithL2 } from '../softmax-l2.js';

export interface CategoricalParams extends DecoderParams {
  /** π₀, normalised. */
  readonly init: readonly number[];
  /** The --init text as given (uniform, zipf:s or a list). */
  readonly initSpec: string;
  /** Ground-truth π*, normalised. */
  readonly truth: readonly number[];
}

export const MAX_CATEGORIES = 100000;

function countPositive(weights: ArrayLike<number>, length: number): number {
  let survivors = 0;
  for (let j = 0; j < length; j++) if (weights[j] > 0) survivors++;
  return survivors;
}

/** Entropy in nats and the largest probability of unnormalised weights. */
function entropyAndMax(weights: ArrayLike<number>, length: number): [number, number] {
  let total = 0;
  let largest = 0;
  for (let j = 0; j < length; j++) {
    total += weights[j];
    if (weights[j] > largest) largest = weights[j];
  }
  let entropy = 0;
  for (let j = 0; j < length; j++) {
    const p = weights[j] / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return [entropy, largest / total];
}

function createModel(params: CategoricalParams, loop: LoopConfig): FamilyModel {
  const categories = params.categories;
  const initialSurvivors = countPositive(params.init, categories);
  const reshapes = decoderReshapes(params);
  const order = Array.from({ length: categories }, (_, j) => j);
  const reshape = (weights: Float64Array, out: Float64Array): void => decoderWeights(params, weights, out, order);

  return {
    family: 'categorical',
    stateSize: categories,
    statsSize: categories + 1,
    hasOutcome: true,
    events: [
      {
        column: eventColumn('first_extinction_time', 'first generation at which a category present at generation 0 has probability 0'),
        happened: (state) => countPositive(state, categories) < initialSurvivors,
      },
    ],
    finalColumns: [
      intColumn('survivors', 'categories with positive probability at the last generation simulated'),
      floatColumn('final_entropy', 'entropy of the model in nats at the last generation simulated'),
      floatColumn('final_max_p', 'largest category probability at the last generation simulated'),
    ],
    trajectoryColumns: [
      intColumn('survivors', 'categories with positive probability'),
      floatColumn('entropy', 'entropy of the model in nats'),
      floatColumn('max_p', 'largest category probability'),
    ],
    // The state holds unnormalised weights: the counts themselves after a maximum-likelihood
    // fit, so draws compare integers (see rng/distributions/categorical).
    initialState: () => Float64Array.from(params.init),
    truthState: () => Float64Array.from(params.truth),
    createSampler(generator, role) {
      const applyDecoder = role === 'model' && reshapes;
      const trials = sharedValue(generator);
      // Per lane: the decoder's weights, and cumulative weights for per-sample draws.
      const shaped = applyDecoder ? laneScratch(generator, categories) : null;
      const cumulative = laneScratch(generator, categories);
      return (states, count, mode, stats) => {
        const { active, activeCount } = generator;
        let weights = states;
        if (shaped !== null) {
          for (let k = 0; k < activeCount; k++) {
            const lane = active[k];
            const from = states.offset + lane * states.stride;
            const to = lane * categories;
            reshape(states.data.subarray(from, from + categories), shaped.data.subarray(to, to + categories));
          }
          weights = shaped;
        }
        const counts = shifted(stats, 1);
        if (mode === 'sufficient') {
          generator.multinomials(trials.set(count), weights, categories, counts);
        } else {
          // Every lane's cumulative weights (one row when all lanes share the truth's weights).
          const rows = weights.stride === 0 ? 1 : activeCount;
          for (let k = 0; k < rows; k++) {
            const lane = weights.stride === 0 ? 0 : active[k];
            const from = weights.offset + lane * weights.stride;
            const to = lane * categories;
            let running = 0;
            for (let j = 0; j < categories; j++) {
              running += weights.data[from + j];
              cumulative.data[to + j] = running;
            }
          }
          generator.categoricalCounts(count, weights.stride === 0 ? column(cumulative.data, 0, 0) : cumulative, categories, counts);
        }
        fillActive(generator, stats, count);
      };
    },
    samplerFloatsPerLane: 2 * categories,
    addStats: addSums,
    pseudoStats(weight, out) {
      out[0] = weight;
      for (let j = 0; j < categories; j++) out[j + 1] = weight * params.truth[j];
    },
    fit(stats, state) {
      const counts = stats.subarray(1);
      if (loop.l2 > 0) {
        const targets = counts.map((c) => c / stats[0]);
        softmaxWithL2(targets, loop.l2 / stats[0], state);
      } else {
        state.set(counts);
      }
    },
    isCollapsed: (state) => countPositive(state, categories) === 1,
    // A lone survivor is left again with truth points or a prior unless the truth has that lone category.
    ...absorbedAtTruthValue(
      loop,
      countPositive(params.truth, categories) === 1 ? params.truth.findIndex((w) => w > 0) : -1,
      Array.from({ length: categories }, (_, j) => j),
      (state) => (countPositive(state, categories) === 1 ? state.findIndex((w) => w > 0) : -1),
    ),
    outcome(state) {
      for (let j = 0; j < categories; j++) if (state[j] > 0) return j;
      return -1;
    },
    isOutcome: (value) => Number.isInteger(value) && value >= 0 && value < categories,
    isFrozen: (state) => countPositive(state, categories) === 1,
    writeFinals(state, out) {
      const [entropy, largest] = entropyAndMax(state, categories);
      out[0] = countPositive(state, categories);
      out[1] = entropy;
      out[2] = largest;
    },
    writeTrajectory(state, out) {
      const [entropy, largest] = entropyAndMax(state, categories);
      out[0] = countPositive(state, categories);
      out[1] = entropy;
      out[2] = largest;
    },
  };
}

/** The family's description; ./index.ts adds its GPU routes. */
export const categoricalParts = describeFamily({
  name: 'categorical',
  summary: 'Categorical(π₁..π_K): multi-allele Wright–Fisher; tails go extinct, then one survivor',
  options: [
    { flag: 'categories', valueName: '<K>', description: `number of categories, 2..${MAX_CATEGORIES}`, defaultValue: String(DEFAULT_CATEGORIES) },
    { flag: 'init', valueName: '<law>', description: 'initial law: uniform, zipf:<s> or p1,p2,...', defaultValue: 'uniform' },
    { flag: 'truth-init', valueName: '<law>', description: 'ground-truth law for --ground-truth and --prior (default: --init)' },
    ...DECODER_OPTIONS,
  ],
  resolve(raw: RawOptions): CategoricalParams {
    const declared = given(raw, 'categories')
      ? parseNumber(raw['categories'], 'categories', { min: 2, max: MAX_CATEGORIES, integer: true })
      : null;
    const initSpec = given(raw, 'init') ? String(raw['init']) : 'uniform';
    const init = parseInitialLaw(initSpec, 'init', declared);
    const categories = init.length;
    const truth = given(raw, 'truth-init') ? parseInitialLaw(raw['truth-init'], 'truth-init', categories) : init;
    const { temperature, topK, topP } = resolveDecoder(raw, categories);
    return { categories, init, initSpec, truth, temperature, topK, topP };
  },
  modes: SAMPLING_MODES,
  exactTheory(config) {
    const params = config.familyParams as CategoricalParams;
    if (decoderReshapes(params)) return 'a reshaped decoder (temperature, top-k, top-p) breaks the martingale: no exact survivor law';
    return { source: 'martingale: P(survivor j) = π_j,0', cdfAt: null, knownTo: 0, changesTo: 0, mean: null, outcome: (value) => params.init[value] ?? 0, note: null };
  },
  peerRequest(config) {
    const params = config.familyParams as CategoricalParams;
    const decoder = [params.temperature !== 1 ? '--temperature' : null, params.topK !== null ? '--top-k' : null, params.topP !== 1 ? '--top-p' : null];
    return peerDepartures(config, decoder) ?? { params: { init: params.init }, sufficientForm: 'multinomial' };
  },
  // Counts of points: exact while one fit pools fewer than the format's exact integers.
  rangeRefusal: (_params, run, format) => countRefusal(run, format),
  toOptions: (params) => ({
    categories: params.categories,
    init: params.initSpec,
    ...(JSON.stringify(params.truth) === JSON.stringify(params.init) ? {} : { 'truth-init': params.truth.join(',') }),
    temperature: params.temperature,
    ...(params.topK === null ? {} : { 'top-k': params.topK }),
    'top-p': params.topP,
  }),
  create: createModel,
});

/** Exact theory for the neutral chain (maximum likelihood, no reshaping, no mitigation). */
export const categoricalTheory = {
  /** P(category j is the last survivor) = π_{j,0}: each π_j is a martingale. */
  survivorProbabilities: (init: readonly number[]): readonly number[] => init,
};
