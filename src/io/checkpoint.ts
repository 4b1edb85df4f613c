/**
 * Checkpoints (`run --checkpoint DIR`, `run --resume DIR`). Engines finish chains batch by
 * batch, in chain order, so at the end of each batch every chain of the run is in one of
 * two states: finished (its row is known) or not started. A checkpoint is therefore the
 * rows of the finished batches plus the chain to start from, and resuming replays those
 * rows and runs the rest: the output is the uninterrupted run's, byte for byte.
 *
 * On disk: one Arrow file per finished batch (rows-<first chain>.arrow, and
 * trajectories-<first chain>.arrow when the run records trajectories), each written to a
 * temporary name, fsynced and renamed; then checkpoint.json, the same way, which alone
 * says what is done. A crash between the two leaves a batch file the JSON does not list:
 * it is ignored and rewritten on resume.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import type { ChainBatch } from '../engine/batch.js';
import { emptyChainColumns } from '../engine/batch.js';
import type { FamilyModel } from '../families/family.js';
import { UsageError } from '../spec/errors.js';
import { chainRangeOf, type RunSpec } from '../spec/run-spec.js';
import { TOOL_VERSION } from '../version.js';
import { AtomicFile } from './atomic-file.js';
import { ArrowFileWriter } from './arrow-writer.js';
import type { Provenance } from './provenance.js';
import { chainRecordBatch, chainSchema, copyChainRows, trajectoryRecordBatch, trajectoryRowsFromTable, trajectorySchema } from './tables.js';

const STATE_FILE = 'checkpoint.json';
const FORMAT = 1;

export interface CheckpointBatch {
  readonly firstChain: number;
  readonly count: number;
  readonly chainGenerations: number;
  /** Whether a trajectories-<first>.arrow file holds this batch's trajectory rows. */
  readonly trajectories: boolean;
}

export interface CheckpointState {
  readonly tool: 'collapse-sim';
  readonly format: number;
  readonly version: string;
  /** The run as resolved, with --backend auto replaced by the backend that ran. */
  readonly spec: RunSpec;
  readonly device: string;
  /** Where the outputs go, absolute (a resume may start in another directory). */
  readonly outPath: string;
  readonly trajectoriesOutPath: string | null;
  /** Finished batches, in chain order; the next batch starts where the last ends. */
  readonly batches: readonly CheckpointBatch[];
}

function fsyncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every file system lets a directory be fsynced; the renames are still atomic.
  }
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  const file = AtomicFile.create(path, 'checkpoint');
  file.write(bytes);
  file.commit();
}

export class Checkpoint {
  private constructor(
    readonly directory: string,
    private state: CheckpointState,
  ) {}

  get spec(): RunSpec {
    return this.state.spec;
  }

  get outPath(): string {
    return this.state.outPath;
  }

  get trajectoriesOutPath(): string | null {
    return this.state.trajectoriesOutPath;
  }

  get device(): string {
    return this.state.device;
  }

  get batches(): readonly CheckpointBatch[] {
    return this.state.batches;
  }

  /** The first chain no finished batch covers. */
  get nextChain(): number {
    const last = this.state.batches[this.state.batches.length - 1];
    return last === undefined ? chainRangeOf(this.state.spec).first : last.firstChain + last.count;
  }

