/**
 * A bigram language model: a first-order Markov chain over K tokens, row i of its transition
 * matrix a categorical law over the token that follows i. Each generation it writes M sequences
 * of L tokens — the first token from a fixed start law ν, each next one from the row of the token
 * before it (through the decoder: temperature, top-k, top-p) — and is refitted on their
 * transition counts: row i ← the counts N_i· of the steps out of i. A row that received no
 * transition keeps its previous law (its maximum-likelihood fit is undefined). Under maximum
 * likelihood a successor whose probability reaches 0 is lost for good, so rows lose their rare
 * successors first; the chain has collapsed when every row has a single successor (the
 * model is then a deterministic map), or with --collapse-on any-row when the first row that had
 * several has one (always recorded as the event first_row_collapse_time). The science, and what is exact, is in docs/families/bigram.md.
 */
import { column, fillActive, laneScratch, sharedValue, shifted, withActiveSubset } from '../../rng/lanes.js';
import { UsageError } from '../../spec/errors.js';
import { given, parseChoice, parseNumber, type RawOptions } from '../../spec/parse.js';
import { binomialPmf, wrightFisherAbsorption } from '../../stats/wright-fisher.js';
import {
  SAMPLING_MODES,
  addSums,
  absorbedUnlessMitigated,
  eventColumn,
  floatColumn,
  formatLimit,
  hasMitigation,
  intColumn,
  wrightFisherTheory,
  type ExactTheory,
  type FamilyModel,
  type LoopConfig,
  type NumberFormat,
  type RangeContext,
  type RunConfig,
} from '../family.js';
import { describeFamily } from '../descriptor.js';
import { DECODER_OPTIONS, decoderReshapes, decoderWeights, resolveDecoder, type DecoderParams } from '../decoder.js';
import { DEFAULT_CATEGORIES, parseInitialLaw } from '../initial-law.js';
import { softmaxWithL2 } from '../softmax-l2.js';

export interface BigramParams {
  /** K: the vocabulary, tokens 0 … K − 1. */
  readonly tokens: number;
  /** L ≥ 2: tokens per sequence (L − 1 transitions). */
  readonly length: number;
  /** ν: the law of a sequence's first token, normalised; fixed (never refitted). */
  readonly start: readonly number[];
  /** The initial transition matrix as --transitions gave it (uniform, zipf:<s> or rows). */
  readonly transitions: string;
  /** The ground truth's, for --ground-truth and --prior. */
  readonly truthTransitions: string;
  /** all-rows: collapsed when every row has one successor (the default); any-row: when the first random row has one. */
  readonly collapseOn: CollapseCriterion;
  readonly temperature: number;
  /** null: no top-k truncation. */
  readonly topK: number | null;
  /** 1: no nucleus truncation. */
  readonly topP: number;
}

export const COLLAPSE_CRITERIA = ['all-rows', 'any-row'] as const;
export type CollapseCriterion = (typeof COLLAPSE_CRITERIA)[number];

/**
 * Most tokens: a chain holds its K×K model, two K×K rows of statistics and the sampler's K×K
 * cumulative and decoded rows (2.5 MiB a chain at K = 256), and the per-sample sampler costs K²
 * per chain and generation besides the M·L draws.
 */
export const MAX_TOKENS = 256;
/** Most tokens for which the collapsed chain's successor map is the outcome: K^K < 2^31 (int32 column). */
export const MAX_OUTCOME_TOKENS = 9;
export const MAX_LENGTH = 1e9;
/** Most tokens for which each row's survivors get a column of their own (row_survivors_<i>). */
export const MAX_ROW_COLUMNS = 16;
const DEFAULT_LENGTH = 10;

/**
 * The transition matrix a law names, K×K row-major, rows normalised: `uniform` (every row
 * uniform); `zipf:<s>` (row i ranks its successors i + 1, i + 2, …, i (mod K): the r-th has weight
 * r^−s, so every row prefers the next token and rows differ); or the rows themselves, separated by
 * ';', each as --start takes a law (p_i0,…,p_i(K−1) summing to 1).
 */
