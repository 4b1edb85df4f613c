/**
 * The last step of bench/device/run.sh: reads what the steps left in the results folder
 * (nvidia-smi, backends, verify, bench reports, the steps' times and exit codes) and writes
 * one summary — the device and driver, the adapter webgpu really ran on, verification,
 * ratios measured in the same call (webgpu ÷ JAX, ÷ CuPy, ÷ NumPy, ÷ the best CPU engine),
 * webgpu against the roofline (bench/README.md), and the targets, met or not — as JSON, and
 * as text on stdout.
 *
 *   node dist/bench/device/summarize.js --results DIR --kit DIR --out summary.json [--dry-run]
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport, BenchResult } from '../../src/bench/harness.js';
import { BERNOULLI_M100_GENERATION_COUNTS, ceilingDataPointsPerSecond, H200 } from './roofline.js';

/** The targets the speed issue set for the H200. */
export const TARGETS = { webgpuPerSampleDataPointsPerSecond: 1e11, webgpuOverJax: 1.0 } as const;

export interface Ratio {
  readonly configuration: string;
  readonly mode: string;
  readonly chains: number;
  readonly webgpu: number | null;
  readonly jax: number | null;
  readonly cupy: number | null;
  readonly numpy: number | null;
  readonly best_cpu_engine: string | null;
  readonly best_cpu_engine_rate: number | null;
  readonly webgpu_over_jax: number | null;
  readonly webgpu_over_cupy: number | null;
  readonly webgpu_over_numpy: number | null;
  readonly webgpu_over_best_cpu_engine: number | null;
}

function readJson(path: string): { value: unknown } | { error: string } {
  if (!existsSync(path)) return { error: `${path} was not written` };
  const text = readFileSync(path, 'utf8').trim();
  if (text === '') return { error: `${path} is empty (the step printed nothing: cut or failed before its report)` };
  try {
    return { value: JSON.parse(text.split('\n').slice(-1)[0]) };
  } catch (error) {
    return { error: `${path} is not JSON (${(error as Error).message})` };
  }
}

const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);

/** Same configuration, mode and ensemble size, same call: every ratio the issue asks for. */
export function ratiosOf(configuration: string, report: BenchReport): Ratio[] {
  const cells = new Map<string, BenchResult[]>();
  for (const result of report.results) {
    const key = `${result.mode}\u0000${result.chains}`;
    cells.set(key, [...(cells.get(key) ?? []), result]);
  }
  const ratios: Ratio[] = [];
  for (const results of cells.values()) {
    const rate = (engine: string): number | null => results.find((r) => r.engine === engine)?.chain_generations_per_s ?? null;
    const cpuEngines = results.filter((r) => r.kind === 'engine' && r.processor === 'cpu').sort((a, b) => b.chain_generations_per_s - a.chain_generations_per_s);
    const best = cpuEngines[0] ?? null;
    const webgpu = rate('webgpu');
    ratios.push({
      configuration,
      mode: results[0].mode,
      chains: results[0].chains,
      webgpu,
      jax: rate('jax'),
      cupy: rate('cupy'),
      numpy: rate('numpy'),
      best_cpu_engine: best?.engine ?? null,
      best_cpu_engine_rate: best?.chain_generations_per_s ?? null,
      webgpu_over_jax: ratio(webgpu, rate('jax')),
      webgpu_over_cupy: ratio(webgpu, rate('cupy')),
      webgpu_over_numpy: ratio(webgpu, rate('numpy')),
      webgpu_over_best_cpu_engine: ratio(webgpu, best?.chain_generations_per_s ?? null),
    });
  }
  return ratios.sort((a, b) => a.mode.localeCompare(b.mode) || a.chains - b.chains);
}

interface Step {
  readonly step: string;
  readonly seconds: number;
  readonly status: string;
  readonly note: string;
}

function readSteps(path: string): Step[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [step, seconds, status, note] = line.split('\t');
      return { step, seconds: Number(seconds), status, note: note ?? '' };
    });
}

function readNvidiaSmi(path: string): Record<string, string> | { absent: string } {
  if (!existsSync(path)) return { absent: 'nvidia-smi was not run' };
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  if (lines.length < 2 || !lines[0].includes(',')) return { absent: lines.join(' ') };
  const keys = lines[0].split(',').map((key) => key.trim());
  const values = lines[1].split(',').map((value) => value.trim());
  return Object.fromEntries(keys.map((key, i) => [key, values[i] ?? '']));
}

