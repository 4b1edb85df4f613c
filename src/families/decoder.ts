/**
 * A language model's decoder over K categories: temperature, then top-k, then top-p (nucleus).
 * It reshapes the weights a model draws its own data from (never the ground truth's), and is
 * shared by every family whose model is made of categorical laws — the categorical family's
 * one law, each row of the bigram's transition matrix — so that its flags mean one thing.
 */
import { TOP_P_TOLERANCE } from '../constants.js';
import { given, parseNumber, type RawOptions } from '../spec/parse.js';
import type { FamilyOption } from './family.js';

/** The decoder's settings over `categories` categories. */
export interface DecoderParams {
  readonly categories: number;
  readonly temperature: number;
  /** null: no top-k truncation. */
  readonly topK: number | null;
  /** 1: no nucleus truncation. */
  readonly topP: number;
}

export const DECODER_OPTIONS: readonly FamilyOption[] = [
  { flag: 'temperature', valueName: '<T>', description: 'sampler temperature > 0 (π^{1/T})', defaultValue: '1' },
  { flag: 'top-k', valueName: '<k>', description: 'sample only the k most probable categories, 1..K' },
  { flag: 'top-p', valueName: '<p>', description: 'sample only the smallest set of mass ≥ p, in (0, 1]', defaultValue: '1' },
];

/** Validates --temperature, --top-k (1..categories) and --top-p (throws UsageError naming the flag). */
export function resolveDecoder(raw: RawOptions, categories: number): DecoderParams {
  const temperature = given(raw, 'temperature') ? parseNumber(raw['temperature'], 'temperature', { min: 0, minOpen: true }) : 1;
  const topK = given(raw, 'top-k') ? parseNumber(raw['top-k'], 'top-k', { min: 1, max: categories, integer: true }) : null;
  const topP = given(raw, 'top-p') ? parseNumber(raw['top-p'], 'top-p', { min: 0, max: 1, minOpen: true }) : 1;
  return { categories, temperature, topK, topP };
}

/** Whether the decoder changes the sampler (temperature ≠ 1, top-k below K, or top-p below 1). */
export function decoderReshapes(params: DecoderParams): boolean {
  return params.temperature !== 1 || (params.topK !== null && params.topK < params.categories) || params.topP < 1;
}

/**
 * The decoder's distribution from the model's weights: π^{1/T} (relative to the largest),
 * then the k most probable, then the nucleus of mass p (see TOP_P_TOLERANCE); ties go to
 * the lower index. `order` is scratch holding a permutation of 0..K−1.
 */
export function decoderWeights(params: DecoderParams, weights: ArrayLike<number>, out: Float64Array, order: number[]): void {
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
