/**
 * `collapse-sim reproduce`'s context: the output folder, running a point into an Arrow
 * dataset through the library's runSimulation exactly as `collapse-sim run` does — or reading
 * it back when a dataset of the same configuration is already there, so an interrupted run
 * goes on where it stopped — and figures written as SVG and PNG.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import type { TopLevelSpec } from 'vega-lite';
import { writeSvgAndPng } from '../analysis/render.js';
import { AtomicFile } from '../io/atomic-file.js';
import { readChainTable } from '../io/merge.js';
import { streamVersionOf, type Provenance } from '../io/provenance.js';
import { runSimulation } from '../run.js';
import type { RunSpec } from '../spec/run-spec.js';
import {
  ENSEMBLE_SIZES,
  pointSpec,
  READ_BACK_CHECK_CHAINS,
  resultConfiguration,
  type AnalysisContext,
  type EnsembleKind,
  type PointPlan,
  type PointRecord,
  type PointRun,
  type PointSidecar,
  type ReproduceSettings,
} from './context.js';

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Whether the first rows of `stored` are those of `fresh`, cell for cell (NaN equal to NaN). */
function sameLeadingRows(fresh: Table, stored: Table): boolean {
  if (stored.numRows < fresh.numRows) return false;
  for (const field of fresh.schema.fields) {
    const a = fresh.getChild(field.name);
    const b = stored.getChild(field.name);
    if (a === null || b === null) return false;
    for (let i = 0; i < fresh.numRows; i++) {
      const x: unknown = a.get(i);
      const y: unknown = b.get(i);
      if (!(Object.is(x, y) || x === y)) return false;
    }
  }
  return true;
}

export class ReproduceContext implements AnalysisContext {
  /** Chain·generations simulated by this process. */
  simulatedChainGenerations = 0;
  /** Chain·generations simulated to check read-back datasets (not counted above). */
  checkChainGenerations = 0;
  readonly datasets: string[] = [];
  readonly records: PointRecord[] = [];

  constructor(readonly settings: ReproduceSettings) {}

  chains(kind: EnsembleKind): number {
    return this.settings.chains ?? ENSEMBLE_SIZES[this.settings.full ? 'full' : 'small'][kind];
  }

  path(...parts: string[]): string {
    return join(this.settings.outDir, ...parts);
  }

  relative(path: string): string {
    return relative(this.settings.outDir, path);
  }

  /** The run's configuration for a point: the seed is "<seed>:<folder>:<point>", so every point has streams of its own. */
  specOf(plan: PointPlan): RunSpec {
    return pointSpec(plan, this.settings.seed, this.settings.backend, join(this.path('data', plan.folder), `${plan.point}.arrow`));
  }

  /**
   * Runs one point into data/<folder>/<point>.arrow and reads the table back — unless a
   * dataset of the same configuration (flags, seed, chains, tool version; and backend,
   * where one was named) is already there, complete with its sidecar: then it is read
   * back and not simulated again.
   */
  async run(plan: PointPlan): Promise<PointRun> {
    const spec = this.specOf(plan);
    const label = `${plan.folder}/${plan.point}`;
    const sidecarPath = join(this.path('data', plan.folder), `${plan.point}.run.json`);
    const reused = this.readBack(spec, sidecarPath);
    if (reused !== null) {
      const checked = Math.min(READ_BACK_CHECK_CHAINS, spec.chains);
      if (await this.sameAsThisBuild(spec, reused.run, checked)) {
        this.settings.log(
          `${label}: read back from an earlier run of the same configuration (${reused.sidecar.chainGenerations.toExponential(2)} chain·generations; its first ${checked} chains simulated again by this build, identical)`,
        );
        this.note(plan, spec, reused.sidecar.chainGenerations, reused.sidecar.seconds, reused.run.backend, true, reused.run);
        return reused.run;
      }
      this.settings.log(`${label}: the dataset there has the same configuration but its first ${checked} chains differ from this build's: simulated again`);
    }
    mkdirSync(this.path('data', plan.folder), { recursive: true });
    this.settings.onProgress?.(label, spec.chains, null);
    const result = await runSimulation(spec, {
      onProgress: (progress) => this.settings.onProgress?.(label, spec.chains, progress),
      signal: this.settings.signal,
    });
    this.settings.onProgress?.(label, spec.chains, { chainsDone: spec.chains, chainGenerations: result.simulatedChainGenerations });
    this.settings.log(
      `${label}: ${spec.chains} chains, ${result.simulatedChainGenerations.toExponential(2)} chain·generations in ${result.elapsedSeconds.toFixed(1)} s on ${result.backend}`,
    );
    const sidecar: PointSidecar = {
      tool: 'collapse-sim',
      configuration: resultConfiguration(spec),
      backend: result.backend,
      chainGenerations: result.simulatedChainGenerations,
      seconds: result.elapsedSeconds,
    };
    // Written after the datasets are in place: a sidecar vouches for complete files.
    const file = AtomicFile.create(sidecarPath, 'out-dir');
    file.write(new TextEncoder().encode(`${JSON.stringify(sidecar, null, 2)}\n`));
    file.commit();
    this.simulatedChainGenerations += result.simulatedChainGenerations;
    const run: PointRun = {
      spec,
      file: spec.out,
      trajectoriesFile: result.trajectoriesOut,
      backend: result.backend,
      table: readChainTable(spec.out).table,
      trajectories: result.trajectoriesOut === null ? null : readTrajectoryTable(result.trajectoriesOut),
    };
    this.note(plan, spec, result.simulatedChainGenerations, result.elapsedSeconds, result.backend, false, run);
    return run;
  }

