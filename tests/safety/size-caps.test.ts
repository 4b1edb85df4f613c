/**
 * Every size a user gives is capped by what it can mean (issue 16): --regime window:W by
 * the generation count (window:10⁸ with T = 10 died of heap exhaustion with a stack
 * trace; a chain now keeps min(W, T) generations, the same data), the window's memory per
 * chain and per host-fit group, and trajectory memory by --batch-size. (Config nesting
 * depth: config-numbers.test.ts.) Each case drives the real CLI and checksums the
 * directory around it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { hostFitGroupLimit, type HostFitPlan } from '../../src/engine/gpu/host-fit.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const [cwd, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(cwd);
const RUN = ['run', '--chains', '300', '--samples', '20', '--seed', 'caps', '--backend', 'reference', '--quiet'];

function columns(file: string, names: string[]): unknown[][] {
  const table = tableFromIPC(readFileSync(join(cwd, file)));
  return names.map((name) => Array.from({ length: table.numRows }, (_, i) => table.getChild(name)!.get(i)));
}

describe('--regime window:W is capped by the generation count', () => {
  it.each([
    ['bernoulli', []],
    ['ising', ['--family', 'ising', '--spins', '4']],
  ] as [string, string[]][])('%s: window:10⁸ with T = 10 keeps 10 generations and runs as window:10 and as accumulate do', (family, args) => {
    for (const regime of ['window:100000000', 'window:10', 'accumulate']) {
      const out = `${family}-${regime.replace(':', '-')}.arrow`;
      const started = Date.now();
      const result = expectOnlyChanged(cwd, [out], () => cli([...RUN, ...args, '--generations', '10', '--regime', regime, '--out', out]));
      expect(result.code, result.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(20_000);
    }
    const names = family === 'ising' ? ['collapse_time', 'outcome', 'final_m'] : ['collapse_time', 'outcome', 'final_p'];
    const wide = columns(`${family}-window-100000000.arrow`, names);
    expect(wide).toEqual(columns(`${family}-window-10.arrow`, names));
    // A window at least as long as the run pools every generation so far: accumulate (integer counts: exact).
    expect(wide).toEqual(columns(`${family}-accumulate.arrow`, names));
  });

  it('a window whose statistics a chain cannot hold is refused, naming the limit', () => {
    const result = expectOnlyChanged(cwd, [], () => cli([...RUN, '--generations', '100000000', '--regime', 'window:50000000', '--out', 'w.arrow']));
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('collapse-sim: --regime window:50000000 keeps 100000000 numbers per chain (min(W, --generations) generations of statistics), more than 16777216: use a narrower window\n');
  });

  it('the host-fit path sizes its groups to the window the chains keep', () => {
    const plan = { parameterWidth: 24 } as HostFitPlan;
    expect(hostFitGroupLimit(plan, 262144)).toBe(262144);
    // 1000 generations of 3 statistics: 2^25 numbers for the group.
    expect(hostFitGroupLimit(plan, 262144, 3000)).toBe(Math.floor(2 ** 25 / 3000));
    expect(hostFitGroupLimit(plan, 262144, 2 ** 26)).toBe(1);
  });
});

describe('trajectory memory is capped by --batch-size', () => {
  it('a mitigated run (every chain runs all T generations) that would record more rows per batch than fit is refused up front', () => {
    const result = expectOnlyChanged(cwd, [], () =>
      cli([...RUN, '--ground-truth', '1', '--generations', '100000', '--trajectories', 'every:1,chains:1000', '--out', 't.arrow']),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'collapse-sim: --trajectories records up to 30000600 rows in one batch of --batch-size 65536, more than the 16777216 held in memory: raise every:<k>, or lower chains:<n> or --batch-size\n',
    );
  });

  it('the same run in smaller batches, or recording less often, fits', () => {
    const base = { chains: 300, 'ground-truth': 1, generations: 100000, trajectories: 'every:1,chains:1000', out: 't.arrow' };
    expect(() => resolveRunSpec(base)).toThrow(/more than the 16777216 held in memory/);
    expect(() => resolveRunSpec({ ...base, 'batch-size': 100 })).not.toThrow();
    expect(() => resolveRunSpec({ ...base, trajectories: 'every:10,chains:1000' })).not.toThrow();
    // And a run that fits writes its rows: 20 chains × (0, 1, …, 30) = 620.
    const result = cli([...RUN, '--ground-truth', '1', '--generations', '30', '--trajectories', 'every:1,chains:20', '--batch-size', '8', '--out', 'fits.arrow']);
    expect(result.code, result.stderr).toBe(0);
    expect(tableFromIPC(readFileSync(join(cwd, 'fits.trajectories.arrow'))).numRows).toBe(620);
  });
});
