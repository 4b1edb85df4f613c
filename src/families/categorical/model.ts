/**
 * Categorical(π₁..π_K), sufficient statistic the one-hot vector: counts ~ Multinomial(M, π).
 * Under maximum likelihood a category whose count reaches 0 is extinct forever: the tails
 * are lost first, then a single survivor remains (collapse), category j with probability
 * π_{j,0}. The sampler can be reshaped like a language model's decoder (temperature,
 * then top-k, then top-p), which accelerates the loss of rare categories.
 */
import { TOP_P_TOLERANCE } from '../../constants.js';
import { column, fillActive, laneScratch, sharedValue, shifted } from '../../rng/lanes.js';
import { lambertWOfExp } from '../../math/lambert-w.js';
import { solveIncreasing } from '../../math/roots.js';
import { UsageError } from '../../spec/errors.js';
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
} from '../family.js';
import { describeFamily, peerDepartures } from '../descriptor.js';

export interface CategoricalParams {
  readonly categories: number;
  /** π₀, normalised. */
  readonly init: readonly number[];
  /** The --init text as given (uniform, zipf:s or a list). */
  readonly initSpec: string;
  /** Ground-truth π*, normalised. */
  readonly truth: readonly number[];
  readonly temperature: number;
  /** null: no top-k truncation. */
  readonly topK: number | null;
  /** 1: no nucleus truncation. */
  readonly topP: number;
}

export const MAX_CATEGORIES = 100000;
const DEFAULT_CATEGORIES = 10;

/** Parses uniform | zipf:<s> | p1,p2,... into a normalised probability vector. */
export function parseInitialLaw(value: unknown, flag: string, categories: number | null): number[] {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') {
    throw new UsageError(`--${flag} must be uniform, zipf:<s> or a list p1,p2,... (got ${JSON.stringify(value)})`);
  }
  const spec = text.trim();
  const count = categories ?? DEFAULT_CATEGORIES;
  if (spec === 'uniform') return new Array<number>(count).fill(1 / count);
  if (spec.startsWith('zipf:')) {
    const exponent = parseNumber(spec.slice(5), `${flag} zipf:<s>`, { min: 0 });
    const weights = Array.from({ length: count }, (_, j) => Math.pow(j + 1, -exponent));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  }
  const parts = spec.split(',');
  // Each number is read as --p0 reads one (parseNumber): decimal, no hex, binary or Infinity.
  const probabilities = parts.map((part) => {
    try {
      return parseNumber(part.trim(), flag, { min: 0 });
    } catch {
      throw new UsageError(`--${flag} must be uniform, zipf:<s> or a list of probabilities ≥ 0 (got ${JSON.stringify(spec)}; ${JSON.stringify(part.trim())} is not a decimal number ≥ 0)`);
    }
  });
  if (probabilities.length < 2) throw new UsageError(`--${flag} needs at least 2 probabilities (got ${JSON.stringify(spec)})`);
  if (categories !== null && probabilities.length !== categories) {
    throw new UsageError(`--${flag} lists ${probabilities.length} probabilities but --categories is ${categories}`);
  }
  const total = probabilities.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-6) throw new UsageError(`--${flag} probabilities must sum to 1 (they sum to ${total})`);
  return probabilities.map((p) => p / total);
}

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

/**
 * Softmax with an L2 penalty on its K natural parameters: solves π_j + cθ_j = η_j with
 * π = softmax(θ). For a trial log-normaliser L each θ_j has the closed form
 * η_j/c − W(e^{η_j/c − L}/c), so only the scalar L is searched for (Σπ = 1).
 */
export function softmaxWithL2(targets: ArrayLike<number>, c: number, out: Float64Array): void {
  const length = out.length;
  const logC = Math.log(c);
  const massAt = (logNormaliser: number): number => {
    let mass = 0;
    for (let j = 0; j < length; j++) mass += c * lambertWOfExp(targets[j] / c - logNormaliser - logC);
    return mass;
  };
  // Σπ decreases in L; solve −(Σπ − 1) = 0, increasing.
  const logNormaliser = solveIncreasing(
    (L) => {
      const h = 1e-7 * Math.max(1, Math.abs(L));
      const value = 1 - massAt(L);
      return [value, (massAt(L - h) - massAt(L + h)) / (2 * h)];
    },
    -1,
    1,
  );
  let total = 0;
  for (let j = 0; j < length; j++) {
    out[j] = c * lambertWOfExp(targets[j] / c - logNormaliser - logC);
    total += out[j];
  }
  for (let j = 0; j < length; j++) out[j] /= total;
}

/** Whether the decoder changes the sampler (temperature ≠ 1, top-k below K, or top-p below 1). */
export function decoderReshapes(params: CategoricalParams): boolean {
  return params.temperature !== 1 || (params.topK !== null && params.topK < params.categories) || params.topP < 1;
}

/**
 * The decoder's distribution from the model's weights: π^{1/T} (relative to the largest),
 * then the k most probable, then the nucleus of mass p (see TOP_P_TOLERANCE); ties go to
 * the lower index.
 */
export function decoderWeights(params: CategoricalParams, weights: ArrayLike<number>, out: Float64Array, order: number[]): void {
  const categories = params.categories;
  let largest = 0;
  for (let j = 0; j < categories; j++) if (weights[j] > largest) largest = weights[j];
  for (let j = 0; j < categories; j++) out[j] = weights[j] > 0 ? Math.pow(weights[j] / largest, 1 / params.temperature) : 0;
  if (params.topK === null && params.topP >= 1) return;
  // Most probable first; ties go to the lower index, so truncation is deterministic.
  order.sort((a, b) => out[b] - out[a] || a - b);
  if (params.topK !== null) for (let rank = params.topK; rank < categories; rank++) out[order[rank]] = 0;
  if (params.topP < 1) {
    let total = 0;
    for (let j = 0; j < categories; j++) total += out[j];
    let kept = 0;
    let rank = 0;
    const mass = params.topP * total * (1 - TOP_P_TOLERANCE);
    for (; rank < categories && kept < mass; rank++) kept += out[order[rank]];
    for (; rank < categories; rank++) out[order[rank]] = 0;
  }
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
    { flag: 'temperature', valueName: '<T>', description: 'sampler temperature > 0 (π^{1/T})', defaultValue: '1' },
    { flag: 'top-k', valueName: '<k>', description: 'sample only the k most probable categories, 1..K' },
    { flag: 'top-p', valueName: '<p>', description: 'sample only the smallest set of mass ≥ p, in (0, 1]', defaultValue: '1' },
  ],
  resolve(raw: RawOptions): CategoricalParams {
    const declared = given(raw, 'categories')
      ? parseNumber(raw['categories'], 'categories', { min: 2, max: MAX_CATEGORIES, integer: true })
      : null;
    const initSpec = given(raw, 'init') ? String(raw['init']) : 'uniform';
    const init = parseInitialLaw(initSpec, 'init', declared);
    const categories = init.length;
    const truth = given(raw, 'truth-init') ? parseInitialLaw(raw['truth-init'], 'truth-init', categories) : init;
    const temperature = given(raw, 'temperature') ? parseNumber(raw['temperature'], 'temperature', { min: 0, minOpen: true }) : 1;
    const topK = given(raw, 'top-k') ? parseNumber(raw['top-k'], 'top-k', { min: 1, max: categories, integer: true }) : null;
    const topP = given(raw, 'top-p') ? parseNumber(raw['top-p'], 'top-p', { min: 0, max: 1, minOpen: true }) : 1;
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
