/**
 * The bigram family against exact theory. At L = 2 the rows are independent Wright–Fisher chains
 * (visits fixed by the start law): the successor map's law Π_i P_{i,f(i),0}, the collapse-time law
 * of a single random row started every time, and the decay of the rows' Gini–Simpson index. At
 * L ≥ 3 (a row's visits depend on what it draws, so it is no martingale) the one-generation law of
 * the transition counts by exact enumeration of every path (K = 2, L = 3), for both samplers, and
 * the fitted row's exact mean (biased). The two modes agree in law at L = 6; --collapse-on any-row
 * against the event it promotes; the decoder; the simd engine bit for bit; option errors; files,
 * summarize and plot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFamilyModel } from '../../src/engine/reference.js';
import { SimdEngine } from '../../src/engine/simd/engine.js';
import { bigramFamily, bigramTheory, MAX_OUTCOME_TOKENS, transitionMatrix } from '../../src/families/bigram/index.js';
import type { ExactTheory, LoopConfig } from '../../src/families/family.js';
import { column } from '../../src/rng/lanes.js';
import { StreamTag } from '../../src/rng/streams.js';
import { chiSquareGoodnessOfFit, ksDiscrete, ksTwoSample } from '../../src/stats/hypothesis.js';
import { expectSimdBitExact } from '../engine/simd-verify.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { storedRunSpec } from '../../src/spec/stored.js';
import { cliIn, expectOneLineUsageError, expectPValue, expectWithinStandardErrors, mean, oneLane, simulate, temporaryDirectory, variance } from '../helpers.js';

const LOOP: LoopConfig = { samples: 10, groundTruth: 0, prior: 0, l2: 0 };

function theoryOf(options: Record<string, unknown>): ExactTheory {
  const theory = bigramFamily.exactTheory(resolveRunSpec({ family: 'bigram', out: 'unused.arrow', ...options }));
  if (typeof theory === 'string') throw new Error(theory);
  return theory;
}

describe('bigram at L = 2: independent Wright–Fisher rows', () => {
  const rows = [
    [0.2, 0.3, 0.5],
    [0.6, 0.4, 0],
    [0.1, 0.1, 0.8],
  ];
  const transitions = rows.map((row) => row.join(',')).join(';');

  for (const mode of ['per-sample', 'sufficient']) {
    it(`${mode}: the successor map f is drawn with probability Π_i P_{i,f(i),0}`, async () => {
      const options = { family: 'bigram', length: 2, transitions, samples: 5, chains: 6000, generations: 100000, mode, seed: `bigram/outcome/${mode}` };
      const run = await simulate(options);
      expect(run.collapseTime.every((t) => t >= 1)).toBe(true);
      const theory = theoryOf(options);
      const codes = 27;
      const counts = new Float64Array(codes);
      run.outcome.forEach((o) => counts[o]++);
      const expected = Array.from({ length: codes }, (_, code) => theory.outcome!(code));
      expect(expected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      // f(1) = 2 is impossible (P_12 = 0): codes with middle digit 2.
      for (let code = 0; code < codes; code++) if (Math.floor(code / 3) % 3 === 2) expect(counts[code]).toBe(0);
      expectPValue(chiSquareGoodnessOfFit(counts, expected).pValue, mode);
      // Collapsed: every row has one successor, so the text is deterministic.
      expect(run.finals['survivors'].every((s) => s === 3)).toBe(true);
      expect(run.finals['collapsed_rows'].every((s) => s === 3)).toBe(true);
      expect(run.finals['final_row_entropy'].every((h) => h === 0)).toBe(true);
      // Row collapses and extinctions come no later than the chain's collapse; frozen equals collapsed (every token starts).
      run.eventTimes.forEach((times, e) => expect(times.every((t, i) => t >= 1 && t <= run.collapseTime[i]), `event ${e}`).toBe(true));
      expect(Array.from(run.eventTimes[2])).toEqual(Array.from(run.collapseTime));
    });

    it(`${mode}: one random row, started every time, collapses as Wright–Fisher with M copies`, async () => {
      const samples = 10;
      const options = { family: 'bigram', length: 2, start: 'token:0', transitions: '0.3,0.7;0,1', samples, chains: 8000, generations: 400, mode, seed: `bigram/wf/${mode}` };
      const theory = theoryOf(options);
      expect(theory.source).toMatch(/Wright–Fisher with 10 copies/);
      expect(1 - theory.cdfAt!(400)).toBeLessThan(1e-6);
      const run = await simulate(options);
      const times = Array.from(run.collapseTime);
      expect(times.every((t) => t >= 1)).toBe(true);
      const cdf = Array.from({ length: Math.max(...times) + 1 }, (_, t) => theory.cdfAt!(t));
      expectPValue(ksDiscrete(times, cdf).pValue, `${mode} KS vs Wright–Fisher`);
      expectWithinStandardErrors(mean(times), theory.mean!, Math.sqrt(variance(times) / times.length), `${mode} mean τ`);
      // Outcome codes: f(0) + 2 f(1) with f(1) = 1: 2 (0 → 0, p = 0.3) or 3 (0 → 1).
      const zeros = run.outcome.filter((o) => o === 2).length;
      expect(zeros + run.outcome.filter((o) => o === 3).length).toBe(run.outcome.length);
      expectWithinStandardErrors(zeros / times.length, 0.3, Math.sqrt((0.3 * 0.7) / times.length), `${mode} fixation`);
    });

    it(`${mode}: E[mean row Gini–Simpson index] decays by 1 − E[1/n; n ≥ 1], n ~ Binomial(M, ν_i)`, async () => {
      const start = [0.5, 0.3, 0.2];
      const samples = 6;
      const chains = 6000;
      for (const generations of [1, 3]) {
        const run = await simulate({ family: 'bigram', length: 2, start: start.join(','), transitions: 'uniform', tokens: 3, samples, chains, generations, mode, seed: `bigram/h/${mode}/${generations}` });
        const values = run.finals['final_heterozygosity'];
        const expected = bigramTheory.expectedHeterozygosity(transitionMatrix('uniform', 'transitions', 3), 3, start, samples, generations);
        expectWithinStandardErrors(mean(values), expected, Math.sqrt(variance(values) / chains), `${mode} t = ${generations}`);
      }
    });
  }
});

/** Adds `b`'s entries into a copy of `a`. */
const plus = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x + b[i]);

