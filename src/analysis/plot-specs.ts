/**
 * The figures of a run as Vega-Lite specifications: what `collapse-sim plot` renders headless
 * (./plots.ts, ./render.ts) and what the browser page (web/) draws live with vega-embed. Each
 * carries the run's configuration in its caption and, where the family has exact theory, the
 * theory beside the estimate (dashed). Imports nothing from Node.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Provenance } from '../io/provenance.js';
import { UsageError } from '../spec/errors.js';
import { exactTheory, type ExactTheory, type Summary } from './summary.js';

/** The first parameter of some chains over the generations (a trajectories file's rows, or a page's). */
export interface TrajectorySeries {
  readonly provenance: Provenance;
  /** The parameter's column name, e.g. p. */
  readonly column: string;
  readonly rows: { chain: number; generation: number; value: number }[];
}

export const PLOT_KINDS = ['survival', 'histogram', 'trajectories', 'outcomes', 'phase'] as const;
export type PlotKind = (typeof PLOT_KINDS)[number];

/** The caption: what was run, by what, on what. */
export function runCaption(provenance: Provenance, chains: number): string[] {
  const spec = provenance.config;
  const mitigation = [spec.groundTruth > 0 ? `K = ${spec.groundTruth}` : '', spec.prior > 0 ? `prior a = ${spec.prior}` : '', spec.l2 > 0 ? `L2 λ = ${spec.l2}` : '', spec.regime.kind !== 'replace' ? `regime ${spec.regime.kind}` : '']
    .filter((part) => part !== '')
    .join(', ');
  const family = Object.entries(spec.familyParams as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'number' || typeof value === 'string')
    .map(([key, value]) => `${key} = ${value}`)
    .join(', ');
  return [
    `${spec.family} (${family}), M = ${spec.samples}, ${chains} chains, T = ${spec.generations}, ${spec.mode}${mitigation ? `, ${mitigation}` : ''}`,
    `seed ${JSON.stringify(spec.seed)}, ${provenance.backend} on ${provenance.device}, collapse-sim ${provenance.version}`,
  ];
}

const title = (text: string, provenance: Provenance, chains: number, note?: string) => ({
  text,
  subtitle: note === undefined ? runCaption(provenance, chains) : [note, ...runCaption(provenance, chains)],
  anchor: 'start' as const,
});

/**
 * Which collapse a figure of collapse_time shows: the first one (touched); under a mitigation
 * that is not absorption, whose probability is said beside it.
 */
function absorptionNote(summary: Summary): string {
  const { absorbed, collapsed } = summary;
  const p = (i: { estimate: number; lower: number; upper: number }) => `${i.estimate.toFixed(4)} [${i.lower.toFixed(4)}, ${i.upper.toFixed(4)}]`;
  return `τ = first collapse (touched, P by T = ${p(collapsed)}); absorbed by T (unable to leave): ${p(absorbed)}`;
}

/** Kaplan–Meier S(t) with its 95 % band, and the exact S(t) dashed where known. */
export function survivalSpec(summary: Summary, theory: ExactTheory | string = exactTheory(summary.provenance.config)): TopLevelSpec {
  const points = summary.survival.map((p) => ({ t: p.time, S: p.survival, lower: p.lower, upper: p.upper, curve: 'Kaplan–Meier (95 % band)' }));
  const last = summary.survival.filter((p) => p.events > 0).map((p) => p.time).pop() ?? summary.horizon;
  // The exact curve point by point while it changes (bounded by what was computed), then its last step to the end.
  const exact: { t: number; S: number; curve: string }[] = [];
  if (typeof theory !== 'string' && theory.cdfAt !== null) {
    const end = Math.min(last, summary.horizon, theory.knownTo);
    for (let t = 0; t <= Math.min(end, theory.changesTo); t++) exact.push({ t, S: 1 - theory.cdfAt(t), curve: `exact: ${theory.source}` });
    if (end > theory.changesTo) exact.push({ t: end, S: 1 - theory.cdfAt(end), curve: `exact: ${theory.source}` });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: title('Survival of the chains: P(no collapse touched by generation t)', summary.provenance, summary.chains, absorptionNote(summary)),
    width: 560,
    height: 320,
    layer: [
      {
        data: { values: points },
        mark: { type: 'area', interpolate: 'step-after', opacity: 0.25 },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, color: { field: 'curve', type: 'nominal' } },
      },
      {
        data: { values: [...points, ...exact] },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'generation t', scale: { domain: [0, last] } },
          y: { field: 'S', type: 'quantitative', title: 'S(t) = P(τ > t)', scale: { domain: [0, 1] } },
          color: { field: 'curve', type: 'nominal', title: null, legend: { orient: 'top-right', labelLimit: 480, symbolType: 'stroke', symbolStrokeWidth: 2 } },
          strokeDash: { field: 'curve', type: 'nominal', legend: null, scale: { range: [[1, 0], [6, 4]] } },
        },
      },
    ],
  };
}