export function transitionMatrix(value: unknown, flag: string, tokens: number): number[] {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw new UsageError(`--${flag} must be uniform, zipf:<s> or rows p00,p01,…;p10,p11,…;… (got ${JSON.stringify(value)})`);
  if (text === 'uniform') return new Array<number>(tokens * tokens).fill(1 / tokens);
  if (text.startsWith('zipf:')) {
    const exponent = parseNumber(text.slice(5), `${flag} zipf:<s>`, { min: 0 });
    const ranked = Array.from({ length: tokens }, (_, r) => Math.pow(r + 1, -exponent));
    const total = ranked.reduce((a, b) => a + b, 0);
    const matrix = new Array<number>(tokens * tokens);
    for (let i = 0; i < tokens; i++) for (let j = 0; j < tokens; j++) matrix[i * tokens + j] = ranked[(j - i - 1 + 2 * tokens) % tokens] / total;
    return matrix;
  }
  const rows = text.split(';');
  if (rows.length === 1) throw new UsageError(`--${flag} must be uniform, zipf:<s> or K rows p00,p01,…;p10,p11,…;… separated by ';' (got ${JSON.stringify(text)})`);
  if (rows.length !== tokens) throw new UsageError(`--${flag} lists ${rows.length} row${rows.length === 1 ? '' : 's'} but --tokens is ${tokens} (rows are separated by ';')`);
  return rows.flatMap((row, i) => parseInitialLaw(row, `${flag} row ${i}`, tokens, 'tokens'));
}

/** The token count a law fixes by listing rows (transitions, ';') or probabilities (start, ','), if it does. */
function listedCount(value: unknown, separator: string): number | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '' || text === 'uniform' || text.startsWith('zipf:') || text.startsWith('token:')) return null;
  return text.split(separator).length;
}

/** K: --tokens, else the first law that lists rows or probabilities, else the default. */
function tokensOf(raw: RawOptions, laws: readonly (readonly [flag: string, text: unknown, separator: string])[]): number {
  if (given(raw, 'tokens')) return parseNumber(raw['tokens'], 'tokens', { min: 2, max: MAX_TOKENS, integer: true });
  for (const [flag, text, separator] of laws) {
    const listed = listedCount(text, separator);
    // One row or probability is no list of K: the law's own parser says what is wrong with it.
    if (listed === null || listed < 2) continue;
    if (listed > MAX_TOKENS) {
      throw new UsageError(`--${flag} lists ${listed} ${separator === ';' ? 'rows' : 'probabilities'}: there must be 2..${MAX_TOKENS} tokens (--tokens)`);
    }
    return listed;
  }
  return DEFAULT_CATEGORIES;
}

/** ν from --start: uniform, zipf:<s>, token:<j> (every sequence starts with token j) or p0,…,p(K−1). */
export function startLaw(value: unknown, tokens: number): number[] {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text === 'string' && text.trim().startsWith('token:')) {
    const token = parseNumber(text.trim().slice(6), 'start token:<j>', { min: 0, max: tokens - 1, integer: true });
    return Array.from({ length: tokens }, (_, j) => (j === token ? 1 : 0));
  }
  return parseInitialLaw(text, 'start', tokens, 'tokens');
}

function decoderOf(params: BigramParams): DecoderParams {
  return { categories: params.tokens, temperature: params.temperature, topK: params.topK, topP: params.topP };
}

/** Successors with positive weight in row i. */
function support(weights: ArrayLike<number>, tokens: number, i: number): number {
  let count = 0;
  for (let j = i * tokens; j < (i + 1) * tokens; j++) if (weights[j] > 0) count++;
  return count;
}

/** Per-row summaries of a model: survivors, rows with one successor, the widest row, mean entropy (nats), mean Gini–Simpson index. */
function summariseRows(state: Float64Array, tokens: number, out: Float64Array): void {
  let survivors = 0;
  let collapsedRows = 0;
  let widest = 0;
  let entropy = 0;
  let heterozygosity = 0;
  for (let i = 0; i < tokens; i++) {
    const base = i * tokens;
    let total = 0;
    let alive = 0;
    for (let j = 0; j < tokens; j++) {
      total += state[base + j];
      if (state[base + j] > 0) alive++;
    }
    let rowEntropy = 0;
    let squares = 0;
    for (let j = 0; j < tokens; j++) {
      const p = state[base + j] / total;
      if (p > 0) {
        rowEntropy -= p * Math.log(p);
        squares += p * p;
      }
    }
    survivors += alive;
    if (alive === 1) collapsedRows++;
    if (alive > widest) widest = alive;
    // A single successor has p = w/w = 1 exactly: entropy and Gini–Simpson index 0.
    entropy += alive === 1 ? 0 : rowEntropy;
    heterozygosity += alive === 1 ? 0 : 1 - squares;
  }
  out[0] = survivors;
  out[1] = collapsedRows;
  out[2] = widest;
  out[3] = entropy / tokens;
  out[4] = heterozygosity / tokens;
}