/**
 * The exact law of the K = 2 transition counts (N00, N01, N10, N11) of M paths of L tokens, by
 * enumerating the 2^L paths and convolving M times.
 */
function exactCountLaw(start: readonly number[], matrix: readonly number[], length: number, paths: number): Map<string, number> {
  const single = new Map<string, number>();
  for (let path = 0; path < 1 << length; path++) {
    const tokens = Array.from({ length }, (_, position) => (path >> position) & 1);
    let probability = start[tokens[0]];
    const counts = [0, 0, 0, 0];
    for (let position = 1; position < length; position++) {
      probability *= matrix[tokens[position - 1] * 2 + tokens[position]];
      counts[tokens[position - 1] * 2 + tokens[position]]++;
    }
    if (probability > 0) single.set(counts.join(','), (single.get(counts.join(',')) ?? 0) + probability);
  }
  let law = new Map<string, number>([['0,0,0,0', 1]]);
  for (let m = 0; m < paths; m++) {
    const next = new Map<string, number>();
    for (const [key, p] of law) {
      for (const [step, q] of single) {
        const sum = plus(key.split(',').map(Number), step.split(',').map(Number)).join(',');
        next.set(sum, (next.get(sum) ?? 0) + p * q);
      }
    }
    law = next;
  }
  return law;
}

