/**
 * The WebAssembly generator against the reference's scalar one: for every distribution, many
 * lanes (each its own chain) and parameters across every branch of every sampler (inversion and
 * rejection, reflection, the ends 0 and 1, zero weights), the same numbers bit for bit, and the
 * streams left at the same position (a uniform drawn after each method agrees too).
 */
import { describe, expect, it } from 'vitest';
import { keyFromSeed } from '../../src/rng/keys.js';
import { column, type Column, type LaneGenerator } from '../../src/rng/lanes.js';
import { ScalarGenerator } from '../../src/rng/scalar-generator.js';
import { openStream, StreamTag } from '../../src/rng/streams.js';
import { categorical } from '../../src/rng/distributions/categorical.js';
import { oneLane } from '../helpers.js';
import { TWO_PI } from '../../src/rng/distributions/normal.js';
import { WasmGenerator, wasmUsesOwnMath } from '../../src/rng/wasm-generator.js';

const LANES = 400;
const SEED = 'generators';

/** Both generators over the same lanes: lane l draws chain 1000 + 7l, active in a shuffled order without every fourth lane. */
function pair(rowFloats: number): { scalar: ScalarGenerator; wasm: WasmGenerator } {
  const scalar = new ScalarGenerator({ kind: 'philox', seed: SEED }, LANES);
  const wasm = new WasmGenerator(keyFromSeed(SEED), LANES, 64 * LANES * rowFloats + 4096);
  const order = Array.from({ length: LANES }, (_, l) => l).filter((l) => l % 4 !== 3);
  order.sort((a, b) => ((a * 7919) % 401) - ((b * 7919) % 401));
  for (const generator of [scalar, wasm]) {
    for (let l = 0; l < LANES; l++) generator.assign(l, 1000 + 7 * l);
    generator.active.set(order);
    generator.activeCount = order.length;
  }
  return { scalar, wasm };
}

/** A per-lane column in the generator's memory, filled by `value(lane)`. */
function filled(generator: LaneGenerator, width: number, value: (lane: number, i: number) => number): Column {
  const data = generator.allocate(LANES * width);
  for (let l = 0; l < LANES; l++) for (let i = 0; i < width; i++) data[l * width + i] = value(l, i);
  return column(data, 0, width);
}

/** Generations drawn by each comparison: every lane draws afresh in each. */
const GENERATIONS = 40;

/**
 * Runs `draw` on both generators at generations 1 … GENERATIONS (alternating the two stream
 * tags) and compares every output and the uniform that follows the draws.
 */
function expectSame(
  label: string,
  outputs: number,
  draw: (generator: LaneGenerator, inputs: (width: number, value: (lane: number, i: number) => number) => Column, out: Column[]) => void,
  outputWidth = 1,
): void {
  const { scalar, wasm } = pair(Math.max(outputWidth, 64));
  const runs = [scalar, wasm].map((generator) => {
    // Inputs are made in the first generation and reused (in call order) in the others.
    const inputs: Column[] = [];
    let calls = 0;
    const input = (width: number, value: (lane: number, i: number) => number): Column => {
      if (calls === inputs.length) inputs.push(filled(generator, width, value));
      return inputs[calls++];
    };
    const out = Array.from({ length: outputs }, () => filled(generator, outputWidth, () => -7));
    const after = filled(generator, 1, () => -1);
    const results: number[] = [];
    for (let generation = 1; generation <= GENERATIONS; generation++) {
      generator.open(generation, generation % 2 === 0 ? StreamTag.Synthetic : StreamTag.GroundTruth);
      calls = 0;
      draw(generator, input, out);
      generator.uniforms(1, after);
      for (const c of out) results.push(...c.data);
      for (let k = 0; k < generator.activeCount; k++) results.push(after.data[generator.active[k]]);
    }
    return results;
  });
  let differing = 0;
  let first = -1;
  for (let i = 0; i < runs[0].length; i++) {
    if (!Object.is(runs[0][i], runs[1][i])) {
      differing++;
      if (first < 0) first = i;
    }
  }
  expect(differing, `${label}: ${differing} of ${runs[0].length} values differ (first at ${first}: ${runs[0][first]} vs ${runs[1][first]})`).toBe(0);
}