/** What summariseRows writes, in order: counts (int32), then means (float64; `final_` prefixed among the finals). */
const ROW_SUMMARY = [
  { name: 'survivors', integer: true, description: 'transitions i → j with positive probability, over all rows (K² at most, K when collapsed)' },
  { name: 'collapsed_rows', integer: true, description: 'rows (tokens) with a single successor' },
  { name: 'max_row_survivors', integer: true, description: 'successors of the widest row (1: the chain is deterministic)' },
  { name: 'row_entropy', integer: false, description: 'mean over the K rows of the row’s entropy, in nats' },
  { name: 'heterozygosity', integer: false, description: 'mean over the K rows of the row’s Gini–Simpson index 1 − Σ_j P_ij²' },
] as const;

function createModel(params: BigramParams, loop: LoopConfig): FamilyModel {
  const tokens = params.tokens;
  const cells = tokens * tokens;
  const length = params.length;
  const initial = transitionMatrix(params.transitions, 'transitions', tokens);
  const truth = transitionMatrix(params.truthTransitions, 'truth-transitions', tokens);
  const start = params.start;
  const decoder = decoderOf(params);
  const reshapes = decoderReshapes(decoder);
  const order = Array.from({ length: tokens }, (_, j) => j);
  const initialSupport = Int32Array.from({ length: tokens }, (_, i) => support(initial, tokens, i));
  const targets = new Float64Array(tokens);
  const fitted = new Float64Array(tokens);
  const depth = new Int32Array(tokens);
  const queue = new Int32Array(tokens);

  const deterministic = (state: Float64Array): boolean => {
    for (let i = 0; i < tokens; i++) if (support(state, tokens, i) !== 1) return false;
    return true;
  };
  /** Whether a row with two or more successors at generation 0 has one. */
  const rowCollapsed = (state: Float64Array): boolean => {
    for (let i = 0; i < tokens; i++) if (initialSupport[i] >= 2 && support(state, tokens, i) === 1) return true;
    return false;
  };
  // any-row: a model deterministic from the start (no row to lose) is collapsed at generation 0 under either criterion.
  const anyRow = params.collapseOn === 'any-row';
  const isCollapsed = anyRow ? (state: Float64Array) => rowCollapsed(state) || deterministic(state) : deterministic;
  // The successor map is the absorbing value of the whole chain only.
  const hasOutcome = !anyRow && tokens <= MAX_OUTCOME_TOKENS;
  /**
   * Whether every row a sequence departs from (tokens reachable from the start law's support in
   * at most L − 2 steps) has a single successor: the text is then a function of its first token,
   * and fed its own sequences the model can no longer change.
   */
  const isFrozen = (state: Float64Array): boolean => {
    depth.fill(-1);
    let head = 0;
    let tail = 0;
    for (let j = 0; j < tokens; j++) {
      if (start[j] > 0) {
        depth[j] = 0;
        queue[tail++] = j;
      }
    }
    while (head < tail) {
      const i = queue[head++];
      if (support(state, tokens, i) !== 1) return false;
      if (depth[i] >= length - 2) continue;
      let next = i * tokens;
      while (!(state[next] > 0)) next++;
      next -= i * tokens;
      if (depth[next] < 0) {
        depth[next] = depth[i] + 1;
        queue[tail++] = next;
      }
    }
    return true;
  };
  const summary = new Float64Array(ROW_SUMMARY.length);
  const perRow = tokens <= MAX_ROW_COLUMNS;
  const writeSummary = (state: Float64Array, out: Float64Array): void => {
    summariseRows(state, tokens, summary);
    out.set(summary);
    if (perRow) for (let i = 0; i < tokens; i++) out[ROW_SUMMARY.length + i] = support(state, tokens, i);
  };
  const rowColumns = (suffix: string) =>
    perRow ? Array.from({ length: tokens }, (_, i) => intColumn(`row_survivors_${i}`, `successors of token ${i} with positive probability${suffix}`)) : [];

  return {
    family: 'bigram',
    stateSize: cells,
    statsSize: cells + 1,
    hasOutcome,
    events: [
      {
        column: eventColumn('first_extinction_time', 'first generation at which a transition i → j with positive probability at generation 0 has probability 0'),
        happened(state) {
          for (let x = 0; x < cells; x++) if (initial[x] > 0 && !(state[x] > 0)) return true;
          return false;
        },
      },
      {
        column: eventColumn('first_row_collapse_time', 'first generation at which a row with two or more successors at generation 0 has a single one'),
        happened: rowCollapsed,
      },
      {
        column: eventColumn(
          'frozen_time',
          'first generation at which every token a sequence can reach (from the start law, within L − 1 tokens) has a single successor: the text is a function of its first token (equals collapse_time when every token can start a sequence)',
        ),
        happened: isFrozen,
      },
    ],
    finalColumns: [
      ...ROW_SUMMARY.map(({ name, integer, description }) =>
        integer ? intColumn(name, `${description}, at the last generation simulated`) : floatColumn(`final_${name}`, `${description}, at the last generation simulated`),
      ),
      ...rowColumns(', at the last generation simulated'),
    ],
    trajectoryColumns: [...ROW_SUMMARY.map(({ name, integer, description }) => (integer ? intColumn(name, description) : floatColumn(name, description))), ...rowColumns('')],
    // Rows hold unnormalised weights: after a maximum-likelihood fit, the counts themselves.
    initialState: () => Float64Array.from(initial),
    truthState: () => Float64Array.from(truth),
    createSampler(generator, role) {
      const applyDecoder = role === 'model' && reshapes;
      const shaped = applyDecoder ? laneScratch(generator, cells) : null;
      // Per-sample: every row's cumulative weights; sufficient: the tokens at a position, the next position's, one row's counts.
      const cumulative = laneScratch(generator, cells);
      const startCounts = laneScratch(generator, tokens);
      let current = laneScratch(generator, tokens);
      let following = laneScratch(generator, tokens);
      const rowCounts = laneScratch(generator, tokens);
      const trials = sharedValue(generator);
      // ν is fixed: its weights and cumulative weights, shared by every lane.
      const startWeights = generator.allocate(tokens);
      const startCumulative = generator.allocate(tokens);
      let running = 0;
      for (let j = 0; j < tokens; j++) {
        startWeights[j] = start[j];
        running += start[j];
        startCumulative[j] = running;
      }
      return (states, count, mode, stats) => {
        const { active, activeCount } = generator;
        // A stride-0 column (the truth's model) is one row set for every lane: prepare it once, in lane 0's place.
        const shared = states.stride === 0;
        const prepared = shared ? 1 : activeCount;
        let weights = states;
        if (shaped !== null) {
          for (let k = 0; k < prepared; k++) {
            const lane = shared ? 0 : active[k];
            const from = states.offset + lane * states.stride;
            const to = lane * cells;
            for (let i = 0; i < tokens; i++) {
              const row = i * tokens;
              decoderWeights(decoder, states.data.subarray(from + row, from + row + tokens), shaped.data.subarray(to + row, to + row + tokens), order);
            }
          }
          weights = shared ? column(shaped.data, 0, 0) : shaped;
        }
        const transitions = shifted(stats, 1);
        if (mode === 'per-sample') {
          for (let k = 0; k < prepared; k++) {
            const lane = shared ? 0 : active[k];
            const from = weights.offset + lane * weights.stride;
            const to = lane * cells;
            for (let i = 0; i < cells; i += tokens) {
              let sum = 0;
              for (let j = i; j < i + tokens; j++) {
                sum += weights.data[from + j];
                cumulative.data[to + j] = sum;
              }
            }
          }
          generator.markovPathCounts(count, length, column(startCumulative, 0, 0), shared ? column(cumulative.data, 0, 0) : cumulative, tokens, startCounts, transitions);
        } else {
          // The M sequences move as a population: the c_t(i) of them at token i step to
          // Multinomial(c_t(i), row i), independently across i — the exact law of M paths' transition counts.
          generator.multinomials(trials.set(count), column(startWeights, 0, 0), tokens, current);
          for (let k = 0; k < activeCount; k++) {
            const at = transitions.offset + active[k] * transitions.stride;
            transitions.data.fill(0, at, at + cells);
          }
          for (let position = 0; position < length - 1; position++) {
            for (let k = 0; k < activeCount; k++) following.data.fill(0, active[k] * tokens, (active[k] + 1) * tokens);
            for (let i = 0; i < tokens; i++) {
              // Lanes with no sequence at token i draw nothing (a multinomial of 0 trials takes no draw).
              withActiveSubset(
                generator,
                (lane) => current.data[lane * tokens + i] > 0,
                () => generator.multinomials(shifted(current, i), shifted(weights, i * tokens), tokens, rowCounts),
              );
              for (let k = 0; k < activeCount; k++) {
                const lane = active[k];
                if (!(current.data[lane * tokens + i] > 0)) continue;
                const into = transitions.offset + lane * transitions.stride + i * tokens;
                for (let j = 0; j < tokens; j++) {
                  const steps = rowCounts.data[lane * tokens + j];
                  transitions.data[into + j] += steps;
                  following.data[lane * tokens + j] += steps;
                }
              }
            }
            [current, following] = [following, current];
          }
        }
        // stats[0]: the number of transitions, L − 1 per sequence.
        fillActive(generator, stats, count * (length - 1));
      };
    },
    samplerFloatsPerLane: 2 * cells + 4 * tokens,
    addStats: addSums,
    pseudoStats(weight, out) {
      // `weight` pseudo-transitions out of every token, split as the truth's row.
      out[0] = weight * tokens;
      for (let x = 0; x < cells; x++) out[x + 1] = weight * truth[x];
    },
    fit(stats, state) {
      for (let i = 0; i < tokens; i++) {
        const base = 1 + i * tokens;
        let visits = 0;
        for (let j = 0; j < tokens; j++) visits += stats[base + j];
        // No transition out of i: its maximum-likelihood fit is undefined; keep the previous row
        // (`state` is the model being refitted). This keeps rows martingales at L = 2.
        if (!(visits > 0)) continue;
        if (loop.l2 > 0) {
          // The row's penalised fit: π_j + (λ/N_i)θ_j = N_ij/N_i.
          for (let j = 0; j < tokens; j++) targets[j] = stats[base + j] / visits;
          softmaxWithL2(targets, loop.l2 / visits, fitted);
          state.set(fitted, i * tokens);
        } else {
          for (let j = 0; j < tokens; j++) state[i * tokens + j] = stats[base + j];
        }
      }
    },
    isCollapsed,
    // A row with one successor keeps it without fresh data, a prior or a penalty (never sampled otherwise).
    ...absorbedUnlessMitigated(loop, isCollapsed),
    outcome(state) {
      // The successor map f as a base-K number Σ_i f(i)·K^i (row 0 the lowest digit).
      let code = 0;
      for (let i = tokens - 1; i >= 0; i--) {
        let j = 0;
        while (j < tokens - 1 && !(state[i * tokens + j] > 0)) j++;
        code = code * tokens + j;
      }
      return code;
    },
    isOutcome: (value) => hasOutcome && Number.isInteger(value) && value >= 0 && value < Math.pow(tokens, tokens),
    isFrozen,
    writeFinals: writeSummary,
    writeTrajectory: writeSummary,
  };
}