describe('bigram at L ≥ 3: exact enumeration of the transition counts (K = 2)', () => {
  const start = [0.6, 0.4];
  const rows = '0.5,0.5;0.3,0.7';
  const matrix = transitionMatrix(rows, 'transitions', 2);
  const length = 3;
  const paths = 4;
  const draws = 20000;
  const law = exactCountLaw(start, matrix, length, paths);
  const keys = [...law.keys()];

  for (const mode of ['per-sample', 'sufficient'] as const) {
    it(`${mode}: the joint law of (N00, N01, N10, N11), and the fitted row 0's exact (biased) mean`, () => {
      const params = bigramFamily.resolve({ start: start.join(','), transitions: rows, length }, LOOP);
      const model = bigramFamily.create(params, { ...LOOP, samples: paths });
      const generator = oneLane(`bigram/enumeration/${mode}`, 0, 1, StreamTag.Synthetic);
      const sample = model.createSampler(generator, 'model');
      const stats = new Float64Array(model.statsSize);
      const observed = new Float64Array(keys.length);
      const state = new Float64Array(model.stateSize);
      const fitted = new Float64Array(draws);
      for (let chain = 0; chain < draws; chain++) {
        generator.assign(0, chain);
        generator.open(1, StreamTag.Synthetic);
        sample(column(model.initialState()), paths, mode, column(stats));
        expect(stats[0]).toBe(paths * (length - 1));
        const index = keys.indexOf(Array.from(stats.subarray(1)).join(','));
        expect(index).toBeGreaterThanOrEqual(0);
        observed[index]++;
        state.set(model.initialState());
        model.fit(stats, state);
        fitted[chain] = state[0] / (state[0] + state[1]);
      }
      expectPValue(chiSquareGoodnessOfFit(observed, keys.map((key) => law.get(key)!)).pValue, `${mode} counts`);
      // Row 0 refitted: N00/N0, or kept at 0.5 when no path left token 0.
      let exactMean = 0;
      let exactSquare = 0;
      for (const [key, p] of law) {
        const [n00, n01] = key.split(',').map(Number);
        const value = n00 + n01 > 0 ? n00 / (n00 + n01) : 0.5;
        exactMean += p * value;
        exactSquare += p * value * value;
      }
      const standardError = Math.sqrt((exactSquare - exactMean * exactMean) / draws);
      expectWithinStandardErrors(mean(fitted), exactMean, standardError, `${mode} E[P_1,00]`);
      // Not a martingale at L = 3: the bias is many standard errors.
      expect(Math.abs(exactMean - 0.5)).toBeGreaterThan(10 * standardError);
      // The visits out of each token: E[N_i] = M Σ_t (νPᵗ)_i.
      const visits = bigramTheory.expectedVisits(matrix, 2, start, paths, length);
      let fromZero = 0;
      for (const [key, p] of law) fromZero += p * (Number(key.split(',')[0]) + Number(key.split(',')[1]));
      expect(fromZero).toBeCloseTo(visits[0], 12);
    });
  }

  it('per-sample and sufficient agree in law at L = 6, K = 3 (collapse time, two-sample KS)', async () => {
    const options = { family: 'bigram', tokens: 3, length: 6, transitions: 'zipf:1', start: 'zipf:0.5', samples: 6, chains: 2000, generations: 100000 };
    const a = await simulate({ ...options, mode: 'per-sample', seed: 'bigram/modes/a' });
    const b = await simulate({ ...options, mode: 'sufficient', seed: 'bigram/modes/b' });
    expect(a.collapseTime.every((t) => t >= 1) && b.collapseTime.every((t) => t >= 1)).toBe(true);
    expectPValue(ksTwoSample(a.collapseTime, b.collapseTime).pValue);
    expect(bigramFamily.exactTheory(a.spec)).toMatch(/--length ≥ 3 a row is not a martingale/);
  });
});

