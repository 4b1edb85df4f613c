/**
 * The benchmark suite behind bench/README.md (the script bench/suite.ts runs it): issue 10's
 * targets, each measured by the harness (./harness.ts, the same as `collapse-sim bench`) with
 * our engines and the NumPy peer side by side in one harness run per stage, then judged from
 * the measured numbers alone. Three parts:
 *
 *   suitePlan      the stages (configuration, sizes, engines, repeats) and the targets;
 *   suiteTargets   each target's measured value, threshold, verdict and margin;
 *   suiteText / suiteMarkdown   the report's targets section and bench/README.md's tables.
 */
import { ENGINE_BACKENDS } from '../src/engine/names.js';
import type { SamplingMode } from '../src/families/family.js';
import type { MachineDescription } from '../src/environment.js';
import { AUTO, type BenchConfig, type BenchReport, type BenchResult } from '../src/bench/harness.js';

export interface SuiteStage {
  readonly name: string;
  /** One line: what the stage measures, for the report and the README. */
  readonly description: string;
  readonly config: BenchConfig;
}

/** What a target compares; `stage` names the stage whose one harness run measured it. */
export type TargetSpec =
  | { readonly kind: 'numpy-ratio'; readonly id: string; readonly stage: string; readonly label: string; readonly mode: SamplingMode; readonly chains: number; readonly threshold: number }
  | { readonly kind: 'philox'; readonly id: string; readonly stage: string; readonly chains: number; readonly threshold: number }
  | { readonly kind: 'auto'; readonly id: string; readonly stage: string; readonly label: string; readonly mode: SamplingMode; readonly chains: number; readonly threshold: number }
  | { readonly kind: 'memory'; readonly id: string; readonly stage: string; readonly engine: string; readonly mode: SamplingMode; readonly chains: number; readonly thresholdBytes: number };

export interface SuitePlan {
  readonly stages: readonly SuiteStage[];
  readonly targets: readonly TargetSpec[];
}

export interface SuitePlanOptions {
  /** Tiny sizes and one repeat: a smoke test of the whole suite in well under a minute. */
  readonly quick: boolean;
  /** Repeats at 10³–10⁵ chains (median, min–max reported). */
  readonly repeats: number;
  /** Repeats of the long runs: 10⁶ Bernoulli chains, the categorical stage, 10⁷ for memory. */
  readonly largeRepeats: number;
  /**
   * Time box for what no target needs above the smallest size (the gpu.js backends, the
   * reference path, auto): one predicted to run longer than this at the next size is not
   * measured there. simd and NumPy are never left out.
   */
  readonly maxSeconds: number;
  /** Generations of the 10⁷-chain memory stage (null: to collapse). */
  readonly memoryGenerations: number | null;
  readonly seed: string;
}

export const STAGE_NAMES = ['bernoulli', 'bernoulli-1e6', 'gaussian', 'categorical', 'memory'] as const;

/** The gpu.js backends: every engine besides the reference path and the WebAssembly engine. */
const GPU_JS = ENGINE_BACKENDS.filter((name) => name !== 'simd');

/** The peak memory target, bytes. */
const TWO_GIB = 2 ** 31;

