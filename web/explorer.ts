/**
 * The browser explorer: controls for `collapse-sim run`'s options (the common ones from
 * COMMON_OPTIONS, the family's from its descriptor, so a new family appears here without a
 * change to this page), the equivalent command line, a run in progressive batches with live
 * views drawn from the same Vega-Lite specs as `collapse-sim plot` (src/analysis/plot-specs.ts),
 * and the Arrow file `collapse-sim run` writes (the same writer, schema and provenance), or
 * Parquet as `collapse-sim export` writes it.
 */
import embed from 'vega-embed';
import { tableFromIPC } from 'apache-arrow';
import initParquet, * as parquetWasm from 'parquet-wasm/esm';
import { histogramSpec, outcomesSpec, survivalSpec, trajectoriesSpec, type TrajectorySeries } from '../src/analysis/plot-specs.js';
import { SummaryBuilder } from '../src/analysis/summary.js';
import type { ChainBatch } from '../src/engine/batch.js';
import { FAMILIES, FAMILY_NAMES } from '../src/families/index.js';
import { parquetBytes } from '../src/io/parquet.js';
import { provenanceOf, type Provenance } from '../src/io/provenance.js';
import { PROVENANCE_KEY } from '../src/io/tables.js';
import { InterruptedError, UsageError } from '../src/spec/errors.js';
import type { RawOptions } from '../src/spec/parse.js';
import { COMMON_OPTIONS, createFamilyModel, resolveRunSpec, type RunSpec } from '../src/spec/run-spec.js';
import { CLI_BACKEND, PAGE_BACKENDS, type PageBackend, type Skipped } from './backend-names.js';
import { ranOn, runEnsemble, type EnsembleRun } from './engine-client.js';
import { setUpReproduceTab } from './reproduce.js';
import { writeRunFiles } from './run-files.js';

/** The run options the page offers (the rest are about files, shards and checkpoints). */
const PAGE_FLAGS = ['family', 'samples', 'chains', 'generations', 'seed', 'mode', 'ground-truth', 'prior', 'l2', 'regime', 'trajectories', 'batch-size', 'backend'] as const;
/**
 * The page's own defaults where they differ from the CLI's: batches of 1000 chains, so that
 * results appear while a run goes on (the command shown then says --batch-size 1000; the
 * rows do not depend on it).
 */
const PAGE_DEFAULTS: Record<string, string> = { 'batch-size': '1000' };
const PAGE_BACKEND_CHOICES = ['auto', ...PAGE_BACKENDS];
/**
 * Most chains a page run takes: it keeps the whole Arrow file and every collapse time in
 * memory (about 40 bytes a chain), where the CLI streams any number to disk.
 */
const PAGE_MAX_CHAINS = 10_000_000;
/** Views are redrawn at most this often while a run goes on. */
const REDRAW_MS = 400;
/** Trajectories drawn: of the first chains that --trajectories records, at most this many. */
const TRAJECTORY_LINES = 20;
/** The trajectories are animated over about this long, generation by generation. */
const ANIMATION_MS = 4000;

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

interface Field {
  readonly flag: string;
  readonly input: HTMLInputElement | HTMLSelectElement;
  readonly error: HTMLElement;
  readonly container: HTMLElement;
  readonly defaultValue: string | undefined;
}

const fields = new Map<string, Field>();