/** Rows with two or more successors (those that can still change). */
function randomRows(matrix: readonly number[], tokens: number): number[] {
  return Array.from({ length: tokens }, (_, i) => i).filter((i) => support(matrix, tokens, i) >= 2);
}

function exactTheory(config: RunConfig): ExactTheory | string {
  const params = config.familyParams as BigramParams;
  const tokens = params.tokens;
  if (decoderReshapes(decoderOf(params))) return 'a reshaped decoder (temperature, top-k, top-p) breaks the rows’ martingale: no exact law';
  if (config.regime.kind !== 'replace' || hasMitigation(config)) return 'exact laws hold for the plain loop only (--regime replace without --ground-truth, --prior or --l2)';
  if (params.length > 2) {
    return 'with --length ≥ 3 a row is not a martingale (how often it is visited depends on the successors drawn): no exact collapse law; at --length 2 the rows are independent Wright–Fisher chains';
  }
  const matrix = transitionMatrix(params.transitions, 'transitions', tokens);
  const random = randomRows(matrix, tokens);
  // One random row s and every sequence starting at s: row s draws exactly M successors a
  // generation — Wright–Fisher with M copies when it has two successors (either criterion).
  const [only] = random;
  const wrightFisher = random.length === 1 && params.start[only] === 1 && support(matrix, tokens, only) === 2;
  const wrightFisherLaw = () => {
    let first = only * tokens;
    while (!(matrix[first] > 0)) first++;
    return wrightFisherTheory(wrightFisherAbsorption(config.samples, matrix[first], config.generations), config.generations);
  };
  const wrightFisherSource = `row ${only} alone random, started every time: Wright–Fisher with ${config.samples} copies`;
  if (params.collapseOn === 'any-row') {
    if (wrightFisher) return { source: `L = 2: ${wrightFisherSource}`, ...wrightFisherLaw(), outcome: null };
    return 'with --collapse-on any-row the collapse time is the first of several rows’ absorption times, dependent through the multinomial visits: no exact law (one random row started every time is Wright–Fisher)';
  }
  const unvisited = random.find((i) => params.start[i] === 0);
  if (unvisited !== undefined) return `row ${unvisited} has two or more successors but start probability 0: it is never refitted, so no chain collapses`;
  if (tokens > MAX_OUTCOME_TOKENS) {
    return `at --length 2 row i's last successor is j with probability P_ij,0, independently across rows, but the successor map of more than ${MAX_OUTCOME_TOKENS} tokens does not fit the outcome column`;
  }
  const outcome = (value: number): number => {
    if (!Number.isInteger(value) || value < 0 || value >= Math.pow(tokens, tokens)) return 0;
    let probability = 1;
    let code = value;
    for (let i = 0; i < tokens; i++) {
      probability *= matrix[i * tokens + (code % tokens)];
      code = Math.floor(code / tokens);
    }
    return probability;
  };
  const source = 'L = 2: independent Wright–Fisher rows, P(successor map f) = Π_i P_{i,f(i),0}';
  if (wrightFisher) return { source: `${source}; ${wrightFisherSource}`, ...wrightFisherLaw(), outcome };
  return { source, cdfAt: null, knownTo: 0, changesTo: 0, mean: null, outcome, note: null };
}

