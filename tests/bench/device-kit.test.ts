/**
 * The device kit cannot rot: `npm run device:pack` and bench/device/run.sh --dry-run, end to
 * end on this machine (software drivers, no NVIDIA GPU, GPU-only peers skipped with the
 * reason), exactly as the lent GPU machine will run them but with small sizes and short
 * time boxes. Packs at xz level 1 into a temporary folder (the real kit packs at 6), and
 * runs without an X display, as on that machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);
const KIT = join(directory, 'carry');
const OUT = join(directory, 'out');

describe('the device kit', () => {
  it('packs: node, the built project with production node_modules for linux-x64 only, and the loader .debs, within 60 MiB', () => {
    const pack = spawnSync('bash', [join(ROOT, 'bench/device/pack.sh')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, COLLAPSE_SIM_DEVICE_CARRY: KIT, COLLAPSE_SIM_PACK_XZ_LEVEL: '1' },
    });
    expect(pack.status, pack.stderr).toBe(0);
    const files = readdirSync(KIT).sort();
    expect(files).toEqual(['MANIFEST', 'debs', 'node.xz', 'project.tar.xz']);
    const debs = readdirSync(join(KIT, 'debs')).map((name) => name.split('_')[0]).sort();
    expect(debs).toEqual(['libegl1', 'libgl1', 'libgles2', 'libglvnd0', 'libglx0', 'libopengl0', 'libvulkan1']);
    const bytes = files.filter((name) => name !== 'debs').reduce((sum, name) => sum + statSync(join(KIT, name)).size, 0);
    expect(bytes).toBeLessThanOrEqual(60 * 2 ** 20);
    const listing = spawnSync('tar', ['-tJf', join(KIT, 'project.tar.xz')], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n');
    expect(listing).toContain('node_modules/webgpu/dist/linux-x64/dawn.node');
    expect(listing).toContain('dist/src/cli/main.js');
    expect(listing).toContain('dist/bench/device/summarize.js');
    expect(listing).toContain('bench/peers/jax_peer.py');
    // Other platforms' binaries and the dev dependencies stay behind.
    expect(listing.filter((path) => /^node_modules\/webgpu\/dist\/(?!linux-x64).+/.test(path))).toEqual([]);
    expect(listing.filter((path) => /^node_modules\/(vitest|typescript|@duckdb|nodejs-polars)\//.test(path))).toEqual([]);
    expect(readFileSync(join(KIT, 'MANIFEST'), 'utf8')).toMatch(/^collapse-sim device kit, packed .+\ncommit [0-9a-f]{40}/);
  });

  it('runs end to end in one call: backends, verify, bench, summary; at most 8 files back', () => {
    const { DISPLAY: _display, ...environment } = process.env;
    const run = spawnSync('bash', [join(ROOT, 'bench/device/run.sh'), '--dry-run'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...environment, OUT, COLLAPSE_SIM_DEVICE_KIT: KIT, COLLAPSE_SIM_DEVICE_WORK: join(directory, 'work') },
      maxBuffer: 1 << 26,
    });
    expect(run.status, run.stdout.slice(-3000)).toBe(0);
    const files = readdirSync(OUT).sort();
    expect(files.length).toBeLessThanOrEqual(8);
    expect(files).toEqual(expect.arrayContaining(['summary.json', 'log.txt', 'bench-bernoulli.json', 'bench-bernoulli.png']));
    const summary = JSON.parse(readFileSync(join(OUT, 'summary.json'), 'utf8'));
    expect(summary.dry_run).toBe(true);
    expect(summary.steps.map((s: { step: string }) => s.step)).toEqual(
      expect.arrayContaining(['backends', 'verify-bernoulli', 'verify-categorical', 'verify-ising', 'bench-bernoulli', 'bench-categorical', 'bench-gaussian']),
    );
    // What it says about the machine is what this machine is: no NVIDIA GPU, and why each GPU-only peer is absent.
    expect(summary.device.absent).toMatch(/nvidia-smi/);
    const bernoulli = JSON.parse(readFileSync(join(OUT, 'bench-bernoulli.json'), 'utf8'));
    const engines = new Set(bernoulli.results.map((r: { engine: string }) => r.engine));
    const webgpu = summary.backends.find((b: { backend: string }) => b.backend === 'webgpu');
    if (webgpu?.available) {
      expect(engines.has('webgpu')).toBe(true);
      expect(bernoulli.results.find((r: { engine: string }) => r.engine === 'webgpu').processor).toBe(webgpu.software ? 'cpu' : 'gpu');
      for (const verify of summary.verify) expect(verify, JSON.stringify(verify)).toMatchObject({ pass: true, bit_exact: true });
    }
    expect(bernoulli.skipped.some((s: { engine: string; reason: string }) => s.engine === 'cupy' && /cupy/i.test(s.reason))).toBe(true);
    expect(summary.ratios.length).toBeGreaterThan(0);
    expect(summary.targets.length).toBe(4);
    expect(readFileSync(join(OUT, 'log.txt'), 'utf8')).toMatch(/== collapse-sim backends[\s\S]*== summary/);
    expect(existsSync(join(directory, 'work', 'project', 'dist', 'src', 'cli', 'main.js'))).toBe(true);
  });
});
