import { describe, expect, it } from 'vitest';
import { gridPoints, MAX_POINTS, parseAxisFlag, parseGrid, pointSeed } from '../../src/sweep/grid.js';
import { precisionStages } from '../../src/sweep/sweep.js';
import { wilsonInterval } from '../../src/stats/wilson.js';

const RUN_OPTIONS = new Set(['samples', 'ground-truth', 'p0', 'regime', 'family', 'chains', 'seed', 'out', 'trajectories']);

describe('grid axes', () => {
  it('expands ranges to the literals\' decimals, never to binary artefacts', () => {
    expect(parseAxisFlag('p0=0.1:0.9:0.1').values).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
    expect(parseAxisFlag('samples=10:50:20').values).toEqual(['10', '30', '50']);
    expect(parseAxisFlag('samples=10:55:20').values).toEqual(['10', '30', '50']);
    expect(parseAxisFlag('l2=1e-3:3e-3:1e-3').values).toEqual(['0.001', '0.002', '0.003']);
    expect(parseAxisFlag('p0=0.5:0.5:0.1').values).toEqual(['0.5']);
  });

  it('takes lists, mixed with ranges, and values holding a colon (window:W)', () => {
    expect(parseAxisFlag('ground-truth=0,1,2,5').values).toEqual(['0', '1', '2', '5']);
    expect(parseAxisFlag('samples=5,10:30:10').values).toEqual(['5', '10', '20', '30']);
    expect(parseAxisFlag('regime=replace,window:10').values).toEqual(['replace', 'window:10']);
  });

  it.each([
    ['p0=0.9:0.1:0.1', /--grid p0=0\.9:0\.1:0\.1: the range is inverted/],
    ['p0=0.1:0.9:0', /--grid p0=0\.1:0\.9:0: the step must be positive/],
    ['p0=0.1:0.9:-0.1', /the step must be positive/],
    ['p0=', /--grid p0= has no values/],
    ['p0=0.1,,0.2', /--grid p0=0\.1,,0\.2 has an empty value/],
    ['samples=10,10', /--grid samples lists 10 twice/],
    ['samples', /--grid samples: write option=values/],
    ['p0=0:1:1e-9', /expands to \d+ values, more than the 100000 points/],
  ])('%s is refused naming the axis', (text, message) => {
    expect(() => parseAxisFlag(text)).toThrow(message);
  });

  it.each([
    [['bogus=1,2'], {}, [], /--grid bogus: unknown run option/],
    [['out=a,b'], {}, [], /--grid out: the sweep sets --out itself/],
    [['trajectories=every:1,chains:2'], {}, [], /--grid trajectories: the sweep sets/],
    [['samples=1,2', 'samples=3'], {}, [], /--grid samples is given twice/],
    [['samples=1,2'], {}, ['samples'], /--grid samples: --samples is also given as a flag/],
    [[], undefined, [], /--grid: a sweep needs at least one axis/],
    [['samples=1:400:1', 'p0=0.001:1:0.001'], undefined, [], /samples \(400\) × p0 \(1000\) = 400000 points, more than the 100000/],
  ])('%j is refused naming the axis', (flags, config, given, message) => {
    expect(() => parseGrid(flags, config, RUN_OPTIONS, new Set(given))).toThrow(message);
  });

  it('reads a --config "grid" object (lists or range strings) and refuses malformed ones', () => {
    const axes = parseGrid(undefined, { samples: [50, 100], p0: '0.25:0.75:0.25' }, RUN_OPTIONS, new Set());
    expect(axes).toEqual([
      { option: 'samples', values: ['50', '100'] },
      { option: 'p0', values: ['0.25', '0.5', '0.75'] },
    ]);
    expect(() => parseGrid(undefined, [1, 2], RUN_OPTIONS, new Set())).toThrow(/"grid" must be an object/);
    expect(() => parseGrid(undefined, { samples: [] }, RUN_OPTIONS, new Set())).toThrow(/"grid".samples is an empty list/);
    expect(() => parseGrid(undefined, { samples: { a: 1 } }, RUN_OPTIONS, new Set())).toThrow(/"grid".samples must be a list/);
  });

  it('orders the product with the first axis slowest and derives readable seeds', () => {
    const axes = parseGrid(['samples=10,20', 'ground-truth=0,1,2'], undefined, RUN_OPTIONS, new Set());
    const points = gridPoints(axes);
    expect(points.map((point) => point.values.join('/'))).toEqual(['10/0', '10/1', '10/2', '20/0', '20/1', '20/2']);
    expect(pointSeed('7', axes, points[4])).toBe('7/samples=20,ground-truth=1');
    expect(MAX_POINTS).toBe(100_000);
  });

  it('the stopping rule\'s coverage, computed exactly, is what the README states', () => {
    // Binomial convolution over the stages: P(the last stage's Wilson interval covers p).
    const coverage = (p: number, h: number, cap: number): number => {
      const pmf = (n: number) => {
        const out = new Float64Array(n + 1);
        let logC = 0;
        for (let k = 0; k <= n; k++) {
          if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
          out[k] = Math.exp(logC + k * Math.log(p) + (n - k) * Math.log1p(-p));
        }
        return out;
      };
      let law = Float64Array.of(1);
      let previous = 0;
      let covered = 0;
      const stages = precisionStages(cap);
      stages.forEach((n, s) => {
        const added = pmf(n - previous);
        const next = new Float64Array(n + 1);
        for (let x = 0; x < law.length; x++) if (law[x] > 1e-300) for (let y = 0; y < added.length; y++) next[x + y] += law[x] * added[y];
        for (let x = 0; x <= n; x++) {
          const interval = wilsonInterval(x, n);
          if (s === stages.length - 1 || (interval.upper - interval.lower) / 2 <= h) {
            if (interval.lower <= p && p <= interval.upper) covered += next[x];
            next[x] = 0;
          }
        }
        law = next;
        previous = n;
      });
      return covered;
    };
    expect(coverage(0.13, 0.01, 65536)).toBeCloseTo(0.9367, 4);
    expect(coverage(0.33, 0.02, 65536)).toBeCloseTo(0.935, 4);
    // Away from a stage boundary it is the fixed-n Wilson interval's own coverage (n = 16384 here).
    expect(coverage(0.5, 0.02, 65536)).toBeCloseTo(0.9492, 4);
  });

  it('stages --precision in doublings from 1024 up to the cap', () => {
    expect(precisionStages(100)).toEqual([100]);
    expect(precisionStages(1024)).toEqual([1024]);
    expect(precisionStages(5000)).toEqual([1024, 2048, 4096, 5000]);
  });
});