  /** Checks DIR can hold a new checkpoint (before anything runs): creatable, and not holding another run's. */
  static prepare(directory: string): void {
    if (existsSync(join(directory, STATE_FILE))) {
      throw new UsageError(`--checkpoint ${directory} already holds a checkpoint: resume it with --resume ${directory}, or choose another directory`);
    }
    try {
      mkdirSync(directory, { recursive: true });
    } catch (error) {
      throw new UsageError(`--checkpoint ${directory}: cannot create it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (!statSync(directory).isDirectory()) throw new UsageError(`--checkpoint ${directory} is not a directory`);
  }

  /** Starts a checkpoint for a run about to begin on `spec` (backend resolved). */
  static create(directory: string, spec: RunSpec, device: string): Checkpoint {
    Checkpoint.prepare(directory);
    const checkpoint = new Checkpoint(directory, {
      tool: 'collapse-sim',
      format: FORMAT,
      version: TOOL_VERSION,
      spec,
      device,
      outPath: resolve(spec.out),
      trajectoriesOutPath: spec.trajectories === null ? null : resolve(spec.trajectories.out),
      batches: [],
    });
    checkpoint.saveState();
    return checkpoint;
  }

  /** Opens a checkpoint to resume, or says clearly why it cannot be. */
  static open(directory: string): Checkpoint {
    const path = join(directory, STATE_FILE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`--resume ${directory}: no checkpoint there (${(error as NodeJS.ErrnoException).code ?? String(error)} on ${STATE_FILE})`);
    }
    let state: CheckpointState;
    try {
      state = JSON.parse(text) as CheckpointState;
    } catch {
      throw new UsageError(`--resume ${directory}: ${STATE_FILE} is not valid JSON (damaged checkpoint)`);
    }
    if (state?.tool !== 'collapse-sim' || state.format !== FORMAT || typeof state.spec !== 'object' || !Array.isArray(state.batches)) {
      throw new UsageError(`--resume ${directory}: ${STATE_FILE} is not a collapse-sim checkpoint (format ${FORMAT})`);
    }
    if (state.version !== TOOL_VERSION) {
      throw new UsageError(`--resume ${directory}: the checkpoint was written by collapse-sim ${state.version}, this is ${TOOL_VERSION}; resume it with that version`);
    }
    const checkpoint = new Checkpoint(directory, state);
    for (const batch of state.batches) {
      if (!existsSync(checkpoint.rowsPath(batch.firstChain))) throw new UsageError(`--resume ${directory}: ${checkpoint.rowsPath(batch.firstChain)} is missing (damaged checkpoint)`);
    }
    return checkpoint;
  }

  private rowsPath(firstChain: number): string {
    return join(this.directory, `rows-${firstChain}.arrow`);
  }

  private trajectoriesPath(firstChain: number): string {
    return join(this.directory, `trajectories-${firstChain}.arrow`);
  }

  private saveState(): void {
    writeAtomically(join(this.directory, STATE_FILE), new TextEncoder().encode(JSON.stringify(this.state) + '\n'));
    fsyncDirectory(this.directory);
  }

  /** Saves a finished batch: its rows first, then the state that lists it. */
  saveBatch(batch: ChainBatch, model: FamilyModel, provenance: Provenance): void {
    if (batch.firstChain !== this.nextChain) throw new Error(`checkpoint: batch at chain ${batch.firstChain}, expected ${this.nextChain}`);
    const rows = new ArrowFileWriter(AtomicFile.create(this.rowsPath(batch.firstChain), 'checkpoint'), chainSchema(model, provenance));
    rows.write(chainRecordBatch(rows.schema, model, batch));
    rows.commit();
    const trajectories = batch.trajectory !== null && batch.trajectory.length > 0;
    if (trajectories) {
      const writer = new ArrowFileWriter(AtomicFile.create(this.trajectoriesPath(batch.firstChain), 'checkpoint'), trajectorySchema(model, provenance));
      writer.write(trajectoryRecordBatch(writer.schema, model, batch.trajectory!));
      writer.commit();
    }
    this.state = {
      ...this.state,
      batches: [...this.state.batches, { firstChain: batch.firstChain, count: batch.count, chainGenerations: batch.chainGenerations, trajectories }],
    };
    this.saveState();
  }

  /** The finished batches, read back as the engine yielded them. */
  *replay(model: FamilyModel): Generator<ChainBatch> {
    for (const saved of this.state.batches) {
      const table = this.readTable(this.rowsPath(saved.firstChain));
      if (table.numRows !== saved.count) throw new UsageError(`--resume ${this.directory}: ${this.rowsPath(saved.firstChain)} holds ${table.numRows} rows, not ${saved.count} (damaged checkpoint)`);
      const columns = emptyChainColumns(model, saved.count);
      copyChainRows(table, model, 0, saved.count, columns, 0, this.rowsPath(saved.firstChain));
      const trajectory = saved.trajectories ? trajectoryRowsFromTable(this.readTable(this.trajectoriesPath(saved.firstChain)), model, this.trajectoriesPath(saved.firstChain)) : null;
      yield { firstChain: saved.firstChain, count: saved.count, ...columns, chainGenerations: saved.chainGenerations, trajectory };
    }
  }

  private readTable(path: string): Table {
    try {
      return tableFromIPC(readFileSync(path));
    } catch (error) {
      throw new UsageError(`--resume ${this.directory}: ${path} cannot be read (${(error as Error).message.split('\n')[0]}; damaged checkpoint)`);
    }
  }

  /** After the outputs are in place: removes the checkpoint's files (and DIR, if that leaves it empty). */
  remove(): void {
    for (const name of readdirSync(this.directory)) {
      // Ours: the state, the batch files, and temporary files a killed run left behind.
      if (name === STATE_FILE || /^\.?(rows-\d+\.arrow|trajectories-\d+\.arrow|checkpoint\.json)(\..*\.partial)?$/.test(name)) unlinkSync(join(this.directory, name));
    }
    try {
      rmdirSync(this.directory);
    } catch {
      // Other files of the user's are there: leave the directory.
    }
  }
}