export function suitePlan(options: SuitePlanOptions): SuitePlan {
  const { quick } = options;
  const size = (full: number, small: number): number => (quick ? small : full);
  const repeats = quick ? 1 : options.repeats;
  const largeRepeats = quick ? 1 : options.largeRepeats;
  const bernoulli = { family: 'bernoulli', samples: 100, p0: 0.5 };
  const gaussian = { family: 'gaussian', samples: 20, estimator: 'mle' };
  // Quick keeps K and M (the sampler's work per point) and shortens the horizon.
  const categorical = { family: 'categorical', categories: 1000, init: 'zipf:1.1', samples: 1000, generations: quick ? 5 : 200 };
  const common = {
    modes: ['per-sample', 'sufficient'] as SamplingMode[],
    peers: ['numpy' as const],
    seed: options.seed,
    referenceLimit: size(1e5, 1e3),
    maxSeconds: options.maxSeconds,
    // The suite's targets need the peer and the WebAssembly engine: their absence is an error.
    required: new Set(['numpy', 'simd']),
  };
  const small = [size(1e3, 100), size(1e4, 200), size(1e5, 300)];
  // Every engine, ours first; quick keeps one gpu.js backend (their warm-ups are most of its time).
  const engines = ['reference', AUTO, 'simd', ...(quick ? ['cpu'] : GPU_JS)];
  const categoricalChains = [size(200, 4), size(2000, 10)];
  const stages: SuiteStage[] = [
    {
      name: 'bernoulli',
      description: `Bernoulli, M = 100, p₀ = ½, run to collapse, ${small.join(', ')} chains: every engine (auto resolved per run, start-up timed), all but simd and NumPy time-boxed`,
      config: { ...common, options: bernoulli, chains: small, engines, repeats, uncapped: new Set(['simd', 'numpy']) },
    },
    {
      name: 'bernoulli-1e6',
      description: `Bernoulli, M = 100, p₀ = ½, run to collapse, ${size(1e6, 1000)} chains: simd and NumPy`,
      config: { ...common, options: bernoulli, chains: [size(1e6, 1000)], engines: ['simd'], repeats: largeRepeats, maxSeconds: null },
    },
    {
      name: 'gaussian',
      description: `Gaussian, M = 20, MLE, run to collapse (σ² ≤ 10⁻⁶ σ₀²), ${small.join(', ')} chains: every engine, all but simd and NumPy time-boxed`,
      config: { ...common, options: gaussian, chains: small, engines, repeats, uncapped: new Set(['simd', 'numpy']) },
    },
    {
      name: 'categorical',
      // Not the gpu.js backends: at K = 1000 on this machine's software drivers one run of 200
      // chains takes minutes, before the time box could judge from it.
      description: `categorical, K = 1000, Zipf 1.1 initial law, M = 1000, ${categorical.generations} generations, ${categoricalChains.join(', ')} chains: simd, the reference path (time-boxed) and NumPy`,
      config: { ...common, options: categorical, chains: categoricalChains, engines: ['reference', 'simd'], repeats: largeRepeats, uncapped: new Set(['simd', 'numpy']) },
    },
    {
      name: 'memory',
      description: `Bernoulli, M = 100, sufficient mode, ${size(1e7, 1e4)} chains, ${options.memoryGenerations === null ? 'run to collapse' : `at most ${options.memoryGenerations} generations`}, simd: peak RSS`,
      config: {
        ...common,
        options: options.memoryGenerations === null ? bernoulli : { ...bernoulli, generations: options.memoryGenerations },
        chains: [size(1e7, 1e4)],
        modes: ['sufficient'],
        engines: ['simd'],
        peers: [],
        repeats: 1,
        maxSeconds: null,
        required: new Set(['simd']),
      },
    },
  ];
  const [c3, , c5] = small;
  const c6 = size(1e6, 1000);
  const targets: TargetSpec[] = [];
  for (const mode of ['per-sample', 'sufficient'] as const) {
    targets.push({ kind: 'numpy-ratio', id: `bernoulli-${mode}-${c5}`, stage: 'bernoulli', label: 'Bernoulli M = 100', mode, chains: c5, threshold: 3 });
    targets.push({ kind: 'numpy-ratio', id: `bernoulli-${mode}-${c6}`, stage: 'bernoulli-1e6', label: 'Bernoulli M = 100', mode, chains: c6, threshold: 3 });
  }
  targets.push({ kind: 'philox', id: `philox-${c5}`, stage: 'bernoulli', chains: c5, threshold: 3 });
  targets.push({ kind: 'philox', id: `philox-${c6}`, stage: 'bernoulli-1e6', chains: c6, threshold: 3 });
  for (const mode of ['per-sample', 'sufficient'] as const) {
    targets.push({ kind: 'numpy-ratio', id: `gaussian-${mode}-${c5}`, stage: 'gaussian', label: 'Gaussian M = 20, MLE', mode, chains: c5, threshold: 2 });
  }
  for (const mode of ['per-sample', 'sufficient'] as const) {
    const chains = categoricalChains[categoricalChains.length - 1];
    targets.push({ kind: 'numpy-ratio', id: `categorical-${mode}-${chains}`, stage: 'categorical', label: 'categorical K = 1000, Zipf 1.1, M = 1000', mode, chains, threshold: 2 });
  }
  for (const [stage, label] of [['bernoulli', 'Bernoulli M = 100'], ['gaussian', 'Gaussian M = 20, MLE']] as const) {
    for (const mode of ['per-sample', 'sufficient'] as const) {
      targets.push({ kind: 'auto', id: `auto-${stage}-${mode}-${c3}`, stage, label, mode, chains: c3, threshold: 1 });
    }
  }
  targets.push({ kind: 'memory', id: `memory-${size(1e7, 1e4)}`, stage: 'memory', engine: 'simd', mode: 'sufficient', chains: size(1e7, 1e4), thresholdBytes: TWO_GIB });
  return { stages, targets };
}