describe('WasmGenerator reproduces the scalar reference generator bit for bit', () => {
  it('Bernoulli counts, p from 0 to 1 (including NaN and exact fractions), n from 0 to 1000', () => {
    for (const n of [0, 1, 3, 15, 16, 17, 100, 1000]) {
      expectSame(`bernoulli n=${n}`, 1, (g, input, [out]) => {
        const p = input(1, (l) => (l % 10 === 0 ? 0 : l % 10 === 1 ? 1 : l % 10 === 2 ? NaN : l % 10 === 3 ? 37 / 100 : (l * 0.6180339887) % 1));
        g.bernoulliCounts(n, p, out);
      });
    }
  });

  it('Bernoulli counts and spins whose run starts after other draws, off a block boundary', () => {
    expectSame('bernoulli after 3 uniforms', 1, (g, input, [out]) => {
      const scratch = input(4, () => 0);
      g.uniforms(3, scratch);
      g.bernoulliCounts(70, input(1, (l) => (l % 13) / 13), out);
    });
    expectSame('spins after 1 uniform', 2, (g, input, [sum, squares]) => {
      const scratch = input(1, () => 0);
      g.uniforms(1, scratch);
      g.spinMoments(7, 9, input(1, (l) => (l % 5) / 5), sum, squares);
    });
  });

  it('spin moments, independent and coupled', () => {
    expectSame('spins', 2, (g, input, [sum, squares]) => g.spinMoments(50, 10, input(1, (l) => (l % 7) / 7), sum, squares));
    const spins = 6;
    expectSame('coupled spins', 2, (g, input, [sum, squares]) =>
      g.coupledSpinMoments(20, spins, input(spins * (spins + 1), (l, i) => ((l + 3 * i) % 11) / 10), sum, squares),
    );
  });

  it('binomials in both algorithms, reflected or not, and at their ends', () => {
    expectSame('binomial', 1, (g, input, [out]) => {
      const n = input(1, (l) => [0, 1, 5, 19, 20, 100, 1000, 100000][l % 8]);
      const p = input(1, (l) => [0, 1, 0.5, 0.02, 0.98, 0.3, 0.7, NaN, 1e-9, 0.49][l % 10]);
      g.binomials(n, p, out);
    });
  });

  it('Poisson draws and sums, below and above the inversion limit and beyond the log-factorial table', () => {
    expectSame('poisson', 1, (g, input, [out]) => g.poissons(input(1, (l) => [0, 0.3, 3, 9.7, 9.72, 50, 400, 5000][l % 8]), out));
    expectSame('poisson sums', 1, (g, input, [out]) => g.poissonSums(30, input(1, (l) => [0, 0.5, 4, 12][l % 4]), out));
  });

  it('normals, Welford moments, exponential sums and gammas (shape below and above 1)', () => {
    expectSame('normal', 1, (g, _input, [out]) => g.normals(out));
    expectSame('normal moments', 2, (g, input, [mean, m2]) => g.normalMoments(20, input(1, (l) => l - 200), input(1, (l) => 1e-3 * (l + 1)), mean, m2));
    expectSame('exponential sums', 1, (g, input, [out]) => g.exponentialSums(25, input(1, (l) => 0.1 * (l + 1)), out));
    for (const shape of [0.4, 1, 9.5, 499.5]) expectSame(`gamma ${shape}`, 1, (g, _input, [out]) => g.gammas(shape, out));
  });

  it('categorical counts and multinomials over rows with zero weights', () => {
    const K = 12;
    const weight = (l: number, j: number): number => ((l + j) % 5 === 0 ? 0 : 1 + ((l * 13 + j * 7) % 17));
    expectSame(
      'categorical counts',
      1,
      (g, input, [counts]) => {
        const cumulative = input(K, (l, j) => {
          let running = 0;
          for (let i = 0; i <= j; i++) running += weight(l, i);
          return running;
        });
        g.categoricalCounts(200, cumulative, K, counts);
      },
      K,
    );
    expectSame(
      'multinomial',
      1,
      (g, input, [counts]) => g.multinomials(input(1, (l) => [0, 1, 50, 1000][l % 4]), input(K, weight), K, counts),
      K,
    );
  });

  it('Markov chain path counts: rows with zero weights, per lane or shared, paths of length 2 and longer', () => {
    const K = 5;
    // Row i of lane l: zero weights where (l + i + 2j) mod 4 = 0 (never a whole row).
    const weight = (l: number, i: number, j: number): number => ((l + i + 2 * j) % 4 === 0 ? 0 : 1 + ((l * 13 + i * 7 + j * 3) % 11));
    const cumulativeRows = (l: number, x: number): number => {
      const i = Math.floor(x / K);
      let running = 0;
      for (let j = 0; j <= x % K; j++) running += weight(l, i, j);
      return running;
    };
    for (const [paths, length] of [[30, 6], [17, 2], [0, 4], [3, 40]]) {
      expectSame(
        `markov paths ${paths}×${length}`,
        2,
        (g, input, [starts, transitions]) => {
          const start = input(K, (l, j) => cumulativeRows(l + 1, 2 * K + j));
          g.markovPathCounts(paths, length, start, input(K * K, cumulativeRows), K, starts, transitions);
        },
        K * K,
      );
    }
    expectSame(
      'markov paths, start law and rows shared by every lane',
      2,
      (g, _input, [starts, transitions]) => {
        const start = g.allocate(K);
        const rows = g.allocate(K * K);
        for (let j = 0; j < K; j++) start[j] = j + 1;
        for (let x = 0; x < K * K; x++) rows[x] = cumulativeRows(3, x);
        g.markovPathCounts(25, 5, column(start, 0, 0), column(rows, 0, 0), K, starts, transitions);
      },
      K * K,
    );
  });

  it('inputs shared by every lane (stride 0)', () => {
    expectSame('stride 0', 1, (g, _input, [out]) => {
      const p = g.allocate(1);
      p[0] = 0.3;
      g.bernoulliCounts(40, column(p, 0, 0), out);
    });
  });
});