describe('--collapse-on any-row', () => {
  it('stops each chain at its first row collapse: the all-rows run’s first_row_collapse_time, chain by chain', async () => {
    const options = { family: 'bigram', tokens: 3, length: 4, transitions: 'zipf:0.5', samples: 6, chains: 400, generations: 100000, seed: 'bigram/any-row' };
    const all = await simulate(options);
    const any = await simulate({ ...options, 'collapse-on': 'any-row' });
    expect(Array.from(any.collapseTime)).toEqual(Array.from(all.eventTimes[1]));
    expect(Array.from(any.eventTimes[1])).toEqual(Array.from(any.collapseTime));
    expect(any.collapseTime.every((t, i) => t >= 1 && t <= all.collapseTime[i])).toBe(true);
    expect(any.collapseTime.some((t, i) => t < all.collapseTime[i])).toBe(true);
    expect(any.outcome.every((o) => Number.isNaN(o))).toBe(true);
    expect(any.finals['collapsed_rows'].every((rows) => rows >= 1)).toBe(true);
  });

  it('one random row started every time is the same Wright–Fisher law, without the successor map', () => {
    const options = { length: 2, start: 'token:0', transitions: '0.3,0.7;0,1', samples: 10, generations: 400 };
    const all = theoryOf(options);
    const any = theoryOf({ ...options, 'collapse-on': 'any-row' });
    expect(any.outcome).toBeNull();
    for (const t of [1, 5, 20, 100]) expect(any.cdfAt!(t)).toBe(all.cdfAt!(t));
    expect(bigramFamily.exactTheory(resolveRunSpec({ family: 'bigram', out: 'x.arrow', length: 2, 'collapse-on': 'any-row' }))).toMatch(/first of several rows’ absorption times/);
  });
});

describe('the decoder reshapes the model’s rows only', () => {
  it('top-k 1 makes every row deterministic at generation 1 when every row is visited', async () => {
    // zipf rows prefer i + 1: from any start token the top-1 path visits all 3 tokens within L = 4.
    const run = await simulate({ family: 'bigram', tokens: 3, length: 4, transitions: 'zipf:1', 'top-k': 1, samples: 5, chains: 200, generations: 50 });
    expect(run.collapseTime.every((t) => t === 1)).toBe(true);
    // The successor map is i → i + 1 (mod 3): code 1 + 2·3 + 0·9 = 7.
    expect(run.outcome.every((o) => o === 7)).toBe(true);
  });

  it('ground-truth sequences are never reshaped; the model’s follow T and top-p row by row', () => {
    const rows = '0.1,0.2,0.7;0.5,0.25,0.25;0.2,0.2,0.6';
    const matrix = transitionMatrix(rows, 'transitions', 3);
    const draw = (options: Record<string, unknown>, role: 'model' | 'truth'): Float64Array => {
      const params = bigramFamily.resolve({ length: 2, start: 'token:0', transitions: rows, ...options }, LOOP);
      const model = bigramFamily.create(params, LOOP);
      const generator = oneLane('bigram/decoder', 0, 1, StreamTag.Synthetic);
      const stats = new Float64Array(model.statsSize);
      model.createSampler(generator, role)(column(model.initialState()), 100000, 'per-sample', column(stats));
      return stats.subarray(1, 4); // row 0's successors
    };
    expectPValue(chiSquareGoodnessOfFit(draw({ 'top-k': 1, temperature: 0.2 }, 'truth'), matrix.slice(0, 3)).pValue, 'truth');
    const tempered = matrix.slice(0, 3).map((p) => p * p);
    const total = tempered.reduce((a, b) => a + b, 0);
    expectPValue(chiSquareGoodnessOfFit(draw({ temperature: 0.5 }, 'model'), tempered.map((p) => p / total)).pValue, 'temperature');
    // Row 0 sorted: 0.7, 0.2 (0.9 ≥ 0.8): keeps two.
    expectPValue(chiSquareGoodnessOfFit(draw({ 'top-p': 0.8 }, 'model'), [0, 0.2 / 0.9, 0.7 / 0.9]).pValue, 'top-p');
  });
});