// ---------------------------------------------------------------------------------------------
// Philox accounting (stream version 2, src/rng/streams.ts and distributions/bernoulli.ts).

/**
 * Today's rate, the baseline of the Philox target: issue 4's suite (bench/results/suite.json
 * at commit 8c6eb95, 2-core machine), the fastest per-sample engine then — the gpu.js `cpu`
 * backend, two workers — at 10⁵ and 10⁶ chains, under stream version 1: one 32-bit word per
 * point, so ⌈M/4⌉ = 25 Philox blocks per chain·generation at M = 100.
 */
export const PHILOX_BASELINE = {
  source: 'bench/results/suite.json at commit 8c6eb95 (issue 4): cpu backend, per-sample, stream v1',
  engine: 'cpu',
  cores: 2,
  blocksPerChainGeneration: 25,
  chainGenerationsPerSecond: { 100000: 1061292.6380720288, 1000000: 1370285.5685625784 } as Record<number, number>,
};

/** Today's Philox blocks per second per core at the nearest of the baseline's sizes. */
export function baselineBlocksPerCore(chains: number): number {
  const at = chains > 3e5 ? 1e6 : 1e5;
  return (PHILOX_BASELINE.chainGenerationsPerSecond[at] * PHILOX_BASELINE.blocksPerChainGeneration) / PHILOX_BASELINE.cores;
}

/**
 * Philox4x32-10 blocks a per-sample Bernoulli chain·generation of M points costs under stream
 * version 2, in expectation. A block is 4 words = 16 byte decisions; each (chain, generation)
 * opens its stream at block 0, so the data take ⌈M/16⌉ blocks — the simd engine computes four
 * blocks per SIMD call, 4·⌈M/64⌉. A decision whose byte equals the threshold's top byte (one in
 * 256) draws one block of the tie stream when the threshold's low 16 bits are not zero (every
 * p = k/M but k/M ∈ {0, ¼, ½, ¾, 1} at M = 100): M/256 blocks, an upper bound.
 */
export function blocksPerChainGeneration(engine: string, samples: number): number {
  const data = engine === 'simd' ? 4 * Math.ceil(samples / 64) : Math.ceil(samples / 16);
  return data + samples / 256;
}

/** Cores an engine computes on: the reference path is one thread, the others one worker per core. */
export function coresUsed(engine: string, machine: MachineDescription): number {
  return engine === 'reference' ? 1 : machine.cores;
}

/** Bits of the stream a stream-v2 Bernoulli decision reads: a byte, and 16 tie bits one time in 256. */
export const BITS_READ_PER_POINT = 8 + 16 / 256;