function addField(parent: HTMLElement, flag: string, description: string, defaultValue: string | undefined, choices?: readonly string[]): Field {
  const container = document.createElement('div');
  container.className = 'field';
  container.dataset['flag'] = flag;
  const label = document.createElement('label');
  label.textContent = `--${flag}`;
  label.htmlFor = `option-${flag}`;
  let input: HTMLInputElement | HTMLSelectElement;
  if (choices !== undefined) {
    input = document.createElement('select');
    for (const choice of choices) input.append(new Option(choice, choice));
    if (defaultValue !== undefined) input.value = defaultValue;
  } else {
    input = document.createElement('input');
    input.type = 'text';
    input.value = defaultValue ?? '';
    if (defaultValue === undefined) input.placeholder = '(not set)';
  }
  input.id = `option-${flag}`;
  input.name = flag;
  const help = document.createElement('span');
  help.className = 'help';
  help.textContent = description;
  const error = document.createElement('p');
  error.className = 'error';
  error.id = `error-${flag}`;
  container.append(label, input, help, error);
  parent.append(container);
  const field = { flag, input, error, container, defaultValue };
  fields.set(flag, field);
  return field;
}

/** The common fields, from the CLI's option table. */
function buildRunFields(): void {
  const parent = element('run-options');
  for (const flag of PAGE_FLAGS) {
    const option = COMMON_OPTIONS.find((o) => o.flag === flag)!;
    const defaultValue = PAGE_DEFAULTS[flag] ?? option.defaultValue;
    if (flag === 'family') addField(parent, flag, option.description, defaultValue, FAMILY_NAMES);
    else if (flag === 'backend') addField(parent, flag, 'webgpu, else webgl2, else cpu (the reference path) with auto; the reason for each one skipped is shown', 'auto', PAGE_BACKEND_CHOICES);
    else if (flag === 'mode') addField(parent, flag, option.description, defaultValue, FAMILIES[familyName()].modes);
    else addField(parent, flag, option.description, defaultValue);
  }
}

const familyName = (): keyof typeof FAMILIES => ((fields.get('family')?.input.value ?? FAMILY_NAMES[0]) as keyof typeof FAMILIES);

/** The family's own fields, from its descriptor; rebuilt when the family changes. */
function buildFamilyFields(): void {
  const parent = element('family-options');
  for (const [flag, field] of fields) if (field.container.parentElement === parent) fields.delete(flag);
  parent.replaceChildren(Object.assign(document.createElement('legend'), { textContent: `--family ${familyName()}: ${FAMILIES[familyName()].summary}` }));
  for (const option of FAMILIES[familyName()].options) addField(parent, option.flag, option.description, option.defaultValue);
  // The modes the family offers.
  const mode = fields.get('mode')!.input as HTMLSelectElement;
  const modes = FAMILIES[familyName()].modes;
  const previous = mode.value;
  mode.replaceChildren(...modes.map((m) => new Option(m, m)));
  mode.value = modes.includes(previous as never) ? previous : modes[0];
}

/** The flags as the CLI would receive them: only those set and different from their defaults. */
function rawOptions(): RawOptions {
  const raw: Record<string, string> = {};
  for (const [flag, field] of fields) {
    const value = field.input.value.trim();
    if (value === '') continue;
    if (flag !== 'batch-size' && flag !== 'family' && value === field.defaultValue) continue;
    raw[flag] = value;
  }
  return raw;
}

function clearErrors(): void {
  for (const field of fields.values()) {
    field.error.textContent = '';
    field.container.classList.remove('invalid');
  }
  element('form-error').textContent = '';
}

/** A UsageError names its flag first: the message goes beside that field (or under the form). */
function showError(message: string): void {
  const flag = /--([a-z0-9-]+)/.exec(message)?.[1];
  const field = flag === undefined ? undefined : fields.get(flag);
  if (field !== undefined) {
    field.error.textContent = message;
    field.container.classList.add('invalid');
  }
  element('form-error').textContent = message;
}

/** The run the controls describe, or null (with the message shown) if they do not describe one. */
function validate(): RunSpec | null {
  clearErrors();
  try {
    const spec = resolveRunSpec(rawOptions(), PAGE_BACKEND_CHOICES);
    if (spec.chains > PAGE_MAX_CHAINS) {
      throw new UsageError(`--chains ${spec.chains} is more than the page keeps in memory (at most ${PAGE_MAX_CHAINS}); the command line streams any number to disk`);
    }
    showCommand(spec.backend === 'auto' ? null : (spec.backend as PageBackend));
    return spec;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    showError(error.message);
    return null;
  }
}

