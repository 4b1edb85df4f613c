/**
 * `collapse-sim reproduce` end to end at a few hundred chains per point on the reference
 * path: every claim tested against an exact prediction or bound must agree (the
 * predictions are exact, so a wrong law, fit or estimate would be rejected), every claimed
 * effect must be seen, the folder must hold what REPORT.md says it holds, an interrupted
 * run must continue where it stopped, and the full version's plan must be what the docs say.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, type Float64 } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChainTable } from '../../src/io/merge.js';
import { STREAM_VERSION } from '../../src/rng/streams.js';
import { ENSEMBLE_SIZES, type Claim } from '../../src/reproduce/context.js';
import { EXPERIMENT_NAMES, planReproduction, reproduce, type ReproduceResult } from '../../src/reproduce/index.js';
import { planMarkdown, reportMarkdown } from '../../src/reproduce/report.js';
import { cliIn, P_VALUE_FLOOR, temporaryDirectory } from '../helpers.js';

const describeClaim = (claim: Claim): string => `${claim.experiment}: ${claim.claim} — ${claim.measured}; ${claim.basis}`;

describe('collapse-sim reproduce', () => {
  let directory: string;
  let cleanup: () => void;
  let result: ReproduceResult;
  beforeAll(async () => {
    [directory, cleanup] = temporaryDirectory();
    result = await reproduce({ outDir: join(directory, 'out'), full: false, chains: 300, backend: 'reference', seed: 'test', only: EXPERIMENT_NAMES, command: 'test', log: () => {} });
  }, 600_000);
  afterAll(() => cleanup());

  it('agrees with every exact prediction and bound, and sees every claimed effect', () => {
    const claims = result.experiments.flatMap((experiment) => experiment.claims);
    expect(claims.map((claim) => claim.origin).reduce((counts, origin) => ({ ...counts, [origin]: (counts[origin] ?? 0) + 1 }), {} as Record<string, number>)).toEqual({ paper: 18, published: 4, project: 23, check: 2 });
    const agreements = claims.filter((claim) => claim.test === 'agreement');
    // The report judges each claim at level 0.01; over this many claims that would fail some
    // seed often, so the test holds the p-values to P_VALUE_FLOOR / (number of claims) instead.
    for (const claim of agreements) {
      expect(claim.pValue, describeClaim(claim)).not.toBeNull();
      expect(claim.pValue!, describeClaim(claim)).toBeGreaterThan(P_VALUE_FLOOR / agreements.length);
    }
    for (const claim of claims.filter((c) => c.test === 'effect')) expect(claim.verdict, describeClaim(claim)).toBe('supported');
    // Every claim names its source, and the paper's name the PRL.
    for (const claim of claims) expect(claim.source.length, describeClaim(claim)).toBeGreaterThan(10);
    for (const claim of claims.filter((c) => c.origin === 'paper')) expect(claim.source).toMatch(/Phys\. Rev\. Lett\. 136, 197301/);
  });

  it('counts the same event on both sides for MAP: data all 0 or all 1, not a degenerate model', () => {
    const map = result.experiments.find((e) => e.id === 'mitigation')!.claims.find((c) => c.claim.startsWith('MAP'))!;
    expect(map.prediction).toMatch(/data all 0 or all 1 with probability 0\.01\d+, model degenerate with probability 0[,;]/);
    expect(map.basis).toMatch(/exact binomial tests of the all-0-or-1 count \(p = [\d.e-]+\) and of the degenerate count/);
  });

  it('writes REPORT.md, results.json, every figure as SVG and PNG, and every dataset it names', () => {
    const out = join(directory, 'out');
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ReproduceResult;
    expect(json.experiments.map((experiment) => experiment.id)).toEqual(EXPERIMENT_NAMES);
    for (const experiment of json.experiments) {
      for (const claim of experiment.claims) expect(report).toContain(claim.claim);
      for (const figure of experiment.figures) {
        const bytes = readFileSync(join(out, figure));
        if (figure.endsWith('.png')) expect(bytes.subarray(1, 4).toString()).toBe('PNG');
        else expect(bytes.toString()).toMatch(/^<svg/);
      }
      for (const dataset of experiment.datasets) {
        expect(existsSync(join(out, dataset)), dataset).toBe(true);
        if (!dataset.endsWith('.trajectories.arrow')) expect(readChainTable(join(out, dataset)).provenance.config.seed).toMatch(/^test:/);
      }
      // What the full version will cost, scaled from these points.
      expect(experiment.fullEstimate.chainGenerations).toBeGreaterThanOrEqual(experiment.chainGenerations);
    }
    expect(json.experiments.flatMap((experiment) => experiment.figures).filter((figure) => figure.endsWith('.png')).length).toBe(11);
    expect(report).toMatch(/The paper's claims — Jangjoo, Di Sarra, Marsili, Roudi, Phys\. Rev\. Lett\. 136, 197301 \(2026\): \d+ of \d+ supported/);
    expect(report).toMatch(/This project's derived predictions: \d+ of \d+ supported/);
    expect(report).toMatch(/## Cost, and the full version/);
    // Every Ising point states its coupling convention, and its provenance records it.
    for (const dataset of json.experiments.flatMap((e) => e.datasets).filter((d) => !d.endsWith('.trajectories.arrow'))) {
      const config = readChainTable(join(out, dataset)).provenance.config;
      if (config.family === 'ising') expect((config.familyParams as { couplingScale: string }).couplingScale, dataset).toMatch(/^(mean-field|unscaled)$/);
    }
  });

  it('runs from the command line: a summary on stdout, --json for machines', () => {
    const cli = cliIn(directory);
    const text = cli(['reproduce', '--only', 'fig1a', '--out-dir', 'cli', '--backend', 'reference', '--quiet']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/^collapse-sim reproduce \(small version\): paper's claims 1 of 1 supported; other published claims 0 of 0 supported; project's predictions 0 of 0 supported/);
    const json = cli(['reproduce', '--only', 'fig1a', '--out-dir', 'cli', '--backend', 'reference', '--quiet', '--json', '--seed', '7']);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as ReproduceResult;
    expect(parsed.seed).toBe('7');
    expect(parsed.experiments[0].claims[0].verdict).toBe('supported');
  });
});

describe('an interrupted reproduction', () => {
  it('goes on where it stopped: finished points are read back, the rest simulated, the results those of an uninterrupted run', async () => {
    const [directory, cleanup] = temporaryDirectory();
    try {
      const settings = { full: false, chains: 300, backend: 'reference', seed: 'resume', only: ['motion', 'relaxation'], command: 'test' };
      const clean = await reproduce({ ...settings, outDir: join(directory, 'clean'), log: () => {} });
      // Interrupt after the third point has been written.
      const controller = new AbortController();
      let finished = 0;
      await expect(
        reproduce({
          ...settings,
          outDir: join(directory, 'resumed'),
          signal: controller.signal,
          log: (line) => {
            if (/chain·generations in/.test(line) && ++finished === 3) controller.abort();
          },
        }),
      ).rejects.toThrow();
      const lines: string[] = [];
      const resumed = await reproduce({ ...settings, outDir: join(directory, 'resumed'), log: (line) => lines.push(line) });
      expect(lines.filter((line) => line.includes('read back')).length).toBe(3);
      const points = resumed.experiments.flatMap((e) => e.points);
      expect(points.filter((p) => p.reused).length).toBe(3);
      expect(resumed.simulatedChainGenerations).toBeLessThan(clean.simulatedChainGenerations);
      expect(resumed.chainGenerations).toBe(clean.chainGenerations);
      const claimsOf = (r: ReproduceResult) => r.experiments.flatMap((e) => e.claims);
      expect(claimsOf(resumed)).toEqual(claimsOf(clean));
      // The report says which points were read back, and counts their recorded simulation time.
      const machineLine = (r: ReproduceResult) => reportMarkdown(r).split('\n').find((line) => line.startsWith('Machine:'))!;
      expect(machineLine(clean)).not.toMatch(/read back/);
      expect(machineLine(resumed)).toMatch(new RegExp(`\\(3 of ${points.length} points read back from earlier runs .*; [0-9.]+ (s|min|h) for all points\\)\\.$`));
      // A second run reads everything back; other chains are another configuration and run again.
      const again = await reproduce({ ...settings, outDir: join(directory, 'resumed'), log: () => {} });
      expect(again.simulatedChainGenerations).toBe(0);
      expect(machineLine(again)).toMatch(new RegExp(`\\(all ${points.length} points read back from earlier runs of the same configuration, whose simulation took [0-9.]+ (s|min|h) in all`));
      expect(claimsOf(again)).toEqual(claimsOf(clean));
      // A dataset of another stream version holds other draws for the same seed: run again.
      const dataset = join(directory, 'resumed', again.experiments[0].datasets.find((d) => !d.endsWith('.trajectories.arrow'))!);
      const table = tableFromIPC(readFileSync(dataset));
      const provenance = JSON.parse(table.schema.metadata.get('collapse_sim')!) as Record<string, unknown>;
      expect(provenance['stream']).toBe(STREAM_VERSION);
      const metadata = new Map(table.schema.metadata);
      metadata.set('collapse_sim', JSON.stringify({ ...provenance, stream: STREAM_VERSION - 1 }));
      const schema = new Schema(table.schema.fields, metadata);
      writeFileSync(dataset, tableToIPC(new Table(schema, table.batches.map((batch) => new RecordBatch(schema, batch.data))), 'file'));
      const older = await reproduce({ ...settings, outDir: join(directory, 'resumed'), log: () => {} });
      expect(older.experiments.flatMap((e) => e.points).filter((p) => !p.reused).length).toBe(1);
      expect(claimsOf(older)).toEqual(claimsOf(clean));
      // A dataset with the right configuration but rows this build does not make (here the
      // first chain's final p changed, all else kept) is caught by simulating its first chains again.
      const foreign = join(directory, 'resumed', again.experiments[1].datasets.find((d) => !d.endsWith('.trajectories.arrow'))!);
      const stored = tableFromIPC(readFileSync(foreign));
      const column = stored.schema.fields.findIndex((field) => field.name === 'final_p');
      expect(column).toBeGreaterThanOrEqual(0);
      const tampered = stored.batches.map((batch, b) => {
        if (b > 0) return batch;
        const children = batch.data.children.map((child, i) => {
          if (i !== column) return child;
          const values = Float64Array.from(child.values as Float64Array);
          values[0] = values[0] === 0.5 ? 0.25 : 0.5;
          return makeData({ type: child.type as Float64, length: child.length, nullCount: child.nullCount, nullBitmap: child.nullBitmap, data: values });
        });
        return new RecordBatch(stored.schema, makeData({ type: new Struct(stored.schema.fields), length: batch.numRows, nullCount: 0, children }));
      });
      writeFileSync(foreign, tableToIPC(new Table(stored.schema, tampered), 'file'));
      const checkLines: string[] = [];
      const checked = await reproduce({ ...settings, outDir: join(directory, 'resumed'), log: (line) => checkLines.push(line) });
      expect(checkLines.filter((line) => /first \d+ chains differ from this build's: simulated again/.test(line)).length).toBe(1);
      expect(checkLines.filter((line) => /chains simulated again by this build, identical\)/.test(line)).length).toBe(checked.experiments.flatMap((e) => e.points).length - 1);
      expect(checked.experiments.flatMap((e) => e.points).filter((p) => !p.reused).length).toBe(1);
      expect(claimsOf(checked)).toEqual(claimsOf(clean));
      const other = await reproduce({ ...settings, only: ['motion'], chains: 301, outDir: join(directory, 'resumed'), log: () => {} });
      expect(other.experiments[0].points.every((p) => !p.reused)).toBe(true);
    } finally {
      cleanup();
    }
  }, 300_000);
});

describe('the full version\'s plan', () => {
  const plan = planReproduction({ full: true, chains: null, only: EXPERIMENT_NAMES });

  it('runs 10⁵ chains a point (10⁶ for the one-generation equations of motion; fig. 1(a) draws 10 example chains), the same points as the small version', () => {
    for (const point of plan) {
      const expected = point.kind === null ? 10 : ENSEMBLE_SIZES.full[point.kind];
      expect(point.chains, `${point.folder}/${point.point}`).toBe(expected);
      expect(expected === 10 || expected >= 100000).toBe(true);
    }
    const small = planReproduction({ full: false, chains: null, only: EXPERIMENT_NAMES });
    expect(small.map((p) => `${p.folder}/${p.point}`)).toEqual(plan.map((p) => `${p.folder}/${p.point}`));
    expect(new Set(plan.map((p) => `${p.folder}/${p.point}`)).size).toBe(plan.length);
    // Trajectories cover every chain where the analysis needs them.
    for (const point of plan.filter((p) => p.trajectories !== null && p.kind !== null)) expect(point.trajectories).toMatch(new RegExp(`chains:${point.chains}$`));
  });

  it('is what docs/reproduction/full-plan.md says, and what `reproduce --full --plan` prints', () => {
    const documented = readFileSync(resolve(import.meta.dirname, '../../docs/reproduction/full-plan.md'), 'utf8');
    expect(planMarkdown(plan, true)).toBe(documented);
    const [directory, cleanup] = temporaryDirectory();
    try {
      const printed = cliIn(directory)(['reproduce', '--full', '--plan']);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).toBe(documented);
      const json = cliIn(directory)(['reproduce', '--full', '--plan', '--json', '--only', 'coupling']);
      expect((JSON.parse(json.stdout) as unknown[]).length).toBe(plan.filter((p) => p.experiment === 'coupling').length);
    } finally {
      cleanup();
    }
  });
});