  /**
   * Simulates the first `chains` chains of `spec` again, on the engine that made the stored
   * dataset (auto might choose another for fewer chains, and GPU engines in float32 are
   * not bit-identical to the CPU's), and compares them, trajectories included, with the
   * stored rows. An engine not available here, or any failure, counts as a difference.
   */
  private async sameAsThisBuild(spec: RunSpec, stored: PointRun, chains: number): Promise<boolean> {
    const directory = mkdtempSync(join(tmpdir(), 'collapse-sim-read-back-'));
    try {
      const check: RunSpec = {
        ...spec,
        chains,
        backend: stored.backend,
        out: join(directory, 'check.arrow'),
        trajectories: spec.trajectories === null ? null : { ...spec.trajectories, chains: Math.min(chains, spec.trajectories.chains), out: join(directory, 'check.trajectories.arrow') },
        shard: null,
      };
      const result = await runSimulation(check, { signal: this.settings.signal });
      this.checkChainGenerations += result.simulatedChainGenerations;
      if (!sameLeadingRows(readChainTable(check.out).table, stored.table)) return false;
      return result.trajectoriesOut === null || stored.trajectories === null || sameLeadingRows(readTrajectoryTable(result.trajectoriesOut), stored.trajectories);
    } catch (error) {
      if (this.settings.signal?.aborted === true) throw error;
      return false;
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }

  private note(plan: PointPlan, spec: RunSpec, chainGenerations: number, seconds: number, backend: string, reused: boolean, run: PointRun): void {
    this.records.push({ folder: plan.folder, point: plan.point, kind: plan.kind, chains: spec.chains, chainGenerations, seconds, backend, reused });
    this.datasets.push(this.relative(run.file));
    if (run.trajectoriesFile !== null) this.datasets.push(this.relative(run.trajectoriesFile));
  }

  /** The earlier run of this configuration, if its files and sidecar are there and agree with it. */
  private readBack(spec: RunSpec, sidecarPath: string): { run: PointRun; sidecar: PointSidecar } | null {
    if (!existsSync(sidecarPath) || !existsSync(spec.out)) return null;
    if (spec.trajectories !== null && !existsSync(spec.trajectories.out)) return null;
    try {
      const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as PointSidecar;
      const wanted = resultConfiguration(spec);
      if (sidecar.tool !== 'collapse-sim' || !sameJson(sidecar.configuration, wanted)) return null;
      const { table, provenance } = readChainTable(spec.out);
      if (!this.matches(provenance, wanted)) return null;
      const trajectories = spec.trajectories === null ? null : readTrajectoryTable(spec.trajectories.out);
      if (trajectories !== null) {
        const stored = provenanceOfTable(trajectories);
        if (stored === null || !this.matches(stored, wanted)) return null;
      }
      if (table.numRows !== spec.chains) return null;
      return { run: { spec, file: spec.out, trajectoriesFile: spec.trajectories?.out ?? null, backend: provenance.backend, table, trajectories }, sidecar };
    } catch {
      // Unreadable or foreign files are simulated again (and overwritten).
      return null;
    }
  }

  private matches(provenance: Provenance, wanted: Record<string, unknown>): boolean {
    if (this.settings.backend !== 'auto' && provenance.backend !== this.settings.backend) return false;
    return sameJson(resultConfiguration(provenance.config, provenance.version, streamVersionOf(provenance)), wanted);
  }

  captionLine(): string {
    return `collapse-sim reproduce${this.settings.full ? ' --full' : ''}, seed ${JSON.stringify(this.settings.seed)}, sufficient mode`;
  }

  async figure(name: string, spec: TopLevelSpec): Promise<string[]> {
    mkdirSync(this.path('figures'), { recursive: true });
    const { svg, png } = await writeSvgAndPng(this.path('figures', `${name}.svg`), 'out-dir', spec);
    return [this.relative(svg), this.relative(png)];
  }
}

/** A trajectories file's rows. */
export function readTrajectoryTable(path: string): Table {
  return tableFromIPC(readFileSync(path));
}

function provenanceOfTable(table: Table): Provenance | null {
  const text = table.schema.metadata.get('collapse_sim');
  return text === undefined ? null : (JSON.parse(text) as Provenance);
}