const shellWord = (word: string): string => (/^[A-Za-z0-9_.,:/=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** `collapse-sim run` with the same flags, and the CLI backend that computes the same bits as the page's. */
function showCommand(backend: PageBackend | null): void {
  const raw = rawOptions();
  const words = ['collapse-sim', 'run'];
  for (const [flag, value] of Object.entries(raw)) {
    if (flag === 'backend') continue;
    words.push(`--${flag}`, shellWord(String(value)));
  }
  if (backend !== null) words.push('--backend', CLI_BACKEND[backend]);
  element('command').textContent = words.join(' ');
}

interface Finished {
  readonly arrow: Uint8Array;
  /** The trajectories file `run --trajectories` writes, where the run recorded any. */
  readonly trajectories: Uint8Array | null;
  readonly spec: RunSpec;
}

let running: AbortController | null = null;
let finished: Finished | null = null;

function setStatus(state: string, text: string): void {
  const status = element('status');
  status.dataset['state'] = state;
  status.textContent = text;
}

function showFallbacks(skipped: readonly Skipped[]): void {
  element('fallbacks').replaceChildren(
    ...skipped.map((s) => Object.assign(document.createElement('li'), { textContent: `${s.backend} not used: ${s.reason}` })),
  );
}

async function draw(summary: SummaryBuilder, times: Int32Array, provenance: Provenance): Promise<void> {
  // The caption names the engines running now (or, at the end, the file's provenance).
  const built = { ...summary.build([]), provenance };
  const options = { actions: false, renderer: 'svg' as const };
  // The exact law computed once, not at every redraw.
  const drawing = [embed('#survival', survivalSpec(built, summary.theory) as never, options), embed('#histogram', histogramSpec(built, times, summary.theory) as never, options)];
  if (built.outcomes.length > 0) drawing.push(embed('#outcomes', outcomesSpec(built) as never, options));
  else element('outcomes').textContent = `--family ${provenance.config.family}: no absorbing outcomes recorded yet`;
  await Promise.all(drawing);
}

/**
 * The recorded chains' fitted parameter, drawn generation by generation: `collapse-sim plot
 * --kind trajectories`'s spec, its rows fed to the view in steps.
 */
async function animateTrajectories(series: TrajectorySeries, signal: AbortSignal): Promise<void> {
  const spec = { ...trajectoriesSpec(series), data: { name: 'trajectories' } };
  const { view } = await embed('#trajectories', spec as never, { actions: false, renderer: 'svg' });
  const rows = [...series.rows].sort((a, b) => a.generation - b.generation);
  const last = rows.length === 0 ? 0 : rows[rows.length - 1].generation;
  const frames = Math.max(1, Math.min(80, last));
  let next = 0;
  for (let frame = 1; frame <= frames && !signal.aborted; frame++) {
    const upTo = (last * frame) / frames;
    const from = next;
    while (next < rows.length && rows[next].generation <= upTo) next++;
    await view.insert('trajectories', rows.slice(from, next)).runAsync();
    await new Promise((resolve) => setTimeout(resolve, ANIMATION_MS / frames));
  }
  element('trajectories').dataset['drawn'] = String(next);
}

async function run(spec: RunSpec): Promise<void> {
  const controller = new AbortController();
  running = controller;
  finished = null;
  updateButtons();
  showFallbacks([]);
  element('engine').textContent = '';
  const pressed = performance.now();
  setStatus('starting', 'Starting…');
  const model = createFamilyModel(spec);
  // What the views show while the run goes on; the file's provenance is known at the end.
  let shown: Provenance = provenanceOf(spec, spec.backend, 'this browser');
  const summary = new SummaryBuilder(shown);
  const times = new Int32Array(spec.chains);
  const batches: ChainBatch[] = [];
  const trajectories: TrajectorySeries = { provenance: shown, column: model.trajectoryColumns[0]?.name ?? 'value', rows: [] };
  element('trajectories').replaceChildren();
  let chainsDone = 0;
  let lastDraw = 0;
  let drawing: Promise<void> | null = null;
  let firstResultMs: number | null = null;
  let ensemble: EnsembleRun | null = null;
  const rate = (): string => `${((ensemble?.chainGenerations() ?? 0) / Math.max(1e-3, (performance.now() - pressed) / 1000)).toExponential(2)} chain·generations/s`;
  const showRunning = (): void => setStatus('running', `Running: ${chainsDone} of ${spec.chains} chains, ${rate()} (first results ${firstResultMs!.toFixed(0)} ms after Run).`);
  // The rate between batches too, a few times a second.
  const ticker = setInterval(() => firstResultMs !== null && showRunning(), 250);
  try {
    ensemble = runEnsemble(spec, controller.signal, {
      onEngines(engines, skipped) {
        showFallbacks(skipped);
        if (engines.length > 0) shown = provenanceOf(spec, engines.map((engine) => engine.backend).join('+'), engines.map((engine) => engine.device).join(', then '));
        const gpu = engines.find((engine) => engine.backend !== 'reference');
        showCommand(gpu === undefined ? (engines.length > 0 ? 'cpu' : null) : (gpu.backend as PageBackend));
        element('engine').textContent =
          engines.length === 0 ? '' : `Backend: ${engines.map((engine) => `${engine.backend} on ${engine.device}`).join(', then ')}` + (engines.length > 1 ? ' (the CPU computes the first batches while the GPU compiles its kernel: the same bits)' : '');
      },
      onBatch(batch) {
        batches.push(batch);
        for (let i = 0; i < batch.count; i++) {
          const time = batch.collapseTime[i];
          const outcome = batch.outcome[i];
          times[batch.firstChain + i] = time;
          const absorbed = batch.absorbedTime[i];
          const collapsedGenerations = batch.collapsedGenerations[i];
          summary.add(time < 0 ? null : time, Number.isNaN(outcome) ? null : outcome, absorbed >= 0 ? absorbed : null, collapsedGenerations >= 0 ? collapsedGenerations : null);
        }
        const recorded = batch.trajectory;
        if (recorded !== null) {
          for (let i = 0; i < recorded.length; i++) {
            if (recorded.chain[i] < TRAJECTORY_LINES) trajectories.rows.push({ chain: recorded.chain[i], generation: recorded.generation[i], value: recorded.values[0][i] });
          }
        }
        chainsDone += batch.count;
        firstResultMs ??= performance.now() - pressed;
        showRunning();
        // One drawing at a time, at most every REDRAW_MS: batches keep arriving meanwhile.
        if (drawing === null && performance.now() - lastDraw > REDRAW_MS) {
          drawing = draw(summary, times.subarray(0, chainsDone), shown).finally(() => {
            drawing = null;
            lastDraw = performance.now();
          });
        }
      },
    });
    const parts = await ensemble.finished;
    await drawing;
    const gpu = parts.find((part) => part.backend !== 'reference');
    const backend: PageBackend = gpu === undefined ? 'cpu' : (gpu.backend as PageBackend);
    // The provenance names the backends and devices that ran (engine-client.ts ranOn); its
    // configuration is the one `collapse-sim run --config` reruns to the same rows (so
    // summarize, plot and export read the file): with the CLI backend that computes the same bits.
    const stored: RunSpec = { ...spec, backend: CLI_BACKEND[backend] };
    const { backend: ranBackend, device } = ranOn(parts);
    const provenance: Provenance = { ...provenanceOf(stored, ranBackend, device), config: stored };
    await draw(summary, times, provenance);
    finished = { ...writeRunFiles(spec, provenance, batches), spec: stored };
    const seconds = (performance.now() - pressed) / 1000;
    if (trajectories.rows.length > 0) void animateTrajectories({ ...trajectories, provenance }, controller.signal);
    const where = parts.length === 1 ? '' : ` (${parts.map((part) => `${part.backend}: chains ${part.firstChain}…${part.endChain - 1}`).join(', ')})`;
    setStatus('done', `Done: ${spec.chains} chains in ${seconds.toFixed(2)} s, ${rate()} on ${ranBackend}${where} (first results ${(firstResultMs as number | null)?.toFixed(0)} ms after Run).`);
  } catch (error) {
    if (error instanceof InterruptedError || controller.signal.aborted) setStatus('stopped', 'Stopped: nothing to download from an unfinished run.');
    else {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UsageError) showError(message);
      setStatus('error', `Error: ${message}`);
    }
  } finally {
    clearInterval(ticker);
    running = null;
    updateButtons();
  }
}

function updateButtons(): void {
  element<HTMLButtonElement>('run').disabled = running !== null;
  element<HTMLButtonElement>('stop').disabled = running === null;
  element<HTMLButtonElement>('download-arrow').disabled = finished === null;
  element<HTMLButtonElement>('download-parquet').disabled = finished === null;
  element<HTMLButtonElement>('download-trajectories').disabled = finished?.trajectories == null;
}

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const anchor = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let parquetReady: Promise<unknown> | null = null;

async function downloadParquet(): Promise<void> {
  if (finished === null) return;
  parquetReady ??= initParquet({ module_or_path: new URL('parquet_wasm_bg.wasm', import.meta.url) });
  await parquetReady;
  // What `collapse-sim export --format parquet` writes for the Arrow file.
  const table = tableFromIPC(finished.arrow);
  const bytes = parquetBytes(parquetWasm as never, table, table.schema.metadata.get(PROVENANCE_KEY)!);
  download(bytes, finished.spec.out.replace(/\.arrow$/, '') + '.parquet', 'application/vnd.apache.parquet');
}

/** The two tabs: the explorer, and the paper's Fig. 1 (web/reproduce.ts). */
function setUpTabs(): void {
  const tabs = [
    { button: element('tab-explore'), panel: element('explore') },
    { button: element('tab-reproduce'), panel: element('reproduce') },
  ];
  for (const tab of tabs) {
    tab.button.addEventListener('click', () => {
      for (const other of tabs) {
        other.button.setAttribute('aria-selected', String(other === tab));
        other.panel.hidden = other !== tab;
      }
    });
  }
}

function main(): void {
  setUpTabs();
  setUpReproduceTab();
  buildRunFields();
  buildFamilyFields();
  validate();
  const form = element<HTMLFormElement>('controls');
  form.addEventListener('change', (event) => {
    if ((event.target as HTMLElement).id === 'option-family') buildFamilyFields();
    validate();
  });
  form.addEventListener('input', () => validate());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (running !== null) return;
    const spec = validate();
    if (spec === null) {
      setStatus('invalid', 'Not run: correct the option marked.');
      return;
    }
    void run(spec);
  });
  element('stop').addEventListener('click', () => running?.abort(new InterruptedError('SIGINT', 'stopped from the page')));
  element('download-arrow').addEventListener('click', () => finished !== null && download(finished.arrow, finished.spec.out, 'application/vnd.apache.arrow.file'));
  element('download-trajectories').addEventListener('click', () => {
    if (finished?.trajectories != null) download(finished.trajectories, finished.spec.trajectories!.out, 'application/vnd.apache.arrow.file');
  });
  element('download-parquet').addEventListener('click', () => {
    downloadParquet().catch((error: Error) => setStatus('error', `Parquet: ${error.message}`));
  });
  element('copy-command').addEventListener('click', () => void navigator.clipboard?.writeText(element('command').textContent ?? ''));
  updateButtons();
}

main();