export function summarize(resultsDirectory: string, kitDirectory: string, dryRun: boolean): { summary: Record<string, unknown>; text: string } {
  const lines: string[] = [];
  const smi = readNvidiaSmi(join(resultsDirectory, 'nvidia-smi.csv'));
  const gpuName = 'absent' in smi ? null : (smi['name'] ?? null);
  lines.push(`device: ${gpuName ?? `no NVIDIA GPU (${'absent' in smi ? smi.absent : ''})`}${'absent' in smi ? '' : `, driver ${smi['driver_version']}`}`);

  const backendsRead = readJson(join(resultsDirectory, 'backends.json'));
  const backends = 'value' in backendsRead ? ((backendsRead.value as { backends: Record<string, unknown>[] }).backends ?? []) : [];
  const webgpu = backends.find((b) => b['backend'] === 'webgpu');
  lines.push(
    webgpu === undefined
      ? `webgpu: no answer from collapse-sim backends (${'error' in backendsRead ? backendsRead.error : 'not listed'})`
      : webgpu['available']
        ? `webgpu: ${String(webgpu['device'])}${webgpu['software'] ? ' [software]' : ' [hardware]'}`
        : `webgpu: absent: ${String(webgpu['reason'])}`,
  );

  const verify: Record<string, unknown>[] = [];
  for (const name of readdirSync(resultsDirectory).filter((file) => /^verify-.+\.json$/.test(file)).sort()) {
    const family = name.replace(/^verify-|\.json$/g, '');
    const read = readJson(join(resultsDirectory, name));
    if ('error' in read) {
      verify.push({ family, pass: false, error: read.error });
      lines.push(`verify ${family}: ${read.error}`);
      continue;
    }
    const report = read.value as { pass: boolean; backends: { backend: string; device: string; exactness: string; chains: number; identicalChains: number | null; pass: boolean; failures: string[] }[] };
    const gpu = report.backends.find((b) => b.backend === 'webgpu');
    const bitExact = gpu !== undefined && gpu.exactness === 'bit-exact' && gpu.identicalChains === gpu.chains;
    verify.push({ family, pass: report.pass, bit_exact: bitExact, webgpu: gpu ?? null });
    lines.push(`verify ${family}: ${report.pass ? 'agrees' : 'DISAGREES'}${gpu ? `, webgpu ${gpu.exactness} ${gpu.identicalChains}/${gpu.chains} identical` : ''}`);
  }

  const bench: Record<string, unknown> = {};
  const ratios: Ratio[] = [];
  for (const name of readdirSync(resultsDirectory).filter((file) => /^bench-.+\.json$/.test(file)).sort()) {
    const configuration = name.replace(/^bench-|\.json$/g, '');
    const read = readJson(join(resultsDirectory, name));
    if ('error' in read) {
      bench[configuration] = { error: read.error };
      lines.push(`bench ${configuration}: ${read.error}`);
      continue;
    }
    const report = read.value as BenchReport;
    bench[configuration] = { interrupted: report.interrupted, skipped: report.skipped, warm_up: report.warm_up, results: report.results.length };
    ratios.push(...ratiosOf(configuration, report));
    const ran = new Map(report.results.map((r) => [r.engine, `${r.engine} on ${r.device} [${r.processor}]`]));
    lines.push(`bench ${configuration}: ${report.results.length} measurements${report.interrupted ? ` (cut: ${report.interrupted})` : ''}; ${[...ran.values()].join('; ')}`);
    for (const skip of report.skipped) lines.push(`  not measured: ${skip.engine}${skip.mode ? ` (${skip.mode})` : ''}: ${skip.reason}`);
  }
  const format = (value: number | null, digits = 2): string => (value === null ? '—' : value.toFixed(digits));
  const rate = (value: number | null): string => (value === null ? '—' : value.toExponential(2));
  lines.push('', 'configuration  mode        chains      webgpu chain·gen/s   ÷ jax   ÷ cupy   ÷ numpy   ÷ best CPU engine');
  for (const r of ratios) {
    lines.push(
      `${r.configuration.padEnd(14)} ${r.mode.padEnd(11)} ${String(r.chains).padEnd(11)} ${rate(r.webgpu).padEnd(20)} ${format(r.webgpu_over_jax).padEnd(7)} ${format(r.webgpu_over_cupy).padEnd(8)} ${format(r.webgpu_over_numpy).padEnd(9)} ${format(r.webgpu_over_best_cpu_engine)}${r.best_cpu_engine ? ` (${r.best_cpu_engine})` : ''}`,
    );
  }

  // webgpu per-sample Bernoulli M = 100 against the roofline, at the largest size measured.
  const perSample = ratios.filter((r) => r.configuration === 'bernoulli' && r.mode === 'per-sample' && r.webgpu !== null).sort((a, b) => b.chains - a.chains)[0];
  const smClockMhz = 'absent' in smi ? NaN : Number.parseFloat(smi['clocks.max.sm [MHz]'] ?? '');
  const clockHz = Number.isFinite(smClockMhz) ? smClockMhz * 1e6 : H200.clockHz;
  const onH200 = gpuName !== null && gpuName.includes('H200');
  // The kernel's operations per chain·generation at M = 100 (7 Philox blocks, 25 words), so the ceiling is M = 100's.
  const ceilings = {
    conversions_as_written: ceilingDataPointsPerSecond(BERNOULLI_M100_GENERATION_COUNTS, false, H200.sms, clockHz, 100),
    conversions_folded: ceilingDataPointsPerSecond(BERNOULLI_M100_GENERATION_COUNTS, true, H200.sms, clockHz, 100),
  };
  const webgpuPoints = perSample?.webgpu != null ? perSample.webgpu * 100 : null;
  const roofline = {
    applies: onH200,
    sms: H200.sms,
    sm_clock_hz: clockHz,
    ceiling_data_points_per_s: ceilings,
    webgpu_data_points_per_s: webgpuPoints,
    chains: perSample?.chains ?? null,
    fraction_of_ceiling: webgpuPoints === null ? null : { conversions_as_written: webgpuPoints / ceilings.conversions_as_written, conversions_folded: webgpuPoints / ceilings.conversions_folded },
  };
  lines.push(
    '',
    `roofline (Bernoulli per-sample, M = 100, H200 at ${(clockHz / 1e9).toFixed(2)} GHz): ceiling ${rate(ceilings.conversions_as_written)}–${rate(ceilings.conversions_folded)} data points/s; webgpu ${rate(webgpuPoints)}${webgpuPoints !== null ? ` at ${perSample!.chains} chains = ${format(roofline.fraction_of_ceiling!.conversions_as_written)}–${format(roofline.fraction_of_ceiling!.conversions_folded)} of it` : ''}${onH200 ? '' : ' (not an H200: the ceiling does not apply)'}`,
  );

  const largest = (configuration: string, mode: string): Ratio | undefined =>
    ratios.filter((r) => r.configuration === configuration && r.mode === mode && r.webgpu_over_jax !== null).sort((a, b) => b.chains - a.chains)[0];
  // The speed targets were set for the H200: elsewhere (a dry run) they are reported, not judged.
  const verdict = (value: number | null, target: number): string =>
    value === null ? 'not measured' : !onH200 ? 'not judged (not an H200)' : value >= target ? 'met' : 'missed';
  const targets = [
    { target: `webgpu ≥ ${TARGETS.webgpuPerSampleDataPointsPerSecond.toExponential(0)} data points/s, Bernoulli M = 100 per-sample`, value: webgpuPoints, verdict: verdict(webgpuPoints, TARGETS.webgpuPerSampleDataPointsPerSecond) },
    ...['per-sample', 'sufficient'].map((mode) => {
      const cell = largest('bernoulli', mode);
      return { target: `webgpu ≥ ${TARGETS.webgpuOverJax}× JAX, Bernoulli M = 100 ${mode}${cell ? ` (${cell.chains} chains)` : ''}`, value: cell?.webgpu_over_jax ?? null, verdict: verdict(cell?.webgpu_over_jax ?? null, TARGETS.webgpuOverJax) };
    }),
    {
      target: 'verify bit-exact on webgpu (bernoulli, categorical, ising per-sample)',
      value: verify.length,
      verdict: verify.length === 0 ? 'not measured' : verify.every((v) => v['pass'] === true && v['bit_exact'] === true) ? 'met' : 'missed',
    },
  ];
  lines.push('', ...targets.map((t) => `target: ${t.target}: ${t.verdict}${typeof t.value === 'number' && !t.target.startsWith('verify') ? ` (${t.value >= 100 ? t.value.toExponential(2) : t.value.toFixed(2)})` : ''}`));

  const steps = readSteps(join(resultsDirectory, 'steps.tsv'));
  const cut = steps.filter((s) => s.note !== '' || (s.status !== '0' && s.status !== 'skipped'));
  for (const s of cut) lines.push(`step ${s.step}: exit ${s.status} after ${s.seconds} s${s.note ? `: ${s.note}` : ''}`);
  const manifest = existsSync(join(kitDirectory, 'MANIFEST')) ? readFileSync(join(kitDirectory, 'MANIFEST'), 'utf8').trim().split('\n') : [];

  const summary = {
    tool: 'collapse-sim device run',
    dry_run: dryRun,
    kit: manifest.slice(0, 3),
    device: smi,
    backends,
    verify,
    bench,
    ratios,
    roofline,
    targets,
    steps,
  };
  return { summary, text: lines.join('\n') + '\n' };
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
}

if (process.argv[1]?.endsWith('summarize.js')) {
  const results = flag('results');
  const out = flag('out');
  if (results === undefined || out === undefined) {
    process.stderr.write('usage: summarize.js --results DIR --kit DIR --out summary.json [--dry-run]\n');
    process.exit(2);
  }
  const { summary, text } = summarize(results, flag('kit') ?? '.', process.argv.includes('--dry-run'));
  writeFileSync(out, JSON.stringify(summary, null, 1) + '\n');
  process.stdout.write(text);
}
