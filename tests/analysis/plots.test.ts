/**
 * collapse-sim plot: each figure's data is the run's (Kaplan–Meier points, binned times
 * summing to the collapsed chains, outcome intervals), the exact law is drawn where the
 * family has one, and every kind writes an SVG and a PNG; bad requests are exit 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { histogramSpec, outcomesSpec, survivalSpec } from '../../src/analysis/plots.js';
import { summarizeFiles } from '../../src/analysis/summarize.js';
import { bernoulliTheory } from '../../src/families/bernoulli/index.js';
import { cliIn, temporaryDirectory } from '../helpers.js';

const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const cli = cliIn(directory);

cli(['run', '--samples', '12', '--p0', '0.3', '--chains', '3000', '--backend', 'reference', '--quiet', '--trajectories', 'every:2,chains:20', '--out', 'b.arrow']);
cli(['run', '--family', 'gaussian', '--samples', '5', '--chains', '200', '--generations', '30', '--backend', 'reference', '--quiet', '--out', 'g.arrow']);
const layerData = (spec: { layer?: { data?: { values: unknown[] } }[]; data?: { values: unknown[] } }, index: number) => (spec.layer?.[index]?.data ?? spec.data)!.values as Record<string, number>[];

describe('plot specifications', () => {
  const summary = summarizeFiles([join(directory, 'b.arrow')]);

  it('survival: the Kaplan–Meier points with their band, and the exact S(t) = 1 − CDF', () => {
    const spec = survivalSpec(summary) as never;
    const band = layerData(spec, 0);
    expect(band.map((p) => [p.t, p.S, p.lower, p.upper])).toEqual(summary.survival.map((p) => [p.time, p.survival, p.lower, p.upper]));
    const law = bernoulliTheory.absorptionTime(12, 0.3, 100000);
    const exact = layerData(spec, 1).filter((p) => String(p.curve).startsWith('exact'));
    expect(exact.length).toBeGreaterThan(10);
    for (const p of exact) expect(p.S).toBeCloseTo(1 - law.cdfAt(p.t), 14);
  });

  it('histogram: bins of whole generations summing to the collapsed chains, expected counts from the exact law', () => {
    const times = new Int32Array(summary.chains).fill(-1);
    let at = 0;
    for (const point of summary.survival) for (let k = 0; k < point.events; k++) times[at++] = point.time;
    const rows = (histogramSpec(summary, times) as { data: { values: Record<string, number>[] } }).data.values;
    expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(summary.collapsed.count);
    const law = bernoulliTheory.absorptionTime(12, 0.3, 100000);
    const last = rows[rows.length - 1];
    expect(rows.reduce((sum, row) => sum + row.expected, 0)).toBeCloseTo(summary.chains * law.cdfAt(last.to - 0.5), 6);
    for (const row of rows) expect(row.to - row.from).toBe(rows[0].to - rows[0].from);
  });

  it('outcomes: the summary’s intervals and exact probabilities', () => {
    const rows = (outcomesSpec(summary) as { data: { values: Record<string, number>[] } }).data.values;
    expect(rows.map((row) => [row.outcome, row.fraction, row.lower, row.upper, row.theory])).toEqual(
      summary.outcomes.map((o) => [String(o.value), o.estimate, o.lower, o.upper, o.theory!.value]),
    );
  });
});

describe('collapse-sim plot', () => {
  it.each(['survival', 'histogram', 'outcomes', 'trajectories'])('--kind %s writes an SVG and a PNG', (kind) => {
    const result = cli(['plot', 'b.arrow', '--kind', kind, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ kind, svg: `b.${kind}.svg`, png: `b.${kind}.png` });
    expect(readFileSync(join(directory, `b.${kind}.svg`), 'utf8')).toMatch(/^<svg[\s\S]*bernoulli[\s\S]*<\/svg>$/);
    expect(readFileSync(join(directory, `b.${kind}.png`)).subarray(0, 8)).toEqual(PNG);
  });

  it.each([
    [['plot', 'b.arrow'], /^collapse-sim: plot needs --kind survival\|histogram\|trajectories\|outcomes/],
    [['plot', 'b.arrow', '--kind', 'pie'], /^collapse-sim: --kind must be one of survival, histogram, trajectories, outcomes/],
    [['plot', 'g.arrow', '--kind', 'trajectories'], /^collapse-sim: plot --kind trajectories: g\.trajectories\.arrow does not exist/],
    [['plot', 'g.arrow', '--kind', 'outcomes'], /^collapse-sim: plot --kind outcomes: gaussian runs have no outcome/],
    [['plot', 'b.arrow', '--kind', 'survival', '--out', 'x.png'], /^collapse-sim: --out must name an \.svg file/],
    [['plot', 'missing.arrow', '--kind', 'survival'], /^collapse-sim: plot: missing\.arrow: cannot read it/],
  ])('%j is exit 2 with one line, no file', (args, message) => {
    const result = cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(directory, 'x.png'))).toBe(false);
  });
});