// ---------------------------------------------------------------------------------------------
// Verdicts.

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetResult {
  readonly id: string;
  readonly stage: string;
  /** What is compared, in words. */
  readonly target: string;
  /** The numbers the value comes from. */
  readonly measured: string;
  /** The measured ratio (or peak bytes for memory), null when not measured. */
  readonly value: number | null;
  readonly comparison: '>=' | '<=';
  readonly threshold: number;
  readonly verdict: Verdict;
  /** How far from the threshold: value ÷ threshold for ≥, threshold ÷ value for ≤ (met when ≥ 1). */
  readonly margin: number | null;
  /** The margin in words: "1.40× to spare" or "missed by 1.62×". */
  readonly by: string;
  readonly note: string | null;
  /** The figures beside it (Philox blocks per second per core, bits per point, …). */
  readonly details: Record<string, number | string>;
}

const at = (report: BenchReport, mode: SamplingMode, chains: number): BenchResult[] => report.results.filter((r) => r.mode === mode && r.chains === chains);

/** The fastest of our engines (auto left out: it runs one of them) among `rows`. */
function fastestEngine(rows: readonly BenchResult[]): BenchResult | undefined {
  return rows.filter((r) => r.kind === 'engine' && r.engine !== AUTO).sort((a, b) => b.chain_generations_per_s - a.chain_generations_per_s)[0];
}

const chainsText = (chains: number): string => {
  const exponent = Math.log10(chains);
  return Number.isInteger(exponent) && exponent >= 3 ? `10${String(exponent).replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)])}` : String(chains);
};

const rate = (value: number): string => value.toExponential(2);

function judged(
  spec: TargetSpec,
  target: string,
  comparison: '>=' | '<=',
  threshold: number,
  value: number | null,
  measured: string,
  note: string | null = null,
  details: Record<string, number | string> = {},
): TargetResult {
  if (value === null || !Number.isFinite(value)) {
    return { id: spec.id, stage: spec.stage, target, measured, value: null, comparison, threshold, verdict: 'not measured', margin: null, by: '—', note, details };
  }
  const margin = comparison === '>=' ? value / threshold : threshold / value;
  const verdict: Verdict = margin >= 1 ? 'met' : 'missed';
  const by = verdict === 'met' ? `${margin.toFixed(2)}× to spare` : `missed by ${(1 / margin).toFixed(2)}×`;
  return { id: spec.id, stage: spec.stage, target, measured, value, comparison, threshold, verdict, margin, by, note, details };
}

/** Each target of the plan, judged from the stages' reports (a stage not run: not measured). */
export function suiteTargets(plan: SuitePlan, reports: ReadonlyMap<string, BenchReport>): TargetResult[] {
  return plan.targets.map((spec) => judgeTarget(spec, reports.get(spec.stage)));
}

