/**
 * The explorer's reproduce tab: the paper's Fig. 1 panels computed live by the experiments of
 * `collapse-sim reproduce` (src/reproduce/fig1.ts: their plans, theory, tests and figures'
 * Vega-Lite specs), at a number of chains per point the browser finishes in seconds. Each
 * point runs on the reference path in CPU workers (web/engine-client.ts), its dataset is
 * the Arrow file `collapse-sim run` writes, kept in memory and read back as the CLI reads
 * it; figures are drawn on the page instead of written to files. With the same --chains and
 * --seed, `collapse-sim reproduce --only fig1a,fig1b,fig1c,fig1d` computes the same claims.
 */
import embed from 'vega-embed';
import { tableFromIPC } from 'apache-arrow';
import type { TopLevelSpec } from 'vega-lite';
import { provenanceOf } from '../src/io/provenance.js';
import { pointSpec, type AnalysisContext, type Claim, type Experiment, type PlannedRun } from '../src/reproduce/context.js';
import { fig1a, fig1b, fig1c, fig1d } from '../src/reproduce/fig1.js';
import { CLAIM_COLUMNS, claimCells, headline } from '../src/reproduce/report.js';
import { InterruptedError, UsageError } from '../src/spec/errors.js';
import { parseNumber, parseText } from '../src/spec/parse.js';
import { runOnCpuWorkers } from './engine-client.js';
import { writeRunFiles } from './run-files.js';

/** The panels of Fig. 1, in the report's order. */
const FIG1: readonly Experiment[] = [fig1a, fig1b, fig1c, fig1d];
/** Chains per point the tab starts with: seconds on a laptop's CPU (the CLI's small version takes 1000). */
const DEFAULT_CHAINS = '100';
/** Most chains per point the tab takes: beyond, the command line (which streams to disk) is the tool. */
const MAX_CHAINS = 10000;

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The command that computes the same claims (and writes the datasets, figures and REPORT.md). */
function commandOf(chains: string, seed: string): string {
  const quoted = /^[A-Za-z0-9_.,:/=+-]+$/.test(seed) ? seed : `'${seed.replace(/'/g, `'\\''`)}'`;
  return `collapse-sim reproduce --only ${FIG1.map((experiment) => experiment.id).join(',')} --chains ${chains} --seed ${quoted} --backend reference`;
}

/** The controls' values, or null with the message beside the field. */
function settings(): { chains: number; seed: string } | null {
  const chainsInput = element<HTMLInputElement>('reproduce-chains');
  const seedInput = element<HTMLInputElement>('reproduce-seed');
  element('reproduce-error').textContent = '';
  try {
    const chains = parseNumber(chainsInput.value.trim(), 'chains', { min: 2, max: MAX_CHAINS, integer: true });
    const seed = parseText(seedInput.value, 'seed');
    element('reproduce-command').textContent = commandOf(String(chains), seed);
    return { chains, seed };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    element('reproduce-error').textContent = error.message;
    return null;
  }
}

/** Where the experiments' figures go: drawn on the page, in the order they come. */
class PageContext implements AnalysisContext {
  constructor(
    private readonly chains: number,
    private readonly seed: string,
  ) {}

  captionLine(): string {
    return `collapse-sim explorer (as reproduce --chains ${this.chains}), seed ${JSON.stringify(this.seed)}, sufficient mode`;
  }

  async figure(name: string, spec: TopLevelSpec): Promise<string[]> {
    const view = Object.assign(document.createElement('div'), { id: `figure-${name}`, className: 'figure' });
    element('reproduce-figures').append(view);
    await embed(view, spec as never, { actions: false, renderer: 'svg' });
    return [name];
  }
}

function setStatus(state: string, text: string): void {
  const status = element('reproduce-status');
  status.dataset['state'] = state;
  status.textContent = text;
}

function showClaims(claims: readonly Claim[]): void {
  const table = element<HTMLTableElement>('reproduce-claims');
  const head = table.createTHead().insertRow();
  for (const column of CLAIM_COLUMNS) head.append(Object.assign(document.createElement('th'), { textContent: column }));
  const body = table.createTBody();
  for (const claim of claims) {
    const row = body.insertRow();
    row.dataset['verdict'] = claim.verdict;
    for (const cell of claimCells(claim)) row.insertCell().textContent = cell;
  }
  element('reproduce-headline').textContent = headline(claims);
}

let running: AbortController | null = null;

async function reproduce(chains: number, seed: string): Promise<void> {
  const controller = new AbortController();
  running = controller;
  element<HTMLButtonElement>('reproduce-run').disabled = true;
  element<HTMLButtonElement>('reproduce-stop').disabled = false;
  element('reproduce-figures').replaceChildren();
  element('reproduce-claims').replaceChildren();
  element('reproduce-headline').textContent = '';
  const started = performance.now();
  try {
    const plans = FIG1.map((experiment) => ({ experiment, points: experiment.plan(() => chains) }));
    const points = plans.flatMap(({ points }) => points);
    const specs = points.map((plan) => pointSpec(plan, seed, 'reference', `${plan.folder}/${plan.point}.arrow`));
    let finished = 0;
    const status = (chainGenerations: number): void =>
      setStatus('running', `Running: ${finished} of ${points.length} points, ${chainGenerations.toExponential(2)} chain·generations (${(chainGenerations / ((performance.now() - started) / 1000)).toExponential(2)} per second)`);
    const results = await runOnCpuWorkers(specs, Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)), controller.signal, () => finished++, status);
    const context = new PageContext(chains, seed);
    const claims: Claim[] = [];
    let at = 0;
    for (const { experiment, points: planned } of plans) {
      // Each point's dataset as `collapse-sim run` writes it, read back as the CLI's reproduce reads it.
      const runs: PlannedRun[] = planned.map((plan, i) => {
        const spec = specs[at + i];
        const { batches, backend, device } = results[at + i];
        const files = writeRunFiles(spec, provenanceOf(spec, backend, device), batches);
        return {
          ...plan,
          run: {
            spec,
            file: spec.out,
            trajectoriesFile: spec.trajectories?.out ?? null,
            backend,
            table: tableFromIPC(files.arrow),
            trajectories: files.trajectories === null ? null : tableFromIPC(files.trajectories),
          },
        };
      });
      at += planned.length;
      const result = await experiment.analyse(context, runs);
      claims.push(...result.claims);
    }
    showClaims(claims);
    setStatus('done', `Done: ${points.length} points, ${chains} chains each (${plans[0].points[0].options['chains']} in Fig. 1(a)), in ${((performance.now() - started) / 1000).toFixed(1)} s on the reference path.`);
  } catch (error) {
    if (error instanceof InterruptedError || controller.signal.aborted) setStatus('stopped', 'Stopped.');
    else setStatus('error', `Error: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    running = null;
    element<HTMLButtonElement>('reproduce-run').disabled = false;
    element<HTMLButtonElement>('reproduce-stop').disabled = true;
  }
}

/** Sets up the tab's controls. */
export function setUpReproduceTab(): void {
  element<HTMLInputElement>('reproduce-chains').value = DEFAULT_CHAINS;
  settings();
  const form = element<HTMLFormElement>('reproduce-controls');
  form.addEventListener('input', () => settings());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = settings();
    if (chosen === null || running !== null) return;
    void reproduce(chosen.chains, chosen.seed);
  });
  element('reproduce-stop').addEventListener('click', () => running?.abort());
}
