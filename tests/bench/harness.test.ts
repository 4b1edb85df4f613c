/**
 * The harness's time boxes: an interruption abandons the measurement under way (its process
 * is killed), so a caller's time limit holds however long that run would have taken, and
 * what was measured before it is reported.
 */
import { describe, expect, it } from 'vitest';
import { runBench } from '../../src/bench/harness.js';
import { InterruptedError } from '../../src/spec/errors.js';

describe('runBench', () => {
  it('abandons the measurement under way when interrupted, and reports what was measured', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const report = await runBench(
      {
        // Per-sample reference path at M = 100: 10^5 chains take tens of seconds here.
        options: { family: 'bernoulli', samples: 100 },
        chains: [100, 100000],
        modes: ['per-sample'],
        engines: ['reference'],
        peers: [],
        repeats: 1,
        seed: 'abandon',
        referenceLimit: 1e6,
        required: new Set(),
      },
      {
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.chains === 100000 && abortedAt === 0) {
            setTimeout(() => {
              abortedAt = performance.now();
              controller.abort(new InterruptedError('SIGTERM'));
            }, 300);
          }
        },
      },
    );
    const reaction = (performance.now() - abortedAt) / 1000;
    expect(abortedAt).toBeGreaterThan(0);
    expect(reaction).toBeLessThan(5);
    expect(report.interrupted).toBe('SIGTERM');
    expect(report.results.map((r) => r.chains)).toEqual([100]);
    expect(report.skipped).toContainEqual({ engine: 'reference', mode: 'per-sample', reason: 'interrupted (SIGTERM) during its run at 100000 chains, which was abandoned' });
  });
});
