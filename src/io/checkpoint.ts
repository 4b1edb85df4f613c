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
 * it is rewritten on resume (after checking it is this run's).
 *
 * A checkpoint is verified, not trusted. checkpoint.json carries a SHA-256 digest of
 * itself and of every batch file; on resume the configuration is validated as flags are
 * (spec/stored.ts), the batches must run contiguously from the run's first chain at its
 * batch size, and each batch file must have its digest, this run's provenance and exactly
 * its chains. Anything else is "damaged checkpoint: …", exit 2. And the directory is the
 * user's: a checkpoint removes only the files its manifest lists with the digests it
 * wrote, and refuses a directory already holding names it would write.
 */
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ChainBatch } from '../engine/batch.js';
import { emptyChainColumns } from '../engine/batch.js';
import type { FamilyModel } from '../families/family.js';
import { UsageError } from '../spec/errors.js';
import { chainRangeOf, type RunSpec } from '../spec/run-spec.js';
import { storedRunSpec } from '../spec/stored.js';
import { TOOL_VERSION } from '../version.js';
import { machineDescription, type MachineDescription } from '../environment.js';
import { AtomicFile } from './atomic-file.js';
import { ArrowFileWriter } from './arrow-writer.js';
import { describeErrno, fileIdentity, isReadOnlyError } from './output-path.js';
import type { Provenance } from './provenance.js';
import { readTableBytes, verifyRunTable } from './read-table.js';
import { chainRecordBatch, chainSchema, copyChainRows, trajectoryRecordBatch, trajectoryRowsFromTable, trajectorySchema } from './tables.js';

const STATE_FILE = 'checkpoint.json';
/** 3 since checkpoint.json records the machine (2 did not). */
const FORMAT = 3;
/** The names a checkpoint writes in its directory (batch files and the state). */
const OWN_NAME = /^(?:(?:rows|trajectories)-\d+\.arrow|checkpoint\.json)$/;
/** The temporary files AtomicFile writes for those names. */
const OWN_PARTIAL = /^\.((?:rows|trajectories)-\d+\.arrow|checkpoint\.json)\.(\d+)\.[0-9a-f]{8}\.partial$/;
/** Largest checkpoint.json read (a run of 2^32 chains at batch size 1 would not fit; nothing real comes close). */
const MAX_STATE_BYTES = 256 * 1024 * 1024;

export interface CheckpointBatch {
  readonly firstChain: number;
  readonly count: number;
  readonly chainGenerations: number;
  /** Whether a trajectories-<first>.arrow file holds this batch's trajectory rows. */
  readonly trajectories: boolean;
  /** SHA-256 (hex) of rows-<first>.arrow and of trajectories-<first>.arrow (or null). */
  readonly rowsDigest: string;
  readonly trajectoriesDigest: string | null;
}

interface CheckpointContent {
  readonly tool: 'collapse-sim';
  readonly format: number;
  readonly version: string;
  /** The run as resolved, with --backend auto replaced by the backend that ran. */
  readonly spec: RunSpec;
  readonly device: string;
  /** The machine the run started on (environment.ts). */
  readonly machine: MachineDescription;
  /** Where the outputs go, absolute (a resume may start in another directory). */
  readonly outPath: string;
  readonly trajectoriesOutPath: string | null;
  /** Finished batches, in chain order; the next batch starts where the last ends. */
  readonly batches: readonly CheckpointBatch[];
}

export interface CheckpointState extends CheckpointContent {
  /** SHA-256 (hex) of the canonical JSON of everything else. */
  readonly digest: string;
}

/** JSON with object keys sorted at every level: equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function digestOf(content: CheckpointContent): string {
  return sha256(canonicalJson(content));
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

/** "damaged checkpoint: …" under the flag that named the directory. */
function damaged(flag: string, directory: string, reason: string): UsageError {
  return new UsageError(`--${flag} ${directory}: damaged checkpoint: ${reason}`);
}