function judgeTarget(spec: TargetSpec, report: BenchReport | undefined): TargetResult {
  const missing = `not measured (stage ${spec.stage} ${report === undefined ? 'not run' : 'has no such row'})`;
  switch (spec.kind) {
    case 'numpy-ratio': {
      const target = `${spec.label}, ${spec.mode}, ${chainsText(spec.chains)} chains: fastest engine ÷ NumPy ${spec.mode === 'sufficient' ? 'sufficient form' : 'per-sample'}`;
      const rows = report === undefined ? [] : at(report, spec.mode, spec.chains);
      const numpy = rows.find((r) => r.engine === 'numpy');
      const fastest = fastestEngine(rows);
      if (numpy === undefined || fastest === undefined) return judged(spec, target, '>=', spec.threshold, null, missing);
      const value = fastest.chain_generations_per_s / numpy.chain_generations_per_s;
      return judged(
        spec,
        target.replace('sufficient form', numpy.form),
        '>=',
        spec.threshold,
        value,
        `${fastest.engine} ${rate(fastest.chain_generations_per_s)} ÷ numpy (${numpy.form}) ${rate(numpy.chain_generations_per_s)} chain·gen/s`,
        null,
        { engine: fastest.engine, engine_data_points_per_s: fastest.data_points_per_s, numpy_data_points_per_s: numpy.data_points_per_s },
      );
    }
    case 'philox': {
      const target = `Bernoulli M = 100, per-sample, ${chainsText(spec.chains)} chains: Philox blocks per second per core ÷ today's`;
      const fastest = report === undefined ? undefined : fastestEngine(at(report, 'per-sample', spec.chains));
      if (report === undefined || fastest === undefined) return judged(spec, target, '>=', spec.threshold, null, missing);
      const blocks = blocksPerChainGeneration(fastest.engine, fastest.samples);
      const cores = coresUsed(fastest.engine, report.machine);
      const perCore = (fastest.chain_generations_per_s * blocks) / cores;
      const baseline = baselineBlocksPerCore(spec.chains);
      return judged(
        spec,
        target,
        '>=',
        spec.threshold,
        perCore / baseline,
        `${fastest.engine}: ${rate(fastest.chain_generations_per_s)} chain·gen/s × ${blocks.toFixed(3)} blocks ÷ ${cores} cores = ${rate(perCore)} blocks/s per core; today ${rate(baseline)}`,
        `today: ${PHILOX_BASELINE.source}, ${PHILOX_BASELINE.blocksPerChainGeneration} blocks per chain·generation; the rate is end to end (fits and bookkeeping included), so the Philox generator alone runs faster`,
        {
          engine: fastest.engine,
          chains: spec.chains,
          data_points_per_s: fastest.data_points_per_s,
          blocks_per_chain_generation: blocks,
          blocks_per_point: blocks / fastest.samples,
          blocks_per_s_per_core: perCore,
          ns_per_block_per_core: 1e9 / perCore,
          baseline_blocks_per_s_per_core: baseline,
          philox_bits_per_point: (128 * blocks) / fastest.samples,
          stream_bits_read_per_point: BITS_READ_PER_POINT,
          baseline_philox_bits_per_point: (128 * PHILOX_BASELINE.blocksPerChainGeneration) / 100,
        },
      );
    }
    case 'auto': {
      const target = `${spec.label}, ${spec.mode}, ${chainsText(spec.chains)} chains: --backend auto ÷ the reference path (never slower)`;
      const rows = report === undefined ? [] : at(report, spec.mode, spec.chains);
      const auto = rows.find((r) => r.engine === AUTO);
      const reference = rows.find((r) => r.engine === 'reference');
      if (auto === undefined || reference === undefined) return judged(spec, target, '>=', spec.threshold, null, missing);
      const value = auto.chain_generations_per_s / reference.chain_generations_per_s;
      const overlap = auto.chain_generations_per_s_max >= reference.chain_generations_per_s_min;
      return judged(
        spec,
        target,
        '>=',
        spec.threshold,
        value,
        `auto (chose ${auto.chose}, start-up timed) ${rate(auto.chain_generations_per_s)} ÷ reference ${rate(reference.chain_generations_per_s)} chain·gen/s`,
        value < spec.threshold && overlap ? `the two overlap (auto ${rate(auto.chain_generations_per_s_min)}–${rate(auto.chain_generations_per_s_max)}, reference ${rate(reference.chain_generations_per_s_min)}–${rate(reference.chain_generations_per_s_max)}): within the spread of repeats` : null,
        { chose: auto.chose ?? '' },
      );
    }
    case 'memory': {
      const target = `Bernoulli M = 100, ${spec.mode}, ${chainsText(spec.chains)} chains: peak RSS of ${spec.engine}`;
      const row = report === undefined ? undefined : at(report, spec.mode, spec.chains).find((r) => r.engine === spec.engine);
      if (row === undefined) return judged(spec, target, '<=', spec.thresholdBytes, null, missing);
      return judged(spec, target, '<=', spec.thresholdBytes, row.peak_rss_bytes, `${(row.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB (${rate(row.chain_generations)} chain·generations in ${row.seconds.toFixed(1)} s)`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reports.

/** suite.json: every stage's harness report, then the targets judged from them. */
export interface SuiteReport {
  readonly tool: 'collapse-sim';
  readonly version: string;
  /** ISO time the suite finished. */
  readonly measured_at: string;
  /** The command line, as run. */
  readonly command: string;
  readonly quick: boolean;
  readonly machine: MachineDescription;
  readonly stages: readonly { readonly name: string; readonly description: string; readonly report: BenchReport }[];
  readonly targets: readonly TargetResult[];
  /** The signal that cut the suite short, or null. */
  readonly interrupted: 'SIGINT' | 'SIGTERM' | null;
}

const thresholdText = (t: TargetResult): string => (t.comparison === '<=' ? `≤ ${(t.threshold / 2 ** 30).toFixed(0)} GiB` : `≥ ${t.threshold.toFixed(1)}`);
const valueText = (t: TargetResult): string => (t.value === null ? '—' : t.comparison === '<=' ? `${(t.value / 2 ** 20).toFixed(0)} MiB` : t.value.toFixed(2));

/** How the Philox figures are derived, for the report and the README. */
export const PHILOX_FORMULA = [
  'Philox blocks per second per core = chain·gen/s × blocks per chain·generation ÷ cores (2 workers for simd and cpu, 1 for the reference path).',
  'Blocks per chain·generation, Bernoulli per-sample, stream v2: a block is 4 words = 16 byte decisions and each (chain, generation) opens its stream at block 0,',
  'so ⌈M/16⌉ data blocks (simd computes 4 per SIMD call: 4·⌈M/64⌉ = 8 at M = 100), plus one tie-stream block per decision whose byte ties the threshold\'s top byte',
  '(probability 1/256, none when the threshold\'s low 16 bits are 0, i.e. p ∈ {0, ¼, ½, ¾, 1} at M = 100): M/256 in expectation, an upper bound. simd at M = 100: 8.39.',
  'Bits per point: Philox output = 128 × blocks per chain·generation ÷ M (simd 10.7 at M = 100); stream bits read = 8 + 16/256 = 8.06. Stream v1 (today): 25 blocks, 32 bits per point.',
];

export function suiteTargetsText(targets: readonly TargetResult[]): string {
  const lines = ['targets (issue 10):'];
  for (const t of targets) {
    lines.push(`  [${t.verdict}] ${t.target} ${thresholdText(t)}: ${valueText(t)} — ${t.measured}${t.verdict === 'not measured' ? '' : `; ${t.by}`}`);
    if (t.note !== null) lines.push(`      ${t.note}`);
    if (t.details['blocks_per_s_per_core'] !== undefined) {
      const d = t.details as Record<string, number>;
      lines.push(`      ${rate(d['data_points_per_s'])} data points/s, ${rate(d['blocks_per_s_per_core'])} Philox blocks/s per core (${d['ns_per_block_per_core'].toFixed(1)} ns per block), ${d['blocks_per_point'].toFixed(4)} blocks and ${d['philox_bits_per_point'].toFixed(2)} Philox bits per point (${d['stream_bits_read_per_point'].toFixed(2)} read); today ${d['baseline_philox_bits_per_point'].toFixed(0)} bits`);
    }
  }
  lines.push('', 'Philox accounting:', ...PHILOX_FORMULA.map((line) => `  ${line}`));
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// bench/README.md's tables, written from suite.json so that they are exactly the measured numbers.

export const README_BEGIN = '<!-- suite-tables:begin (written by node dist/bench/readme-tables.js from bench/results/suite.json; do not edit by hand) -->';
export const README_END = '<!-- suite-tables:end -->';

const cell = (value: number | undefined): string => (value === undefined ? '—' : value.toExponential(2).replace('e+', 'e'));

/** One table per stage: a row per (mode, chains), a column per engine (chain·gen/s), fastest ÷ NumPy. */
function stageTable(report: BenchReport): string[] {
  const engines = [...new Set(report.results.map((r) => r.engine))];
  const lines = [`| mode | chains | ${engines.join(' | ')} | fastest ÷ numpy |`, `| ${['---', '---', ...engines.map(() => '---'), '---'].join(' | ')} |`];
  const keys = [...new Set(report.results.map((r) => `${r.mode}\t${r.chains}`))];
  for (const key of keys) {
    const [mode, chainsString] = key.split('\t');
    const chains = Number(chainsString);
    const rows = at(report, mode as SamplingMode, chains);
    const cells = engines.map((engine) => {
      const row = rows.find((r) => r.engine === engine);
      return row === undefined ? '—' : `${cell(row.chain_generations_per_s)}${row.chose === null ? '' : ` (${row.chose})`}`;
    });
    const numpy = rows.find((r) => r.engine === 'numpy');
    const fastest = fastestEngine(rows);
    const ratio = numpy === undefined || fastest === undefined ? '—' : `${(fastest.chain_generations_per_s / numpy.chain_generations_per_s).toFixed(2)} (${fastest.engine})`;
    lines.push(`| ${mode} | ${chainsText(chains)} | ${cells.join(' | ')} | ${ratio} |`);
  }
  return lines;
}

export function suiteMarkdown(suite: SuiteReport): string {
  const m = suite.machine;
  const lines: string[] = [];
  if (suite.quick) {
    lines.push(
      '> **Placeholder: a `--quick` smoke run (tiny sizes, one repeat), not the issue\'s sizes. Its numbers mean nothing; the full run replaces this block.**',
      '',
    );
  }
  lines.push(
    `Measured ${suite.measured_at.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${(m.memory_bytes / 2 ** 30).toFixed(0)} GiB, Node ${m.node}, collapse-sim ${suite.version}: \`${suite.command}\`${suite.interrupted === null ? '' : ` — **interrupted (${suite.interrupted})**: the stages after it are missing`}.`,
    'chain·generations per second, median of the stage\'s repeats (min–max and peak RSS in `bench/results/suite.txt`); ratios measured in the same harness run.',
    '',
    '### Targets',
    '',
    '| target | threshold | measured | verdict | from |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const t of suite.targets) {
    lines.push(`| ${t.target} | ${thresholdText(t)} | ${valueText(t)} | **${t.verdict}**${t.verdict === 'not measured' ? '' : ` (${t.by})`} | ${t.measured}${t.note === null ? '' : `; ${t.note}`} |`);
  }
  const philox = suite.targets.filter((t) => t.details['blocks_per_s_per_core'] !== undefined);
  if (philox.length > 0) {
    lines.push('', '### Philox blocks, data points and bits per point (Bernoulli M = 100, per-sample)', '');
    lines.push('| chains | engine | data points/s | Philox blocks/s per core | ns per block per core | blocks per point | Philox bits per point | stream bits read per point | today: blocks/s per core, bits per point |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const t of philox) {
      const d = t.details as Record<string, number>;
      lines.push(
        `| ${chainsText(d['chains'])} | ${t.details['engine']} | ${cell(d['data_points_per_s'])} | ${cell(d['blocks_per_s_per_core'])} | ${d['ns_per_block_per_core'].toFixed(1)} | ${d['blocks_per_point'].toFixed(4)} | ${d['philox_bits_per_point'].toFixed(2)} | ${d['stream_bits_read_per_point'].toFixed(2)} | ${cell(d['baseline_blocks_per_s_per_core'])}, ${d['baseline_philox_bits_per_point'].toFixed(0)} |`,
      );
    }
    lines.push('', ...PHILOX_FORMULA);
  }
  for (const stage of suite.stages) {
    lines.push('', `### Stage ${stage.name}`, '', `${stage.description}; median of ${stage.report.configuration['repeats']}.`, '', ...stageTable(stage.report));
    const skipped = stage.report.skipped.filter((s) => !/above --reference-limit/.test(s.reason));
    if (skipped.length > 0) lines.push('', ...skipped.map((s) => `- not measured: ${s.engine}${s.mode === null ? '' : ` (${s.mode})`}: ${s.reason}`));
    if (stage.name === 'memory') {
      for (const r of stage.report.results) lines.push('', `Peak RSS of the measuring process: ${r.engine} ${(r.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB.`);
    }
  }
  return lines.join('\n') + '\n';
}

/** `readme` with the text between the suite markers replaced by `tables`; an error when the markers are missing. */
export function replaceReadmeTables(readme: string, tables: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`bench/README.md has no ${README_BEGIN} … ${README_END} block`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${tables}${readme.slice(end)}`;
}
