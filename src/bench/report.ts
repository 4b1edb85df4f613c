/**
 * The benchmark's outputs besides JSON: the table for stdout, and an Arrow IPC file with
 * one row per (engine, mode, chains) measurement and the whole report (configuration,
 * machine, warm-up, skips) in the schema metadata, as for every other output.
 */
import { Field, Float64, Int32, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray, type DataType } from 'apache-arrow';
import { AtomicFile } from '../io/atomic-file.js';
import { ArrowFileWriter } from '../io/arrow-writer.js';
import { PROVENANCE_KEY } from '../io/tables.js';
import type { BenchReport, BenchResult } from './harness.js';

function ratio(value: number | null): string {
  return value === null ? '—' : value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

export function benchText(report: BenchReport): string {
  const c = report.configuration;
  const m = report.machine;
  const lines = [
    `bench: ${c['family']}, M = ${c['samples']}, at most ${c['generations']} generations (run to collapse), seed ${JSON.stringify(c['seed'])}; median of ${c['repeats']} (min–max), warm-up excluded`,
    `machine: ${m.cpu}, ${m.cores} cores, ${mebibytes(m.memory_bytes)}, Node ${m.node}`,
    'warm-up (compile, workers, imports): ' + report.warm_up.map((w) => `${w.engine}/${w.mode} ${w.seconds.toFixed(2)} s`).join(', '),
    '',
    'mode        chains     engine          chain·gen/s (min–max)            data points/s   peak RSS    ÷ reference   ÷ numpy',
  ];
  for (const r of report.results) {
    // auto is shown with the engine it chose at that size.
    const engine = r.chose === null ? r.engine : `${r.engine}→${r.chose}`;
    const spread = `${r.chain_generations_per_s.toExponential(2)} (${r.chain_generations_per_s_min.toExponential(1)}–${r.chain_generations_per_s_max.toExponential(1)})`;
    lines.push(
      `${r.mode.padEnd(11)} ${String(r.chains).padEnd(10)} ${engine.padEnd(15)} ${spread.padEnd(32)} ${r.data_points_per_s.toExponential(2).padEnd(15)} ${mebibytes(r.peak_rss_bytes).padEnd(11)} ${ratio(r.ratio_to_reference).padEnd(13)} ${ratio(r.ratio_to_numpy)}`,
    );
  }
  const devices = new Map<string, string>();
  for (const r of report.results) {
    const forms = [...new Set(report.results.filter((q) => q.engine === r.engine).map((q) => `${q.mode} as ${q.form}`))];
    const choices = [...new Set(report.results.filter((q) => q.engine === r.engine && q.chose !== null).map((q) => `${q.chains} chains → ${q.chose}`))];
    const detail = r.kind === 'peer' ? ` (${forms.join('; ')})` : choices.length > 0 ? ` (chose: ${choices.join(', ')})` : '';
    devices.set(r.engine, `${r.engine}: ${choices.length > 0 ? '--backend auto, resolved per run as `run` does, engine start-up timed' : `${r.device} [${r.processor}]`}${detail}`);
  }
  lines.push('', ...devices.values());
  for (const s of report.skipped) lines.push(`not measured: ${s.engine}${s.mode ? ` (${s.mode})` : ''}: ${s.reason}`);
  return lines.join('\n') + '\n';
}

const COLUMNS: readonly { name: keyof BenchResult; type: 'utf8' | 'float64' | 'int32'; nullable?: boolean; description: string }[] = [
  { name: 'engine', type: 'utf8', description: "reference, auto, simd, a gpu.js backend, or a peer's name (numpy, jax, cupy)" },
  { name: 'kind', type: 'utf8', description: 'engine (collapse-sim) or peer' },
  { name: 'family', type: 'utf8', description: "the configuration's family" },
  { name: 'chose', type: 'utf8', nullable: true, description: 'for auto: the engine it chose at this size (its start-up timed with the run); else null' },
  { name: 'device', type: 'utf8', description: 'what it ran on' },
  { name: 'processor', type: 'utf8', description: 'cpu (the reference path, CPU-emulated or software-rendered backends, CPU peers) or gpu' },
  { name: 'mode', type: 'utf8', description: 'per-sample or sufficient' },
  { name: 'form', type: 'utf8', description: "the peer's form of the mode (binomial, multinomial, chi-square), else the mode" },
  { name: 'chains', type: 'int32', description: 'chains in the ensemble' },
  { name: 'samples', type: 'int32', description: 'M: points per chain per generation' },
  { name: 'chain_generations_per_s', type: 'float64', description: 'median over repeats of chain·generations per second' },
  { name: 'chain_generations_per_s_min', type: 'float64', description: 'slowest repeat' },
  { name: 'chain_generations_per_s_max', type: 'float64', description: 'fastest repeat' },
  { name: 'data_points_per_s', type: 'float64', description: 'median chain·generations per second times M' },
  { name: 'seconds', type: 'float64', description: 'median wall-clock seconds of one run, warm-up excluded' },
  { name: 'chain_generations', type: 'float64', description: 'median chain·generations of one run' },
  { name: 'peak_rss_bytes', type: 'float64', description: "peak resident memory of the engine's process" },
  { name: 'repeats', type: 'int32', description: 'runs measured' },
  { name: 'ratio_to_reference', type: 'float64', nullable: true, description: 'median rate ÷ the reference path’s, same run' },
  { name: 'ratio_to_numpy', type: 'float64', nullable: true, description: 'median rate ÷ the NumPy peer’s, same run' },
];

function arrowType(type: 'utf8' | 'float64' | 'int32'): DataType {
  return type === 'utf8' ? new Utf8() : type === 'int32' ? new Int32() : new Float64();
}

/** Writes the measurements to an Arrow IPC file, atomically (nothing left on failure). */
export function writeBenchArrow(path: string, flag: string, report: BenchReport, inputs: readonly string[] = []): void {
  const fields = COLUMNS.map((column) => new Field(column.name, arrowType(column.type), column.nullable ?? false, new Map([['description', column.description]])));
  const { results, ...rest } = report;
  const schema = new Schema(fields, new Map([[PROVENANCE_KEY, JSON.stringify(rest)]]));
  const children = COLUMNS.map((column, index) => vectorFromArray(results.map((r) => r[column.name]) as never[], fields[index].type).data[0]);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: results.length, nullCount: 0, children }));
  ArrowFileWriter.writeFile(AtomicFile.create(path, flag, { inputs }), schema, [batch]);
}
