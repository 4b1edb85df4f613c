import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { runSimulation } from '../../src/run.js';
import { simulate, temporaryDirectory } from '../helpers.js';
import { backendsUnderTest } from '../gpu/backends-under-test.js';
import { backendRefusal } from '../../src/engine/backends.js';

/** Determinism holds on every engine: the reference, the WebAssembly engine and each available gpu.js backend. */
const ENGINES = ['reference', ...(await backendsUnderTest()).filter((b) => b.run).map((b) => b.backend)];

const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);

const CONFIGURATIONS: Record<string, unknown>[] = [
  { family: 'bernoulli', samples: 15, p0: 0.3 },
  { family: 'categorical', categories: 5, init: 'zipf:1', samples: 10, 'top-p': 0.9 },
  { family: 'gaussian', samples: 6, estimator: 'unbiased', 'collapse-threshold': 0.05 },
  { family: 'poisson', samples: 5, lambda0: 1.5 },
  { family: 'exponential', samples: 4, 'collapse-threshold': 0.1 },
  { family: 'ising', spins: 5, samples: 4, m0: 0.2, learn: 'theta1,theta2', theta2: 0.3 },
  { family: 'bernoulli', samples: 15, 'ground-truth': 2, prior: 1, regime: 'window:3' },
];

/** The configurations each engine can run (Bernoulli with window:3 has no GPU kernel). */
const RUNNABLE = new Map<string, Record<string, unknown>[]>();
for (const backend of ENGINES) {
  const runnable: Record<string, unknown>[] = [];
  for (const configuration of CONFIGURATIONS) {
    const spec = resolveRunSpec({ ...configuration, chains: 10, out: 'unused.arrow' });
    if (backend === 'reference' || (await backendRefusal(spec, backend)) === null) runnable.push(configuration);
  }
  RUNNABLE.set(backend, runnable);
}

describe.each(ENGINES)('determinism on %s', (backend) => {
  const configurations = RUNNABLE.get(backend)!;
  it.each(configurations)('same seed, same bytes: %o', async (configuration) => {
    // The provenance records --out, so the same configuration means the same path too.
    const out = join(directory, 'same.arrow');
    const files = [] as Buffer[];
    for (let copy = 0; copy < 2; copy++) {
      await runSimulation(resolveRunSpec({ ...configuration, chains: 200, generations: 300, seed: 'bytes', out, backend }));
      files.push(readFileSync(out));
    }
    expect(files[0].equals(files[1])).toBe(true);
  });

  it.each(configurations)('batch size never changes a row: %o', async (configuration) => {
    const rows = [] as unknown[];
    for (const batchSize of [1, 7, 1000]) {
      const out = join(directory, `batch-${batchSize}.arrow`);
      await runSimulation(resolveRunSpec({ ...configuration, chains: 150, generations: 300, seed: 'batches', 'batch-size': batchSize, out, backend }));
      const table = tableFromIPC(readFileSync(out));
      rows.push(table.toArray().map((row) => JSON.stringify(row.toJSON())));
      expect(table.batches.length).toBe(Math.ceil(150 / batchSize));
    }
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[2]).toEqual(rows[0]);
  });

});

describe('determinism of the reference path', () => {
  it('chain i’s result does not depend on how many chains run', async () => {
    const small = await simulate({ family: 'bernoulli', samples: 9, chains: 10, seed: 'prefix' });
    const large = await simulate({ family: 'bernoulli', samples: 9, chains: 500, seed: 'prefix' });
    expect(large.collapseTime.subarray(0, 10)).toEqual(small.collapseTime);
    expect(large.finals['final_p'].subarray(0, 10)).toEqual(small.finals['final_p']);
  });

  it('different seeds and generators give different chains', async () => {
    const a = await simulate({ family: 'bernoulli', samples: 9, chains: 50, seed: 'one' });
    const b = await simulate({ family: 'bernoulli', samples: 9, chains: 50, seed: 'two' });
    const c = await simulate({ family: 'bernoulli', samples: 9, chains: 50, seed: 'one', rng: 'seedrandom' });
    expect(b.collapseTime).not.toEqual(a.collapseTime);
    expect(c.collapseTime).not.toEqual(a.collapseTime);
  });
});