describe('Markov chain path counts draw in the documented order', () => {
  it('are the counts of paths drawn token by token with the scalar categorical sampler', () => {
    const K = 4;
    const start = Float64Array.of(1, 1, 3, 5); // cumulative: weights 1, 0, 2, 2
    const rows = Float64Array.of(0, 2, 3, 3, 1, 2, 3, 4, 4, 4, 4, 4, 1, 1, 1, 5);
    const [paths, length] = [50, 7];
    const generator = oneLane('markov order', 3, 2, StreamTag.Synthetic);
    const starts = new Float64Array(K);
    const transitions = new Float64Array(K * K);
    generator.markovPathCounts(paths, length, column(start, 0, 0), column(rows, 0, 0), K, column(starts, 0, 0), column(transitions, 0, 0));
    const stream = openStream({ kind: 'philox', seed: 'markov order' });
    stream.reset(3, 2, StreamTag.Synthetic);
    const draw = categorical(stream);
    const expectedStarts = new Float64Array(K);
    const expectedTransitions = new Float64Array(K * K);
    for (let path = 0; path < paths; path++) {
      let token = draw(start, K);
      expectedStarts[token]++;
      for (let position = 1; position < length; position++) {
        const next = draw(rows.subarray(token * K, token * K + K), K);
        expectedTransitions[token * K + next]++;
        token = next;
      }
    }
    expect(Array.from(starts)).toEqual(Array.from(expectedStarts));
    expect(Array.from(transitions)).toEqual(Array.from(expectedTransitions));
    // Zero weights are never drawn: state 1 never starts a path; 0 → 0, 0 → 3, 2 → 1..3, 3 → 1 and 3 → 2 never happen.
    expect(starts[1]).toBe(0);
    for (const never of [0, 3, 2 * K + 1, 2 * K + 2, 2 * K + 3, 3 * K + 1, 3 * K + 2]) expect(transitions[never]).toBe(0);
    expect(transitions.reduce((a, b) => a + b, 0)).toBe(paths * (length - 1));
  });
});

describe('the WebAssembly module’s own log and cos (fdlibm)', () => {
  it('are this host’s Math.log and Math.cos exactly, at every input Box–Muller gives them', () => {
    const { exports } = new WasmGenerator(keyFromSeed('math'), 1, 16) as unknown as { exports: { fdlibmLog(x: number): number; fdlibmCos(x: number): number } };
    let differing = 0;
    for (let u = 0; u < 2 ** 24; u++) {
      const radius = (u + 0.5) / 2 ** 24;
      const angle = TWO_PI * (u / 2 ** 24);
      if (exports.fdlibmLog(radius) !== Math.log(radius) || exports.fdlibmCos(angle) !== Math.cos(angle)) differing++;
    }
    expect(differing).toBe(0);
    // And across the doubles (the samplers take logs of other values too, e.g. BTRS's bound).
    let state = 12345;
    for (let i = 0; i < 200000; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const x = 2 ** ((state % 1400) - 700) * (1 + ((state * 2654435761) >>> 0) / 2 ** 32);
      if (exports.fdlibmLog(x) !== Math.log(x)) differing++;
    }
    expect(differing).toBe(0);
    expect(wasmUsesOwnMath()).toBe(true);
  });
});
