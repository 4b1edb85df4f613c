import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { temporaryDirectory } from '../helpers.js';
import { backendsUnderTest } from './backends-under-test.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);
const backends = await backendsUnderTest();

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: directory, encoding: 'utf8', env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Dawn prints two driver notices on lavapipe; everything else on stderr is ours. */
function ownLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.length > 0 && !line.startsWith('Warning: maxDynamic'));
}

function rows(path: string): string[] {
  return tableFromIPC(readFileSync(join(directory, path)))
    .toArray()
    .map((row) => JSON.stringify(row.toJSON()));
}

describe('collapse-sim backends', () => {
  it('lists every backend with its device or the reason it is absent, and a throughput probe', () => {
    const result = cli(['backends', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { backends: { backend: string; available: boolean; device: string | null; reason: string | null; chainGenerationsPerSecond: number | null }[] };
    expect(report.backends.map((b) => b.backend)).toEqual(['reference', 'simd', 'webgpu', 'headlessgl', 'webasm', 'cpu']);
    for (const b of report.backends) {
      if (b.backend === 'reference') {
        expect(b.available).toBe(true);
        expect(b.chainGenerationsPerSecond).toBeGreaterThan(0);
        continue;
      }
      const expected = backends.find((x) => x.backend === b.backend)!;
      expect(b.available).toBe(expected.status.available);
      if (b.available) {
        expect(b.device).toBeTruthy();
        expect(b.chainGenerationsPerSecond).toBeGreaterThan(0);
      } else expect(b.reason).toBeTruthy();
    }
  });
});

describe('collapse-sim run on each backend', () => {
  const reference = cli(['run', '--backend', 'reference', '--samples', '25', '--chains', '300', '--out', 'reference.arrow', '--json']);
  it('the reference run works', () => expect(reference.code).toBe(0));

  it.each(backends.filter((b) => b.run).map((b) => b.backend))('%s: the same rows as the reference, and provenance naming the backend and device', (backend) => {
    const result = cli(['run', '--backend', backend, '--samples', '25', '--chains', '300', '--out', `${backend}.arrow`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(ownLines(result.stderr)).toEqual([]);
    const summary = JSON.parse(result.stdout);
    expect(summary.backend).toBe(backend);
    expect(rows(`${backend}.arrow`)).toEqual(rows('reference.arrow'));
    const table = tableFromIPC(readFileSync(join(directory, `${backend}.arrow`)));
    const provenance = JSON.parse(table.schema.metadata.get('collapse_sim')!);
    expect([provenance.backend, provenance.config.backend]).toEqual([backend, backend]);
    expect(provenance.device).toBe(summary.device);
  });

  it('--backend auto says on stderr what it chose and why, after the run; --quiet keeps it quiet', () => {
    const result = cli(['run', '--samples', '25', '--chains', '20000', '--out', 'auto.arrow', '--json']);
    expect(result.code).toBe(0);
    expect(ownLines(result.stderr)).toHaveLength(1);
    expect(ownLines(result.stderr)[0]).toMatch(/^collapse-sim: --backend auto chose (simd|webgpu|headlessgl|webasm|cpu) \(.*expected .* against .* on the reference path/);
    const quiet = cli(['run', '--samples', '25', '--chains', '20000', '--out', 'auto.arrow', '--json', '--quiet']);
    expect(ownLines(quiet.stderr)).toEqual([]);
  });

  it('--backend auto keeps a run too small to pay for another engine on the reference path, saying why', () => {
    const result = cli(['run', '--samples', '10', '--chains', '3', '--out', 'small.arrow', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).backend).toBe('reference');
    expect(ownLines(result.stderr)[0]).toMatch(/--backend auto: running on the reference path \(a run this small is fastest without starting another engine/);
  });

  it('--backend auto says which engines cannot run the configuration, and why', () => {
    // Large enough that starting a GPU backend could pay, so each is asked (a smaller run leaves them unasked).
    const result = cli(['run', '--samples', '10', '--chains', '200000', '--regime', 'window:2', '--out', 'window.arrow', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).backend).toBe('simd');
    expect(ownLines(result.stderr)[0]).toMatch(/--backend auto chose simd .*passed over: .*webasm: --regime window:<W> with --family bernoulli runs on --backend/);
  });

  it('a named backend that is not available is a one-line error with the fix', () => {
    const env = { ...process.env };
    delete env['DISPLAY'];
    const result = cli(['run', '--backend', 'headlessgl', '--chains', '10', '--out', 'nodisplay.arrow'], env);
    expect(result.code).toBe(2);
    expect(ownLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^collapse-sim: --backend headlessgl is not available here: (no X display — run under xvfb-run -a|the gl package is not built)/);
  });
});

describe('collapse-sim verify', () => {
  const available = backends.filter((b) => b.status.available).map((b) => b.backend);
  it.skipIf(available.length === 0)('prints one JSON report and exits 0 when everything agrees', () => {
    const result = cli(['verify', '--family', 'bernoulli', '--samples', '20', '--chains', '200', '--backends', available.join(','), '--json']);
    expect(result.code, result.stdout).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.pass).toBe(true);
    expect(report.backends.map((b: { backend: string }) => b.backend)).toEqual(available);
  });

  it('names an unknown backend in --backends', () => {
    const result = cli(['verify', '--backends', 'webgpu,cuda']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--backends must be one of simd, webgpu, headlessgl, webasm, cpu \(got "cuda"\)/);
  });
});
