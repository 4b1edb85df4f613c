import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { philoxTestKernelSource, PHILOX_STYLE_BY_BACKEND } from '../../kernels/philox.js';
import { ISING_LEVELS_HEADER, isingLevelsKernelSource, isingLevelsParameterCount } from '../../kernels/ising-levels.js';
import { openBackend, type BackendStatus } from '../../src/engine/gpu/backends.js';
import { FlatKernel, InThreadRunner } from '../../src/engine/gpu/kernel-runner.js';
import { WorkerPoolRunner } from '../../src/engine/gpu/worker-pool-runner.js';
import { gpuRouteFor } from '../../src/engine/gpu/routes.js';
import type { GpuPlan } from '../../src/families/routes.js';
import { chainKernelRecipe } from '../../src/engine/gpu/plan.js';
import { createFamilyModel } from '../../src/engine/reference.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { backendsUnderTest } from './backends-under-test.js';

const backends = await backendsUnderTest(true);

/** The chain-kernel plan of a configuration that has one. */
async function chainPlan(spec: ReturnType<typeof resolveRunSpec>, style: string): Promise<GpuPlan> {
  const route = await gpuRouteFor(spec, 'cpu');
  if (typeof route === 'string' || route.kind !== 'chain') throw new Error('expected a chain-kernel route');
  return route.plan({ spec, model: createFamilyModel(spec), style });
}

/** Random123 known answers (tests/kat_vectors): counter[4], key[2] → output[4]. */
const KAT = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
] as const;

describe.each(backends)('$backend', ({ backend, status, required, run }) => {
  // An absent backend that is not required is skipped, with the reason in the test's name.
  const availability = required ? ' (required here)' : run ? '' : ` (skipped: ${status.reason})`;
  it.skipIf(!run)(`is available${availability}`, () => {
    expect(status.available, `${backend}: ${status.reason}`).toBe(true);
    expect(status.device).toBeTruthy();
  });

  it.skipIf(!run)('computes Philox4x32-10 to Random123’s known answers in its arithmetic', async () => {
    const opened = await openBackend(backend);
    try {
      const kernel = FlatKernel.create(opened.gpu as never, backend, philoxTestKernelSource(PHILOX_STYLE_BY_BACKEND[backend]));
      const words = Float32Array.from(KAT.flatMap(([counter, key]) => [...counter, ...key].flatMap((w) => [w >>> 16, w & 0xffff])));
      const limbs = await kernel.call(8 * KAT.length, words);
      const got = KAT.map((_, t) => [0, 1, 2, 3].map((i) => (limbs[t * 8 + 2 * i] * 65536 + limbs[t * 8 + 2 * i + 1]) >>> 0));
      expect(got).toEqual(KAT.map(([, , expected]) => [...expected]));
      kernel.destroy();
    } finally {
      opened.close();
    }
  });

  it.skipIf(!run)('sums u² of coupled-spin samples exactly beyond 2^24 (two float32 parts)', async () => {
    // Thresholds 2^24 (always up) for the first 101 spins, 0 (never) for the rest: every
    // sample has u = 101 whatever the uniforms, so Σu = M·101 and Σu² = M·10201 > 2^24
    // (odd terms: a plain float32 sum would round once past 2^24).
    const spins = 128;
    const samples = 2048;
    const source = isingLevelsKernelSource(PHILOX_STYLE_BY_BACKEND[backend], { mode: 'per-sample', spins, samples, groundTruth: 0 });
    const row = new Float32Array(ISING_LEVELS_HEADER + isingLevelsParameterCount('per-sample', spins));
    row.set([0, 5, 1]);
    for (let i = 0, at = ISING_LEVELS_HEADER; i < spins; i++) for (let u = 0; u <= i; u++) row[at++] = i < 101 ? 2 ** 24 : 0;
    const opened = await openBackend(backend);
    try {
      const kernel = FlatKernel.create(opened.gpu as never, backend, source, true);
      const [sumU, high, low] = await kernel.call(1, row, 3, 1, 2, 3, 4, new Float32Array(1));
      expect(samples * 10201).toBeGreaterThan(2 ** 24);
      expect([sumU, high * 2048 + low]).toEqual([samples * 101, samples * 10201]);
      kernel.destroy();
    } finally {
      opened.close();
    }
  });
});

describe('engine machinery', () => {
  it('refuses a kernel gpu.js ran on another backend than the one asked for', async () => {
    const opened = await openBackend('cpu');
    const spec = resolveRunSpec({ samples: 10, chains: 4, out: 'x.arrow' });
    const plan = await chainPlan(spec, 'int-expression');
    // A cpu gpu.js instance, labelled as webgpu: the mode check must catch it.
    await expect(InThreadRunner.create(opened.gpu as never, chainKernelRecipe('webgpu', spec, plan))).rejects.toThrow(
      /gpu.js ran the kernel on cpu, not webgpu/,
    );
    opened.close();
  });

  it('gives the same slots whatever the number of worker threads', async () => {
    const spec = resolveRunSpec({ samples: 30, chains: 500, out: 'x.arrow' });
    const plan = await chainPlan(spec, 'int-expression');
    const recipe = chainKernelRecipe('cpu', { generations: 1000, seed: '7' }, plan);
    const packed = new Float32Array(500 * 6);
    for (let i = 0; i < 500; i++) {
      packed[i * 6 + 1] = i;
      packed.set(plan.initialSlots, i * 6 + 2);
    }
    const outputs: Float32Array[] = [];
    for (const threads of [1, 3]) {
      const pool = await WorkerPoolRunner.create(recipe, threads);
      outputs.push(await pool.run(packed.slice(), 500, 25));
      await pool.destroy();
    }
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it('says why headlessgl is absent without an X display, and how to fix it', () => {
    const script = `import('${resolve(import.meta.dirname, '../../dist/src/engine/gpu/backends.js')}').then(async (m) => console.log(JSON.stringify(await m.backendStatus('headlessgl'))))`;
    const env = { ...process.env };
    delete env['DISPLAY'];
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
    const status = JSON.parse(child.stdout) as BackendStatus;
    expect(status.available).toBe(false);
    expect(status.reason).toMatch(/no X display — run under xvfb-run -a|the gl package is not built/);
  });
});