describe('bigram model: outcome code, frozen chains, fits', () => {
  const model = (options: Record<string, unknown>, loop: LoopConfig = LOOP) => bigramFamily.create(bigramFamily.resolve(options, loop), loop);

  it('codes the successor map in base K, row 0 the lowest digit, and knows its range', () => {
    const bigram = model({ tokens: 3 });
    // f = (0 → 2, 1 → 0, 2 → 1): 2 + 0·3 + 1·9 = 11.
    const state = Float64Array.of(0, 0, 4, 7, 0, 0, 0, 1, 0);
    expect(bigram.isCollapsed(state)).toBe(true);
    expect(bigram.outcome(state)).toBe(11);
    expect(bigram.isOutcome(11) && bigram.isOutcome(26) && bigram.isOutcome(0)).toBe(true);
    expect(bigram.isOutcome(27) || bigram.isOutcome(-1) || bigram.isOutcome(1.5)).toBe(false);
    expect(model({ tokens: MAX_OUTCOME_TOKENS + 1 }).hasOutcome).toBe(false);
    expect(model({ tokens: MAX_OUTCOME_TOKENS + 1 }).isOutcome(0)).toBe(false);
  });

  it('is frozen when every row a sequence can reach within L − 1 tokens is deterministic', () => {
    // Start at 0; 0 → 1 surely, row 1 deterministic (→ 0), row 2 random but unreachable.
    const state = Float64Array.of(0, 1, 0, 1, 0, 0, 0.5, 0.25, 0.25);
    const frozen = model({ tokens: 3, start: 'token:0', length: 5 });
    expect(frozen.isFrozen(state)).toBe(true);
    expect(frozen.isCollapsed(state)).toBe(false);
    // Row 1 → 2 makes the random row 2 reachable at position 2, which departs when L ≥ 4 only.
    const reaching = Float64Array.of(0, 1, 0, 0, 0, 1, 0.5, 0.25, 0.25);
    expect(model({ tokens: 3, start: 'token:0', length: 4 }).isFrozen(reaching)).toBe(false);
    expect(model({ tokens: 3, start: 'token:0', length: 3 }).isFrozen(reaching)).toBe(true);
  });

  it('the fit keeps rows without transitions, penalises rows by λ/N_i, and the prior adds the truth’s rows', () => {
    const l2 = { ...LOOP, l2: 2 };
    const bigram = model({ tokens: 2, transitions: '0.4,0.6;0.9,0.1' }, l2);
    const state = bigram.initialState();
    bigram.fit(Float64Array.of(4, 3, 1, 0, 0), state);
    expect(Array.from(state.subarray(2))).toEqual([0.9, 0.1]);
    const [p, q] = state;
    expect(p + q).toBeCloseTo(1, 12);
    // π_j + (λ/N)θ_j = η_j with θ centred: θ_0 − θ_1 = ln(p/q), so p − q + (λ/N)·ln(p/q) = η_0 − η_1 = 0.5.
    expect(p - q + (2 / 4) * Math.log(p / q)).toBeCloseTo(0.5, 9);
    const prior = new Float64Array(bigram.statsSize);
    model({ tokens: 2, transitions: '0.4,0.6;0.9,0.1', 'truth-transitions': '0.5,0.5;0.25,0.75' }).pseudoStats(2, prior);
    expect(Array.from(prior)).toEqual([4, 1, 1, 0.5, 1.5]);
  });
});

describe('bigram on the simd engine', () => {
  let engine: SimdEngine;
  beforeAll(async () => {
    engine = await SimdEngine.open();
  });
  afterAll(() => engine.close());

  const CONFIGURATIONS: [string, Record<string, unknown>][] = [
    ['per-sample', { tokens: 4, length: 6, samples: 10, transitions: 'zipf:1.2' }],
    ['sufficient', { tokens: 3, length: 5, samples: 12, mode: 'sufficient', start: 'zipf:1' }],
    ['L = 2, one start token, window', { tokens: 3, length: 2, start: 'token:1', samples: 7, regime: 'window:3', generations: 60 }],
    ['decoder', { tokens: 5, length: 4, samples: 8, temperature: 0.8, 'top-p': 0.9, transitions: 'zipf:1' }],
    ['sufficient, prior and ground truth', { tokens: 3, length: 4, samples: 6, mode: 'sufficient', prior: 1, 'ground-truth': 2, 'truth-transitions': 'zipf:2', generations: 30 }],
    ['per-sample, accumulate, L2', { tokens: 3, length: 3, samples: 5, regime: 'accumulate', l2: 0.5, generations: 25 }],
    ['sufficient, any-row', { tokens: 6, length: 8, samples: 9, mode: 'sufficient', 'collapse-on': 'any-row', transitions: 'zipf:1' }],
  ];
  for (const [label, options] of CONFIGURATIONS) {
    it(`${label}: the reference path chain by chain (verify)`, async () => {
      const spec = resolveRunSpec({ family: 'bigram', chains: 150, seed: 'bigram-simd', out: 'unused.arrow', backend: 'reference', ...options });
      await expectSimdBitExact(engine, spec);
    });
  }
});

