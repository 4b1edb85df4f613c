/**
 * The simd engine against the reference path, chain by chain, through `verify`: shared by the
 * engine's own tests and each family's.
 */
import { expect } from 'vitest';
import type { SimdEngine } from '../../src/engine/simd/engine.js';
import type { RunSpec } from '../../src/spec/run-spec.js';
import { verify } from '../../src/verify.js';

/** Expects `engine` to give `spec`'s chains bit for bit as the reference path does. */
export async function expectSimdBitExact(engine: SimdEngine, spec: RunSpec): Promise<void> {
  // verify closes what it opens: hand it the shared engine without its close.
  const borrowed = { backend: engine.backend, device: engine.device, run: engine.run.bind(engine), close: async () => {} };
  const report = await verify(spec, { backends: ['simd'], openEngine: async () => borrowed });
  const [result] = report.backends;
  expect(result.skipped).toBeNull();
  expect(result.exactness).toBe('bit-exact');
  expect(result.failures, result.failures.join('; ')).toEqual([]);
  expect(result.identicalChains).toBe(spec.chains);
}