/**
 * The statistics are counts of transitions: exact while one fit pools fewer than the format's
 * exact integers — L − 1 a sequence, from every sequence kept, plus the prior's K rows.
 */
function rangeRefusal(params: BigramParams, run: RangeContext, format: NumberFormat): string | null {
  const transitions = run.pooledGenerations * (run.samples + run.groundTruth) * (params.length - 1) + run.prior * params.tokens;
  return transitions < format.exactIntegers
    ? null
    : `the transitions one fit pools (${formatLimit(transitions)}: generations kept × (--samples + --ground-truth) × (--length − 1) + --prior × --tokens) must stay below ${formatLimit(format.exactIntegers)} for exact ${format.name} counts`;
}

/** The family's description; ./index.ts adds its (absent) GPU routes. */
export const bigramParts = describeFamily({
  name: 'bigram',
  summary: 'bigram language model: a Markov chain over K tokens refitted on its own sequences; rows lose successors, then the text is deterministic',
  options: [
    { flag: 'tokens', valueName: '<K>', description: `vocabulary size, 2..${MAX_TOKENS}`, defaultValue: String(DEFAULT_CATEGORIES) },
    { flag: 'length', valueName: '<L>', description: `tokens per sequence (L − 1 transitions), 2..${MAX_LENGTH}`, defaultValue: String(DEFAULT_LENGTH) },
    { flag: 'start', valueName: '<law>', description: 'law of each sequence’s first token, fixed: uniform, zipf:<s>, token:<j> or p0,p1,...', defaultValue: 'uniform' },
    { flag: 'transitions', valueName: '<law>', description: 'initial transition matrix: uniform, zipf:<s> (row i prefers i+1, i+2, …) or rows p00,p01,...;p10,...', defaultValue: 'uniform' },
    { flag: 'truth-transitions', valueName: '<law>', description: 'ground-truth transition matrix for --ground-truth and --prior (default: --transitions)' },
    { flag: 'collapse-on', valueName: '<what>', description: 'collapse when every row has one successor (all-rows) or when the first row that had several has one (any-row)', defaultValue: 'all-rows' },
    ...DECODER_OPTIONS,
  ],
  resolve(raw: RawOptions): BigramParams {
    const transitions = given(raw, 'transitions') ? String(raw['transitions']) : 'uniform';
    const truthTransitions = given(raw, 'truth-transitions') ? String(raw['truth-transitions']) : transitions;
    const startText = given(raw, 'start') ? raw['start'] : 'uniform';
    // A law that lists rows or probabilities fixes K; the others are checked against it below.
    const tokens = tokensOf(raw, [
      ['transitions', transitions, ';'],
      ['truth-transitions', truthTransitions, ';'],
      ['start', startText, ','],
    ]);
    const length = given(raw, 'length') ? parseNumber(raw['length'], 'length', { min: 2, max: MAX_LENGTH, integer: true }) : DEFAULT_LENGTH;
    const start = startLaw(startText, tokens);
    transitionMatrix(transitions, 'transitions', tokens);
    transitionMatrix(truthTransitions, 'truth-transitions', tokens);
    const collapseOn = given(raw, 'collapse-on') ? parseChoice(raw['collapse-on'], 'collapse-on', COLLAPSE_CRITERIA) : 'all-rows';
    const { temperature, topK, topP } = resolveDecoder(raw, tokens);
    return { tokens, length, start, transitions: transitions.trim(), truthTransitions: truthTransitions.trim(), collapseOn, temperature, topK, topP };
  },
  modes: SAMPLING_MODES,
  exactTheory,
  peerRequest: () => null,
  rangeRefusal,
  toOptions: (params) => ({
    tokens: params.tokens,
    length: params.length,
    start: params.start.join(','),
    transitions: params.transitions,
    'truth-transitions': params.truthTransitions,
    'collapse-on': params.collapseOn,
    temperature: params.temperature,
    ...(params.topK === null ? {} : { 'top-k': params.topK }),
    'top-p': params.topP,
  }),
  create: createModel,
});

