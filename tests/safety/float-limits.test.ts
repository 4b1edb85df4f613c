/**
 * Float32 and float64 limits are checked before a run, for every parameter and for values
 * that grow during it (issue 16). Before, Gaussian --var0 1e39 and exponential --rate0
 * 1e-39 ran on the float32 kernels to NaN finals and 0 of 100 chains collapsed (the
 * reference: 100 of 100), Poisson --lambda0 1e7 died partway with an internal error, and
 * --mu0 1e30 "collapsed" every chain at generation 1 even in float64. Now `auto` picks a
 * path that runs the configuration exactly (here the reference path, and says why), an
 * explicit backend that cannot is refused naming the limit, and a configuration no path
 * can run is refused. Exactness is checked against scale invariance: the Gaussian's and
 * the exponential's chains are the same draws at any scale, so scaling by 2^130 (exact in
 * float64) must give identical collapse times.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainTable } from '../../src/engine/chain-table.js';
import { createFamilyModel } from '../../src/engine/reference.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { UsageError } from '../../src/spec/errors.js';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const [cwd, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(cwd);
const BASE = ['run', '--chains', '200', '--generations', '3000', '--samples', '10', '--seed', 'limits'];

function column(name: string, out: string): unknown[] {
  const table: Table = tableFromIPC(readFileSync(join(cwd, out)));
  const vector = table.getChild(name)!;
  return Array.from({ length: table.numRows }, (_, i) => vector.get(i));
}

function run(out: string, args: string[]): { code: number | null; stderr: string } {
  return cli([...BASE, ...args, '--out', out, '--json']);
}

const SCALE = 2 ** 130;

describe('auto runs what float32 cannot, exactly, on the reference path and says why', () => {
  it.each([
    ['Gaussian --var0 2^130 (float32 overflows)', ['--family', 'gaussian', '--var0', String(SCALE)], ['--family', 'gaussian', '--var0', '1'], 'final_var', SCALE],
    ['exponential --rate0 2^-130 (a mean of 1.4e39)', ['--family', 'exponential', '--rate0', String(1 / SCALE)], ['--family', 'exponential', '--rate0', '1'], 'final_rate', 1 / SCALE],
  ] as [string, string[], string[], string, number][])('%s: the same collapse times as the unscaled run', (label, scaled, unscaled, final, factor) => {
    const name = label.split(' ')[0].toLowerCase();
    const result = expectOnlyChanged(cwd, [`${name}-scaled.arrow`], () => run(`${name}-scaled.arrow`, [...scaled, '--backend', 'auto']));
    expect(result.code, result.stderr).toBe(0);
    // A run this small stays on the reference path without asking the float32 backends (engine/select.ts).
    expect(result.stderr).toMatch(/^collapse-sim: --backend auto: running on the reference path \(a run this small is fastest without starting another engine .*\); passed over: .*not asked, as starting takes longer than the run is expected to take$/m);
    expect(run(`${name}-unscaled.arrow`, [...unscaled, '--backend', 'reference']).code).toBe(0);
    const times = column('collapse_time', `${name}-scaled.arrow`);
    expect(times.filter((t) => t !== null).length).toBe(200);
    expect(times).toEqual(column('collapse_time', `${name}-unscaled.arrow`));
    const scaledFinals = column(final, `${name}-scaled.arrow`) as number[];
    (column(final, `${name}-unscaled.arrow`) as number[]).forEach((value, i) => expect(scaledFinals[i]).toBe(value * factor));
  });

  it.each([
    ['Poisson --lambda0 1e7 (counts past 2^24)', ['--family', 'poisson', '--lambda0', '1e7', '--generations', '50'], /counts per generation can grow over --generations 50 beyond 16777216, past exact float32 integers/],
    ['Poisson over 2·10⁶ generations (a line of descent can grow past 2^24)', ['--family', 'poisson', '--generations', '2000000'], /can grow over --generations 2000000 beyond 16777216/],
  ] as [string, string[], RegExp][])('%s: auto gives the reference’s rows; --backend cpu is refused', (label, args, message) => {
    const name = label.split(' ').slice(0, 2).join('-').replace(/\W/g, '');
    const auto = expectOnlyChanged(cwd, [`${name}-auto.arrow`], () => run(`${name}-auto.arrow`, [...args, '--chains', '40', '--backend', 'auto']));
    expect(auto.code, auto.stderr).toBe(0);
    // A run this small is left on the reference path without asking the float32 backends
    // (engine/select.ts); `--backend cpu` below says why float32 cannot run it.
    expect(auto.stderr).toMatch(/^collapse-sim: --backend auto: running on the reference path \(a run this small is fastest without starting another engine .*\); passed over: .*not asked, as starting takes longer than the run is expected to take$/m);
    expect(run(`${name}-reference.arrow`, [...args, '--chains', '40', '--backend', 'reference']).code).toBe(0);
    for (const name2 of ['collapse_time', 'final_lambda']) expect(column(name2, `${name}-auto.arrow`)).toEqual(column(name2, `${name}-reference.arrow`));
    const cpu = expectOnlyChanged(cwd, [], () => run(`${name}-cpu.arrow`, [...args, '--chains', '40', '--backend', 'cpu']));
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toMatch(new RegExp(`^collapse-sim: --lambda0 .*${message.source}.* on --backend cpu\\n$`));
  });

  it.each([
    [['--family', 'gaussian', '--var0', '1e39'], /^collapse-sim: --var0 \(or --truth-var\) × the points one fit pools \(10\) must stay below 8\.51e\+25 in float32, with room for σ² to grow 1000000000000-fold \(got σ² = 1e\+39\) on --backend cpu\n$/],
    [['--family', 'gaussian', '--var0', '1e30', '--ground-truth', '2'], /^collapse-sim: --var0 \(or --truth-var\) × the points one fit pools \(12\) must stay below .* in float32/],
    [['--family', 'gaussian', '--truth-var', '1e20', '--ground-truth', '2'], /^collapse-sim: --truth-var \(or --var0\) spreads the data too wide for float32 to resolve the collapse floor: .* on --backend cpu\n$/],
    [['--family', 'exponential', '--rate0', '1e-39'], /^collapse-sim: 1 \/ --rate0 \(or 1 \/ --truth-rate\) × the points one fit pools \(10\) must stay below .* in float32/],
    [['--family', 'exponential', '--rate0', '1e30'], /^collapse-sim: --collapse-threshold \/ --rate0 \(1e-36, the collapse floor of the mean\) must be at least 1e-30 in float32 on --backend cpu\n$/],
    [['--family', 'gaussian', '--mu0', '1e6'], /^collapse-sim: --mu0 \(or --truth-mu\) is too far from 0 for float32 at this collapse floor: .* on --backend cpu\n$/],
  ] as [string[], RegExp][])('an explicit float32 backend is refused: %j', (args, message) => {
    const result = expectOnlyChanged(cwd, [], () => run('refused.arrow', [...args, '--backend', 'cpu']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('what no path can run exactly is refused, on every backend', () => {
  it.each([
    [['--family', 'gaussian', '--mu0', '1e300'], /^collapse-sim: --mu0 \(or --truth-mu\) is too far from 0 for float64 at this collapse floor: near \|x\| = 1e\+300 numbers are 2\.22e\+284 apart, too coarse for σ = 1e-3 \(the lowest the run reaches: σ₀ √--collapse-threshold, or what --generations allow\) with 10 points; \|μ\| up to about 4\.93e\+11 works, or a larger --collapse-threshold\n$/],
    [['--family', 'gaussian', '--mu0', '1e30'], /^collapse-sim: --mu0 \(or --truth-mu\) is too far from 0 for float64/],
    [['--family', 'gaussian', '--var0', '1e300'], /^collapse-sim: --var0 \(or --truth-var\) × the points one fit pools \(10\) must stay below 4\.49e\+295 in float64/],
    [['--family', 'exponential', '--rate0', '1e-300'], /^collapse-sim: 1 \/ --rate0 \(or 1 \/ --truth-rate\) × the points one fit pools \(10\) must stay below .* in float64/],
    [['--family', 'poisson', '--lambda0', '1e15'], /^collapse-sim: --lambda0 \(or --truth-lambda\) × \(--samples \+ --ground-truth\) = 1e\+16 counts per generation can grow over --generations 3000 beyond 9007199254740992, past exact float64 integers\n$/],
  ] as [string[], RegExp][])('%j', (args, message) => {
    for (const backend of ['auto', 'reference', 'cpu']) {
      const result = expectOnlyChanged(cwd, [], () => run('refused.arrow', [...args, '--backend', backend]));
      expect(result.code, backend).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('a huge mean is no problem where nothing rounds it: --mode sufficient draws the spread directly', () => {
    const far = run('far.arrow', ['--family', 'gaussian', '--mu0', '1e30', '--mode', 'sufficient', '--backend', 'reference']);
    expect(far.code, far.stderr).toBe(0);
    expect(run('near.arrow', ['--family', 'gaussian', '--mu0', '0', '--mode', 'sufficient', '--backend', 'reference']).code).toBe(0);
    expect(column('collapse_time', 'far.arrow')).toEqual(column('collapse_time', 'near.arrow'));
  });
});

describe('a statistic that still leaves the range is refused, never written', () => {
  it('ChainTable.refit throws a UsageError on a statistic that is not finite', () => {
    const spec = resolveRunSpec({ family: 'gaussian', out: '/nonexistent/x.arrow' });
    const table = new ChainTable(createFamilyModel(spec), spec, 1, { allocate: (floats) => new Float64Array(floats) });
    table.start(0);
    table.drawnOf(0).set([100, 0, Infinity]);
    expect(() => table.refit(0)).toThrow(UsageError);
    table.drawnOf(0).set([100, NaN, 1]);
    expect(() => table.refit(0)).toThrow(/a sufficient statistic left the float64 range/);
    table.drawnOf(0).set([100, 0, 1]);
    expect(() => table.refit(0)).not.toThrow();
  });
});