/** Collapse times binned, with the exact law's expected count per bin (dashed) where known. */
export function histogramSpec(summary: Summary, times: Int32Array, theory: ExactTheory | string = exactTheory(summary.provenance.config)): TopLevelSpec {
  let maximum = 0;
  let collapsed = 0;
  for (const t of times) {
    if (t < 0) continue;
    collapsed++;
    if (t > maximum) maximum = t;
  }
  // At most 60 bins of whole generations: bin b holds τ in [b·w, (b+1)·w − 1].
  const width = Math.max(1, Math.ceil((maximum + 1) / 60));
  const counts = new Float64Array(Math.floor(maximum / width) + 1);
  for (const t of times) if (t >= 0) counts[Math.floor(t / width)]++;
  const cdf = typeof theory !== 'string' ? theory.cdfAt : null;
  const cdfAt = (t: number): number => (t < 0 ? 0 : cdf!(Math.min(t, summary.horizon)));
  const rows = Array.from(counts, (count, bin) => {
    const first = bin * width;
    const last = first + width - 1;
    // NaN where the exact law was not computed (its cost limit): no expectation drawn there.
    const expected = cdf === null ? NaN : summary.chains * (cdfAt(last) - cdfAt(first - 1));
    return { from: first - 0.5, to: last + 0.5, middle: (first + last) / 2, count, expected: Number.isNaN(expected) ? null : expected };
  });
  const exactNote = cdf === null ? undefined : `dashed: expected counts under the exact law (${(theory as { source: string }).source})`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: title(`First collapse times of ${collapsed} collapsed chains (bins of ${width} generation${width === 1 ? '' : 's'})`, summary.provenance, summary.chains, [absorptionNote(summary), exactNote].filter((n) => n !== undefined).join('; ')),
    width: 560,
    height: 320,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'rect', opacity: 0.7 },
        encoding: {
          x: { field: 'from', type: 'quantitative', title: 'collapse time τ (generations)', scale: { domain: [-0.5, counts.length * width - 0.5], nice: false } },
          x2: { field: 'to' },
          y: { field: 'count', type: 'quantitative', title: 'chains' },
        },
      },
      ...(cdf === null
        ? []
        : [
            {
              mark: { type: 'line' as const, strokeDash: [6, 4], color: 'black', point: { filled: true, size: 12, color: 'black' } },
              encoding: { x: { field: 'middle', type: 'quantitative' as const }, y: { field: 'expected', type: 'quantitative' as const } },
            },
          ]),
    ],
  };
}

/** Outcome frequencies with Wilson 95 % intervals, and the exact probabilities where known. */
export function outcomesSpec(summary: Summary): TopLevelSpec {
  if (summary.outcomes.length === 0) throw new UsageError(`plot --kind outcomes: ${summary.provenance.config.family} runs have no outcome column values`);
  const rows = summary.outcomes.map((o) => ({ outcome: String(o.value), fraction: o.estimate, lower: o.lower, upper: o.upper, theory: o.theory?.value ?? null }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: title('Outcomes: fraction of chains absorbed in each state (Wilson 95 %; exact: black ticks)', summary.provenance, summary.chains),
    width: Math.max(200, 60 * rows.length),
    height: 300,
    data: { values: rows },
    layer: [
      { mark: { type: 'bar', opacity: 0.7 }, encoding: { x: { field: 'outcome', type: 'nominal', title: 'outcome (absorbing state)', sort: null, axis: { labelAngle: 0 } }, y: { field: 'fraction', type: 'quantitative', title: 'fraction of chains' } } },
      { mark: { type: 'rule' }, encoding: { x: { field: 'outcome', type: 'nominal', sort: null }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } } },
      { mark: { type: 'tick', color: 'black', thickness: 2 }, encoding: { x: { field: 'outcome', type: 'nominal', sort: null }, y: { field: 'theory', type: 'quantitative' } } },
    ],
  };
}

/** The first parameter of the first chains against the generation, one line per chain. */
export function trajectoriesSpec(trajectories: TrajectorySeries): TopLevelSpec {
  const chains = new Set(trajectories.rows.map((row) => row.chain)).size;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: title(`Trajectories of ${trajectories.column} for ${chains} chains`, trajectories.provenance, trajectories.provenance.config.chains),
    width: 560,
    height: 320,
    data: { values: trajectories.rows },
    mark: { type: 'line', strokeWidth: 1, opacity: 0.7 },
    encoding: {
      x: { field: 'generation', type: 'quantitative', title: 'generation t' },
      y: { field: 'value', type: 'quantitative', title: `fitted ${trajectories.column}` },
      detail: { field: 'chain', type: 'nominal' },
      color: { field: 'chain', type: 'quantitative', legend: null, scale: { scheme: 'viridis' } },
    },
  };
}
