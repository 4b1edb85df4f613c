import type { Command } from 'commander';
import { summarizeFiles, type Summary } from '../analysis/summarize.js';
import { UsageError } from '../spec/errors.js';

const fixed = (value: number | null, digits = 4): string => (value === null ? '—' : value.toFixed(digits));
const interval = (i: { estimate: number; lower: number; upper: number }): string => `${fixed(i.estimate)} [${fixed(i.lower)}, ${fixed(i.upper)}]`;
const verdict = (theory: { value: number; inside: boolean } | null): string => (theory === null ? '' : `   theory ${fixed(theory.value)} ${theory.inside ? 'inside' : 'OUTSIDE'}`);

export function summaryReport(summary: Summary): string {
  const spec = summary.provenance.config;
  const lines = [
    `${summary.files.length === 1 ? summary.files[0] : `${summary.files.length} shards (${summary.files[0]} …)`}: ${spec.family}, M = ${spec.samples}, ${summary.chains} chains, T = ${summary.horizon}, ${spec.mode}, seed ${JSON.stringify(spec.seed)}, ${summary.provenance.backend}, collapse-sim ${summary.provenance.version}`,
    `collapsed by T     ${summary.collapsed.count} of ${summary.chains}   P = ${interval(summary.collapsed)} (Wilson 95 %)`,
    '',
    'P(collapsed by t), Wilson 95 %:',
    ...summary.collapseByTime.map((row) => `  t = ${String(row.time).padEnd(8)} ${interval(row)}${verdict(row.theory)}`),
    '',
    'collapse time τ (Kaplan–Meier; Greenwood log–log 95 % intervals):',
    ...summary.collapseTime.quantiles.map((q) => `  ${`${Math.round(q.q * 100)} %`.padEnd(6)} quantile ${String(q.estimate ?? '> T').padEnd(8)} [${q.lower ?? '> T'}, ${q.upper ?? '> T'}]`),
    `  mean of min(τ, T) ${fixed(summary.collapseTime.restrictedMean, 2)}; over collapsed chains ${fixed(summary.collapseTime.meanCollapsed, 2)} ± ${fixed(summary.collapseTime.meanCollapsedStandardError, 2)}` +
      (summary.collapseTime.theoryMean === null ? '' : `; theory E[τ] = ${fixed(summary.collapseTime.theoryMean, 2)}`),
  ];
  if (summary.outcomes.length > 0) {
    lines.push('', 'outcomes (fraction of all chains, Wilson 95 %):');
    for (const outcome of summary.outcomes) lines.push(`  ${String(outcome.value).padEnd(6)} ${String(outcome.count).padEnd(9)} ${interval(outcome)}${verdict(outcome.theory)}`);
  }
  if (summary.lawTest !== null) {
    const through = summary.lawTest.through < summary.horizon ? ` over t ≤ ${summary.lawTest.through}` : '';
    lines.push('', `law of τ against ${summary.lawTest.source}${through}: Kolmogorov distance ${summary.lawTest.distance.toExponential(2)}, p = ${fixed(summary.lawTest.pValue, 3)} (${summary.lawTest.pValue >= 1e-3 ? 'agrees' : 'DISAGREES'})`);
  }
  if (summary.theoryNote !== null) lines.push('', `theory: ${summary.theoryNote}`);
  return lines.join('\n') + '\n';
}

export async function summarizeCommand(files: string[], command: Command): Promise<void> {
  if (files.length === 0) throw new UsageError('summarize needs a chain file, shard files, or a directory holding them');
  const summary = summarizeFiles(files);
  process.stdout.write(command.opts()['json'] === true ? `${JSON.stringify(summary)}\n` : summaryReport(summary));
}