describe('bigram options and files', () => {
  let directory: string;
  let cleanup: () => void;
  let cli: ReturnType<typeof cliIn>;
  beforeAll(() => {
    [directory, cleanup] = temporaryDirectory();
    cli = cliIn(directory);
  });
  afterAll(() => cleanup());

  it('resolves laws, inferring K from a listed law, and reads its stored configurations back', () => {
    expect(bigramFamily.resolve({}, LOOP).tokens).toBe(10);
    expect(bigramFamily.resolve({ transitions: '0.5,0.5;1,0' }, LOOP).tokens).toBe(2);
    expect(bigramFamily.resolve({ start: '0.2,0.3,0.5' }, LOOP).tokens).toBe(3);
    expect(bigramFamily.resolve({ tokens: 4, start: 'token:3' }, LOOP).start).toEqual([0, 0, 0, 1]);
    const zipf = transitionMatrix('zipf:1', 'transitions', 3);
    // Row 1 ranks 2, 0, 1: weights 1, 1/2, 1/3 over 11/6.
    expect(zipf.slice(3, 6).map((p) => +p.toFixed(12))).toEqual([3 / 11, 2 / 11, 6 / 11].map((p) => +p.toFixed(12)));
    for (const options of [
      {},
      { tokens: 4, start: 'zipf:1.3', transitions: 'zipf:0.7', 'truth-transitions': 'uniform', temperature: 0.9, 'top-k': 2, length: 7 },
      { start: 'token:1', transitions: '0.5,0.5;0.2,0.8', 'top-p': 0.8, mode: 'sufficient', prior: 1.5, 'ground-truth': 2, 'collapse-on': 'any-row' },
    ]) {
      const spec = JSON.parse(JSON.stringify(resolveRunSpec({ family: 'bigram', out: 'x.arrow', ...options })));
      expect(storedRunSpec(spec, 'x')).toEqual(spec);
    }
  });

  it.each([
    [['--tokens', '1'], /--tokens must be an integer in \[2, 256\]/],
    [['--tokens', '257'], /--tokens must be an integer in \[2, 256\]/],
    [['--length', '1'], /--length must be an integer in \[2, 1000000000\]/],
    [['--length', '2.5'], /--length must be an integer/],
    [['--start', 'token:3', '--tokens', '3'], /--start token:<j> must be an integer in \[0, 2\]/],
    [['--start', '0.5,0.6'], /--start probabilities must sum to 1/],
    [['--start', '0.5,0.5', '--tokens', '3'], /--start lists 2 probabilities but --tokens is 3/],
    [['--transitions', '0.5,0.5'], /--transitions must be uniform, zipf:<s> or K rows/],
    [['--transitions', '0.5,0.5;0.5,0.5', '--tokens', '3'], /--transitions lists 2 rows but --tokens is 3/],
    [['--transitions', '0.5,0.5;0.6,0.6'], /--transitions row 1 probabilities must sum to 1/],
    [['--transitions', 'banana'], /--transitions must be uniform, zipf:<s> or K rows/],
    [['--transitions', '0.5,0.5;0.5,x'], /--transitions row 1 must be uniform, zipf:<s> or a list of probabilities ≥ 0/],
    [['--truth-transitions', 'zipf:-1'], /--truth-transitions zipf:<s> must be a number ≥ 0/],
    [['--top-k', '11'], /--top-k must be an integer in \[1, 10\]/],
    [['--top-p', '0'], /--top-p must be a number in \(0, 1\]/],
    [['--temperature', '0'], /--temperature must be a number > 0/],
    [['--length', '1000000000', '--samples', '10000000'], /the transitions one fit pools .* must stay below 9007199254740992/],
    [['--collapse-on', 'det'], /--collapse-on must be one of all-rows, any-row/],
    [['--init', 'uniform'], /--init belongs to --family categorical/],
    [['--backend', 'webgpu'], /--family bigram has no GPU route: use --backend simd or reference/],
  ])('%j is a one-line error, exit 2, no file', (args, message) => {
    const result = cli(['run', '--family', 'bigram', '--chains', '20', '--out', 'bad.arrow', ...args]);
    expectOneLineUsageError(result, message);
    expect(() => readFileSync(join(directory, 'bad.arrow'))).toThrow();
  });

  it('writes per-row survivors and entropy trajectories; summarize and plot read them with the exact law', () => {
    const run = cli(['run', '--family', 'bigram', '--tokens', '3', '--length', '2', '--start', 'token:0', '--transitions', '0.3,0.7,0;0,1,0;0.5,0,0.5', '--samples', '8', '--chains', '300', '--out', 'bg.arrow', '--trajectories', 'every:1,chains:3', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const table = tableFromIPC(readFileSync(join(directory, 'bg.arrow')));
    const names = table.schema.fields.map((field) => field.name);
    for (const name of ['first_extinction_time', 'first_row_collapse_time', 'frozen_time', 'survivors', 'collapsed_rows', 'max_row_survivors', 'final_row_entropy', 'final_heterozygosity', 'row_survivors_0', 'row_survivors_2']) expect(names).toContain(name);
    const first = table.get(0)!.toJSON() as Record<string, number | null>;
    // Row 2 never starts a sequence at L = 2: it keeps both successors, so no chain collapses, but every one freezes.
    expect(first['collapse_time']).toBeNull();
    expect(first['frozen_time']).toBeGreaterThanOrEqual(1);
    expect(first['row_survivors_0']).toBe(1);
    expect(first['row_survivors_2']).toBe(2);
    const trajectories = tableFromIPC(readFileSync(join(directory, 'bg.trajectories.arrow')));
    const start = trajectories.get(0)!.toJSON() as Record<string, number>;
    expect(start['survivors']).toBe(5);
    expect(start['row_entropy']).toBeCloseTo((-(0.3 * Math.log(0.3) + 0.7 * Math.log(0.7)) + Math.log(2)) / 3, 12);

    const summary = cli(['summarize', 'bg.arrow', '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    expect(JSON.parse(summary.stdout).collapsed.count).toBe(0);
    expect(summary.stdout).toMatch(/never refitted, so no chain collapses/);

    const wf = cli(['run', '--family', 'bigram', '--tokens', '2', '--length', '2', '--start', 'token:0', '--transitions', '0.3,0.7;0,1', '--samples', '8', '--chains', '400', '--out', 'wf.arrow', '--quiet']);
    expect(wf.code, wf.stderr).toBe(0);
    const wfSummary = JSON.parse(cli(['summarize', 'wf.arrow', '--json']).stdout);
    expect(wfSummary.lawTest.source).toMatch(/Wright–Fisher with 8 copies/);
    expectPValue(wfSummary.lawTest.pValue, 'summarize law test');
    for (const kind of ['survival', 'outcomes', 'trajectories']) {
      const file = kind === 'trajectories' ? 'bg.arrow' : 'wf.arrow';
      const plot = cli(['plot', file, '--kind', kind, '--out', `${kind}.svg`]);
      expect(plot.code, plot.stderr).toBe(0);
      expect(readFileSync(join(directory, `${kind}.svg`), 'utf8')).toMatch(/<svg/);
    }
  });
});