/** Checks DIR is writable, or says it is read-only. */
function assertWritable(flag: string, directory: string, why: string): void {
  try {
    accessSync(directory, constants.W_OK);
  } catch (error) {
    if (isReadOnlyError(error)) throw new UsageError(`--${flag} ${directory} is read-only (${describeErrno(error)}): ${why}`);
    throw new UsageError(`--${flag} ${directory}: cannot write there (${describeErrno(error)})`);
  }
}

function isHexDigest(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

export class Checkpoint {
  private constructor(
    readonly directory: string,
    private state: CheckpointState,
    /** The flag that named the directory, for messages: checkpoint (a new one) or resume. */
    private readonly flag: 'checkpoint' | 'resume',
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

  /**
   * Checks DIR can hold a new checkpoint (before anything runs): creatable and writable,
   * holding no other run's checkpoint and no file of a name the checkpoint would write,
   * and not where `outputs` (the run's --out, --trajectories-out) would be one of those names.
   */
  static prepare(directory: string, outputs: readonly string[] = []): void {
    if (existsSync(join(directory, STATE_FILE))) {
      throw new UsageError(`--checkpoint ${directory} already holds a checkpoint: resume it with --resume ${directory}, or choose another directory`);
    }
    try {
      mkdirSync(directory, { recursive: true });
    } catch (error) {
      if (isReadOnlyError(error)) throw new UsageError(`--checkpoint ${directory}: cannot create it, the location is read-only (${describeErrno(error)})`);
      throw new UsageError(`--checkpoint ${directory}: cannot create it (${describeErrno(error)})`);
    }
    if (!statSync(directory).isDirectory()) throw new UsageError(`--checkpoint ${directory} is not a directory`);
    assertWritable('checkpoint', directory, 'the checkpoint is saved there after every batch; choose a writable directory');
    const taken = readdirSync(directory).filter((name) => OWN_NAME.test(name)).sort();
    if (taken.length > 0) {
      throw new UsageError(`--checkpoint ${directory} already holds ${taken[0]}${taken.length > 1 ? ` (and ${taken.length - 1} more)` : ''}, a name the checkpoint writes: choose an empty or new directory`);
    }
    const here = fileIdentity(directory);
    for (const output of outputs) {
      if (OWN_NAME.test(basename(output)) && fileIdentity(dirname(resolve(output))) === here) {
        throw new UsageError(`--out ${output} is a name the checkpoint in ${directory} writes and removes: choose another name or directory`);
      }
    }
  }

  /** Starts a checkpoint for a run about to begin on `spec` (backend resolved). */
  static create(directory: string, spec: RunSpec, device: string): Checkpoint {
    const outputs = [spec.out, ...(spec.trajectories === null ? [] : [spec.trajectories.out])];
    Checkpoint.prepare(directory, outputs);
    const content: CheckpointContent = {
      tool: 'collapse-sim',
      format: FORMAT,
      version: TOOL_VERSION,
      spec,
      device,
      machine: machineDescription(),
      outPath: resolve(spec.out),
      trajectoriesOutPath: spec.trajectories === null ? null : resolve(spec.trajectories.out),
      batches: [],
    };
    const checkpoint = new Checkpoint(directory, { ...content, digest: digestOf(content) }, 'checkpoint');
    checkpoint.saveState();
    return checkpoint;
  }

  /**
   * The run a checkpoint holds (`run --from DIR` runs it again from its start): its
   * checkpoint.json read and verified as a resume verifies it, not its batch files.
   */
  static readSpec(directory: string, flag = 'from'): { spec: RunSpec; version: string; device: string } {
    const { spec, state } = Checkpoint.readState(directory, flag);
    return { spec, version: state.version, device: state.device };
  }

  /** checkpoint.json of DIR, verified: digest, tool version, configuration, outputs. */
  private static readState(directory: string, flag: string): { state: CheckpointState; spec: RunSpec } {
    const path = join(directory, STATE_FILE);
    let text: string;
    try {
      const stats = statSync(path);
      if (!stats.isFile()) throw damaged(flag, directory, `${STATE_FILE} is not a regular file`);
      if (stats.size > MAX_STATE_BYTES) throw damaged(flag, directory, `${STATE_FILE} is larger than any checkpoint collapse-sim writes`);
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`--${flag} ${directory}: no checkpoint there (${code} on ${STATE_FILE})`);
      throw new UsageError(`--${flag} ${directory}: cannot read ${STATE_FILE} (${describeErrno(error)})`);
    }
    let state: CheckpointState;
    try {
      state = JSON.parse(text) as CheckpointState;
    } catch {
      throw damaged(flag, directory, `${STATE_FILE} is not valid JSON`);
    }
    if (state === null || typeof state !== 'object' || state.tool !== 'collapse-sim') {
      throw new UsageError(`--${flag} ${directory}: ${STATE_FILE} is not a collapse-sim checkpoint`);
    }
    if (state.format !== FORMAT) throw new UsageError(`--${flag} ${directory}: ${STATE_FILE} is checkpoint format ${JSON.stringify(state.format)}; this collapse-sim reads format ${FORMAT}`);
    if (state.version !== TOOL_VERSION) {
      throw new UsageError(`--${flag} ${directory}: the checkpoint was written by collapse-sim ${String(state.version)}, this is ${TOOL_VERSION}; ${flag === 'resume' ? 'resume' : 'run'} it with that version`);
    }
    const { digest, ...content } = state;
    if (digest !== digestOf(content)) throw damaged(flag, directory, `${STATE_FILE} was changed after collapse-sim wrote it (its digest does not match its contents)`);
    let spec: RunSpec;
    try {
      spec = storedRunSpec(state.spec, 'its configuration');
    } catch (error) {
      throw damaged(flag, directory, (error as Error).message);
    }
    if (state.machine === null || typeof state.machine !== 'object' || Array.isArray(state.machine)) throw damaged(flag, directory, 'the machine it ran on is missing');
    if (typeof state.device !== 'string' || typeof state.outPath !== 'string' || !isAbsolute(state.outPath)) {
      throw damaged(flag, directory, 'the device or the absolute output path is missing');
    }
    if ((state.trajectoriesOutPath === null) !== (spec.trajectories === null) || (state.trajectoriesOutPath !== null && (typeof state.trajectoriesOutPath !== 'string' || !isAbsolute(state.trajectoriesOutPath)))) {
      throw damaged(flag, directory, 'the trajectories output does not match the configuration');
    }
    return { state, spec };
  }

  /** Opens a checkpoint to resume, verified (see the module comment), or says clearly why it cannot be. */
  static open(directory: string): Checkpoint {
    const { state, spec } = Checkpoint.readState(directory, 'resume');
    if (!Array.isArray(state.batches)) throw damaged('resume', directory, 'the list of batches is missing');
    const range = chainRangeOf(spec);
    let expected = range.first;
    state.batches.forEach((batch, index) => {
      if (batch === null || typeof batch !== 'object') throw damaged('resume', directory, `batch ${index} is not a record`);
      if (batch.firstChain !== expected) {
        throw damaged('resume', directory, `batch ${index} starts at chain ${JSON.stringify(batch.firstChain)}, not ${expected}: a batch is missing, repeated or out of order`);
      }
      if (expected >= range.end) throw damaged('resume', directory, `batch ${index} starts at chain ${expected}, past the run's last chain ${range.end - 1}`);
      const count = Math.min(spec.batchSize, range.end - expected);
      if (batch.count !== count) throw damaged('resume', directory, `batch ${index} claims ${JSON.stringify(batch.count)} chains; a batch at chain ${expected} holds ${count}`);
      if (!Number.isSafeInteger(batch.chainGenerations) || batch.chainGenerations < 0 || batch.chainGenerations > count * spec.generations) {
        throw damaged('resume', directory, `batch ${index} claims ${JSON.stringify(batch.chainGenerations)} chain·generations, impossible for ${count} chains of ${spec.generations} generations`);
      }
      const recordsTrajectories = spec.trajectories !== null && expected < spec.trajectories.chains;
      if (batch.trajectories !== recordsTrajectories) throw damaged('resume', directory, `batch ${index} ${batch.trajectories ? 'lists' : 'lacks'} a trajectories file, which its run ${recordsTrajectories ? 'records' : 'does not record'}`);
      if (!isHexDigest(batch.rowsDigest) || (batch.trajectories ? !isHexDigest(batch.trajectoriesDigest) : batch.trajectoriesDigest !== null)) {
        throw damaged('resume', directory, `batch ${index} has no valid SHA-256 digest of its files`);
      }
      expected += count;
    });
    const checkpoint = new Checkpoint(directory, { ...state, spec }, 'resume');
    for (const batch of state.batches) {
      for (const file of [checkpoint.rowsPath(batch.firstChain), ...(batch.trajectories ? [checkpoint.trajectoriesPath(batch.firstChain)] : [])]) {
        if (!existsSync(file)) throw damaged('resume', directory, `${basename(file)} is missing`);
      }
    }
    assertWritable('resume', directory, 'a resumed run saves its batches in its checkpoint; copy the checkpoint somewhere writable and resume the copy');
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

  /**
   * A batch file the state does not list may be in the way of a batch about to be saved:
   * the trace of a crash between the file and the state. It is replaced only if it is
   * this run's (its provenance and chains say so); anything else is the user's and stops the run.
   */
  private clearUnlisted(path: string, kind: 'chains' | 'trajectories', first: number, count: number): void {
    if (!existsSync(path)) return;
    try {
      const { spec } = verifyRunTable(path, readTableBytes(path), { kind, range: { first, end: first + count }, what: path });
      if (canonicalJson(spec) === canonicalJson(this.state.spec)) return;
    } catch {
      // Not a table of this run: refused below.
    }
    throw damaged(this.flag, this.directory, `${basename(path)} is there but not listed, and is not this run's: move it away to go on`);
  }

  /** Writes one Arrow file of a batch and returns its SHA-256. */
  private static writeBatchFile(path: string, schema: Schema, batch: RecordBatch): string {
    const file = AtomicFile.create(path, 'checkpoint', { digest: true });
    ArrowFileWriter.writeFile(file, schema, [batch]);
    return file.digest;
  }

  /** Saves a finished batch: its rows first, then the state that lists it. */
  saveBatch(batch: ChainBatch, model: FamilyModel, provenance: Provenance): void {
    if (batch.firstChain !== this.nextChain) throw new Error(`checkpoint: batch at chain ${batch.firstChain}, expected ${this.nextChain}`);
    const rowsPath = this.rowsPath(batch.firstChain);
    const trajectoriesPath = this.trajectoriesPath(batch.firstChain);
    this.clearUnlisted(rowsPath, 'chains', batch.firstChain, batch.count);
    const rowsSchema = chainSchema(model, provenance);
    const rowsDigest = Checkpoint.writeBatchFile(rowsPath, rowsSchema, chainRecordBatch(rowsSchema, model, batch));
    const trajectories = batch.trajectory !== null && batch.trajectory.length > 0;
    let trajectoriesDigest: string | null = null;
    if (trajectories) {
      this.clearUnlisted(trajectoriesPath, 'trajectories', batch.firstChain, batch.count);
      const schema = trajectorySchema(model, provenance);
      trajectoriesDigest = Checkpoint.writeBatchFile(trajectoriesPath, schema, trajectoryRecordBatch(schema, model, batch.trajectory!));
    }
    const { digest: _digest, ...content } = this.state;
    const next: CheckpointContent = {
      ...content,
      batches: [...content.batches, { firstChain: batch.firstChain, count: batch.count, chainGenerations: batch.chainGenerations, trajectories, rowsDigest, trajectoriesDigest }],
    };
    this.state = { ...next, digest: digestOf(next) };
    this.saveState();
  }

  /** Reads a batch file, checks its digest, its provenance and its chains. */
  private readBatchFile(path: string, digest: string, kind: 'chains' | 'trajectories', first: number, count: number) {
    const name = basename(path);
    let bytes: Buffer;
    try {
      bytes = readTableBytes(path, name);
    } catch (error) {
      throw damaged(this.flag, this.directory, (error as Error).message);
    }
    if (sha256(bytes) !== digest) throw damaged(this.flag, this.directory, `${name} is not the file this checkpoint wrote (its SHA-256 differs)`);
    let table;
    try {
      table = verifyRunTable(path, bytes, { kind, range: { first, end: first + count }, what: name });
    } catch (error) {
      throw damaged(this.flag, this.directory, (error as Error).message);
    }
    if (canonicalJson(table.spec) !== canonicalJson(this.state.spec)) throw damaged(this.flag, this.directory, `${name} is from another run (its provenance holds another configuration)`);
    // The first batch is always written by the process that started the checkpoint: its device is the state's.
    if (first === chainRangeOf(this.state.spec).first && table.provenance.device !== this.state.device) {
      throw damaged(this.flag, this.directory, `${STATE_FILE} names the device ${JSON.stringify(this.state.device)}, its first batch file ${JSON.stringify(table.provenance.device)}`);
    }
    return table.table;
  }

  /** The finished batches, read back (verified) as the engine yielded them. */
  *replay(model: FamilyModel): Generator<ChainBatch> {
    for (const saved of this.state.batches) {
      const table = this.readBatchFile(this.rowsPath(saved.firstChain), saved.rowsDigest, 'chains', saved.firstChain, saved.count);
      const columns = emptyChainColumns(model, saved.count);
      copyChainRows(table, model, 0, saved.count, columns, 0, this.rowsPath(saved.firstChain), this.state.spec.generations);
      const trajectory = saved.trajectories
        ? trajectoryRowsFromTable(
            this.readBatchFile(this.trajectoriesPath(saved.firstChain), saved.trajectoriesDigest!, 'trajectories', saved.firstChain, saved.count),
            model,
            this.trajectoriesPath(saved.firstChain),
          )
        : null;
      yield { firstChain: saved.firstChain, count: saved.count, ...columns, chainGenerations: saved.chainGenerations, trajectory };
    }
  }

  /**
   * After the outputs are in place: removes what this checkpoint can prove it wrote — the
   * batch files its manifest lists, still with the digests it wrote, its state, and the
   * temporary files of those names that dead processes left — then DIR if that leaves it
   * empty. Anything else in DIR is the user's and stays.
   */
  remove(): void {
    const owned = new Map<string, string | null>([[STATE_FILE, null]]);
    for (const batch of this.state.batches) {
      owned.set(basename(this.rowsPath(batch.firstChain)), batch.rowsDigest);
      if (batch.trajectoriesDigest !== null) owned.set(basename(this.trajectoriesPath(batch.firstChain)), batch.trajectoriesDigest);
    }
    let names: string[] = [];
    try {
      names = readdirSync(this.directory);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.directory, name);
      const partial = OWN_PARTIAL.exec(name);
      let ours = false;
      if (owned.has(name)) {
        const digest = owned.get(name)!;
        try {
          ours = lstatSync(path).isFile() && (digest === null || sha256(readFileSync(path)) === digest);
        } catch {
          ours = false;
        }
      } else if (partial !== null && (owned.has(partial[1]) || /^(rows|trajectories)-\d+\.arrow$/.test(partial[1]))) {
        const pid = Number(partial[2]);
        ours = pid === process.pid || !processAlive(pid);
      }
      if (!ours) continue;
      try {
        unlinkSync(path);
      } catch {
        // gone already
      }
    }
    try {
      rmdirSync(this.directory);
    } catch {
      // Other files of the user's are there: leave the directory.
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