/** Exact laws of the plain loop (maximum likelihood, replace regime, no decoder reshaping). */
export const bigramTheory = {
  /**
   * L = 2: row i draws n ~ Binomial(M, ν_i) successors a generation (none: it stays), so
   * E[1 − Σ_j P_ij,t²] = (1 − Σ_j P_ij,0²)(1 − c_i)^t with c_i = E[1/n; n ≥ 1].
   */
  heterozygosityDecay(samples: number, startProbability: number): number {
    const trials = binomialPmf(samples, startProbability);
    let c = 0;
    for (let n = 1; n <= samples; n++) c += trials[n] / n;
    return 1 - c;
  },
  /** E[mean row Gini–Simpson index at t], L = 2. */
  expectedHeterozygosity(matrix: readonly number[], tokens: number, start: readonly number[], samples: number, t: number): number {
    let total = 0;
    for (let i = 0; i < tokens; i++) {
      let squares = 0;
      for (let j = 0; j < tokens; j++) squares += matrix[i * tokens + j] ** 2;
      total += (1 - squares) * Math.pow(bigramTheory.heterozygosityDecay(samples, start[i]), t);
    }
    return total / tokens;
  },
  /** One generation at any L: E[N_i] = M Σ_{t=0}^{L−2} (νPᵗ)_i transitions out of i (P normalised rows). */
  expectedVisits(matrix: readonly number[], tokens: number, start: readonly number[], samples: number, length: number): number[] {
    const visits = new Array<number>(tokens).fill(0);
    let law = Array.from(start);
    for (let position = 0; position < length - 1; position++) {
      for (let i = 0; i < tokens; i++) visits[i] += samples * law[i];
      const next = new Array<number>(tokens).fill(0);
      for (let i = 0; i < tokens; i++) for (let j = 0; j < tokens; j++) next[j] += law[i] * matrix[i * tokens + j];
      law = next;
    }
    return visits;
  },
};
