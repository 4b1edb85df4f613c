/**
 * docs/cluster.md's Slurm scripts, run as they are written on a live single-node Slurm
 * (./local-slurm.ts: Debian's slurm-wlm and munge, private to this test, stopped in
 * afterAll), with faults injected, each with the outcome the doc promises:
 *
 * - the array and its dependent merge, one task preempted (scontrol requeue: SIGTERM)
 *   mid-run: it resumes from its checkpoint, and the merged file is the unsharded run's,
 *   byte for byte; a merge started on a truncated shard refuses, names it, writes nothing;
 * - one task killed (scancel --signal=KILL) mid-run: a merge without it refuses, naming the
 *   missing shard, and writes nothing; the doc's rerun block reruns it alone and merges:
 *   the unsharded run, byte for byte;
 * - a full disk (a small tmpfs as shards/) under a task: it fails with one line, leaves no
 *   partial file, and rerun with space it writes the same shard;
 * - two runs given one --out at once: the file is one of them, whole;
 * - the sweep script as a Slurm array, and its dependent assembly.
 *
 * The blocks are taken from the doc (./cluster-doc.ts) and submitted verbatim; the only
 * things the test chooses are the environment variables the doc offers for trying the
 * scripts small (CHAINS, BATCH_SIZE) and `collapse-sim` on PATH (the built CLI, as npm link
 * puts it there). Skipped with the reason where Slurm is absent, unless
 * COLLAPSE_SIM_REQUIRE_BACKENDS names `slurm` (CI does): then the absence fails.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_BACKENDS } from '../gpu/backends-under-test.js';
import { changedEntries, snapshotDirectory, temporaryDirectory } from '../helpers.js';
import { docBlocks, joinedLines, wrappedCommand } from './cluster-doc.js';
import { LocalSlurm, slurmAbsence, tmpfsAbsence, type JobRecord } from './local-slurm.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const required = REQUIRED_BACKENDS.has('slurm');
const absent = slurmAbsence();
if (absent !== null && !required) console.warn(`tests/cluster/slurm.test.ts skipped: ${absent}`);

/**
 * The doc's scripts, small: 16 shards of 1000 chains, checkpointed every 50 (20 batches a
 * task, so that a signal can land between two). The doc offers these variables for this.
 */
const SMALL = { CHAINS: '16000', BATCH_SIZE: '50' };
/** The run the array shards, as one process: the script's flags with SMALL's values. */
const UNSHARDED = ['--family', 'bernoulli', '--samples', '100', '--p0', '0.5', '--chains', SMALL.CHAINS, '--seed', '2026', '--backend', 'cpu', '--batch-size', SMALL.BATCH_SIZE, '--quiet'];
/** The sweep's tasks, small: 100 chains a point. */
const SWEEP_SMALL = { CHAINS: '100' };
const SWEEP = ['--family', 'bernoulli', '--p0', '0.5', '--generations', '1000', '--chains', SWEEP_SMALL.CHAINS, '--grid', 'samples=10,20,50,100,200', '--grid', 'ground-truth=0,1,2,5', '--out-dir', 'sweep-mk', '--quiet'];

const [slurmScript, submitBlock, rerunBlock] = docBlocks('Slurm', 'bash');
const [sweepScript, sweepSubmitBlock] = docBlocks('A sweep as a Slurm array', 'bash');

/** Whether a job has ended, however. */
const finished = (job: JobRecord): boolean => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED'].includes(job.state);

describe('docs/cluster.md', () => {
  it('has the blocks this test runs: the sbatch script, its submission, the rerun; the sweep script and its submission', () => {
    expect(slurmScript.startsWith('#!/bin/bash\n')).toBe(true);
    expect(submitBlock).toMatch(/sbatch --parsable collapse\.sbatch/);
    expect(rerunBlock).toMatch(/sbatch --parsable --array=7 collapse\.sbatch/);
    expect(wrappedCommand(rerunBlock)).toBe(wrappedCommand(submitBlock));
    expect(sweepScript.startsWith('#!/bin/bash\n')).toBe(true);
    expect(sweepSubmitBlock).toMatch(/sbatch --parsable sweep-mk\.sbatch/);
    // The flags the unsharded references below are run with are the scripts' flags.
    const run = joinedLines(slurmScript).find((line) => line.startsWith('exec collapse-sim run --family'))!;
    expect(run).toContain('--family bernoulli --samples 100 --p0 0.5 --chains "${CHAINS:-10000000}" --seed 2026 --backend cpu --batch-size "${BATCH_SIZE:-65536}" --quiet');
    const sweep = joinedLines(sweepScript).find((line) => line.startsWith('collapse-sim sweep'))!;
    expect(sweep).toContain('collapse-sim sweep --family bernoulli --p0 0.5 --generations 1000 --chains "${CHAINS:-2000}" --grid samples=10,20,50,100,200 --grid ground-truth=0,1,2,5 --out-dir sweep-mk --quiet --shard "$SLURM_ARRAY_TASK_ID/8"');
    expect(wrappedCommand(sweepSubmitBlock)).toBe(sweep.replace(/ --shard \S+$/, ''));
  });
});

describe.runIf(absent === null || required)('the Slurm path on a live Slurm, with faults', () => {
  const [directory, removeDirectory] = temporaryDirectory();
  const bin = join(directory, 'bin');
  let slurm: LocalSlurm;
  let version = '';
  let tmpfs: string | null = null;

  /** A fresh working directory for one scenario, holding the doc's scripts and logs/ (which the doc's submission makes). */
  function workdir(name: string): string {
    const path = join(directory, name);
    mkdirSync(join(path, 'logs'), { recursive: true });
    writeFileSync(join(path, 'collapse.sbatch'), slurmScript);
    writeFileSync(join(path, 'sweep-mk.sbatch'), sweepScript);
    return path;
  }

  /** Runs a doc block with bash in `cwd`; returns the job ids it echoes ("array 12, merge 13"). */
  function runBlock(block: string, cwd: string, env: Record<string, string>): Record<string, string> {
    const result = spawnSync('bash', ['-c', block], { cwd, env: slurm.env(env, bin), encoding: 'utf8' });
    expect(result.status, `${block}\n${result.stderr}`).toBe(0);
    return Object.fromEntries([...result.stdout.matchAll(/(\w+) (\d+)/g)].map((match) => [match[1], match[2]]));
  }

  function sbatch(args: string[], cwd: string, env: Record<string, string> = {}): string {
    const result = slurm.client('sbatch', ['--parsable', ...args], cwd, { ...env, PATH: `${bin}:${process.env['PATH'] ?? ''}` });
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim();
  }

  /** The unsharded run in its own directory with the name the merge is given. */
  function unsharded(args: string[], name: string): Buffer {
    const cwd = join(directory, `reference-${name.replace(/\W/g, '-')}`);
    mkdirSync(cwd, { recursive: true });
    const result = spawnSync(process.execPath, [CLI, 'run', ...args, '--out', name], { cwd, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return readFileSync(join(cwd, name));
  }

  /** The number of chains a task's checkpoint holds (0 before its first batch). */
  function checkpointed(cwd: string, task: number): number {
    try {
      const state = JSON.parse(readFileSync(join(cwd, `checkpoints/task-${task}/checkpoint.json`), 'utf8')) as { batches: { count: number }[] };
      return state.batches.reduce((sum, batch) => sum + batch.count, 0);
    } catch {
      return 0;
    }
  }

  async function until(what: string, condition: () => boolean, ms = 120_000, every = 20): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, every));
    }
  }

  /** The lines of a job's log, without blank ones. */
  const logLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);

  let reference: Buffer;
  let preempted: string;

  beforeAll(async () => {
    if (absent !== null) throw new Error(`Slurm is required (COLLAPSE_SIM_REQUIRE_BACKENDS names slurm): ${absent}`);
    mkdirSync(bin);
    // collapse-sim on PATH, as `npm link` would put it: the built CLI on this Node.
    writeFileSync(join(bin, 'collapse-sim'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
    tmpfs = tmpfsAbsence(join(directory, 'mount-probe'));
    slurm = await LocalSlurm.start(join(directory, 'slurm'));
    version = slurm.client('sinfo', ['--version']).stdout.trim();
    console.info(`tests/cluster/slurm.test.ts: ${version} on localhost${tmpfs === null ? '' : `; the full-disk case is skipped: ${tmpfs}`}`);
    reference = unsharded(UNSHARDED, 'collapse-times.arrow');
  });

  afterAll(async () => {
    const strays = slurm === undefined ? [] : await slurm.stop();
    const left = slurm === undefined ? [] : slurm.ownProcesses();
    removeDirectory();
    // Everything this test started had stopped when its daemons were stopped.
    expect(strays, 'processes still running after the daemons stopped (killed now)').toEqual([]);
    expect(left, 'processes that survived SIGKILL').toEqual([]);
  });

  it('the array and its merge as the doc submits them, one task preempted mid-run: it resumes, and the merge is the unsharded run byte for byte', async () => {
    const cwd = workdir('preempted');
    const { array, merge } = runBlock(submitBlock, cwd, SMALL);
    expect(array).toMatch(/^\d+$/);
    expect(merge).toMatch(/^\d+$/);
    preempted = cwd;
    expect(version).toMatch(/^slurm(-wlm)? \d+\.\d+\.\d+/);
    // Task 5, once its checkpoint holds a batch and before it has finished: scontrol requeue
    // sends it SIGTERM (as a preemption with PreemptMode=REQUEUE does) and queues it again.
    await until('task 5 to checkpoint a batch', () => checkpointed(cwd, 5) > 0);
    const requeue = slurm.client('scontrol', ['requeue', `${array}_5`]);
    expect(requeue.code, requeue.stderr).toBe(0);
    // Slurm holds a requeued job for two minutes (its begin time); an administrator may start it now.
    await slurm.waitFor(`${array}_5`, (job) => job.state === 'PENDING' && job.restarts === 1, 60_000);
    const now = slurm.client('scontrol', ['update', `jobid=${array}_5`, 'StartTime=now']);
    expect(now.code, now.stderr).toBe(0);
    const merged = await slurm.waitFor(merge, finished);
    expect(merged.state, slurm.logTail()).toBe('COMPLETED');

    const tasks = slurm.arrayTasks(array);
    expect([...tasks.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    for (const [task, job] of tasks) {
      expect(job.state, `task ${task}`).toBe('COMPLETED');
      expect(job.restarts, `task ${task}`).toBe(task === 5 ? 1 : 0);
    }
    // The first run of task 5 saved its checkpoint on SIGTERM; the second went on from it.
    const log = logLines(join(cwd, `logs/collapse-${array}_5.out`));
    const saved = log.map((line) => /^collapse-sim: interrupted by SIGTERM: checkpoint saved in checkpoints\/task-5 \((\d+) of 1000 chains done\)/.exec(line)).find((m) => m !== null);
    expect(saved, log.join('\n')).toBeDefined();
    expect(Number(saved![1])).toBeGreaterThan(0);
    expect(Number(saved![1])).toBeLessThan(1000);
    expect(log.filter((line) => line.startsWith('output ')), log.join('\n')).toEqual(['output           shards/task-5.arrow']);
    expect(readdirSync(join(cwd, 'checkpoints')), 'every checkpoint removed once its shard was written').toEqual([]);
    expect(readdirSync(join(cwd, 'shards')).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `task-${i}.arrow`).sort());
    expect(readFileSync(join(cwd, 'collapse-times.arrow')).equals(reference), 'merged file = unsharded run').toBe(true);
  });

  it('a merge started on a truncated shard refuses, names the shard, and writes nothing', async () => {
    const cwd = preempted;
    const shard = join(cwd, 'shards/task-6.arrow');
    copyFileSync(shard, join(directory, 'task-6.arrow.whole'));
    truncateSync(shard, Math.floor(readFileSync(shard).length / 2));
    const before = snapshotDirectory(cwd);
    const id = sbatch(['--wrap', wrappedCommand(submitBlock)], cwd);
    const job = await slurm.waitFor(id, finished);
    expect(job.state).toBe('FAILED');
    expect(job.exitCode).toBe('2:0');
    const log = logLines(join(cwd, `slurm-${id}.out`));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^collapse-sim: shards\/task-6\.arrow is truncated or damaged/);
    expect(changedEntries(before, snapshotDirectory(cwd)), 'the merged file left as it was, nothing else written').toEqual([`slurm-${id}.out`]);
    copyFileSync(join(directory, 'task-6.arrow.whole'), shard);
  });

  it('a task killed mid-run: a merge without it refuses naming it, and rerun alone as the doc says, the merge is the unsharded run byte for byte', async () => {
    const cwd = workdir('killed');
    const { array, merge } = runBlock(submitBlock, cwd, SMALL);
    // Mid-run: once its checkpoint holds a batch.
    await until('task 7 to checkpoint a batch', () => checkpointed(cwd, 7) > 0);
    const kill = slurm.client('scancel', ['--signal=KILL', `${array}_7`]);
    expect(kill.code, kill.stderr).toBe(0);
    await until('the other tasks to finish', () => [...slurm.arrayTasks(array).values()].every(finished), 180_000, 250);
    const tasks = slurm.arrayTasks(array);
    // scancel ends the task (CANCELLED); the others complete.
    for (const [task, job] of tasks) expect(job.state, `task ${task}`).toBe(task === 7 ? 'CANCELLED' : 'COMPLETED');
    expect(existsSync(join(cwd, 'shards/task-7.arrow'))).toBe(false);
    // The planned merge can no longer run (afterok failed): Slurm leaves it pending.
    await slurm.waitFor(merge, (job) => job.reason === 'DependencyNeverSatisfied', 30_000);

    // The merge started now, as the doc's merge step, refuses and names the missing shard.
    const before = snapshotDirectory(cwd);
    const id = sbatch(['--wrap', wrappedCommand(submitBlock)], cwd);
    const refused = await slurm.waitFor(id, finished);
    expect(refused.state).toBe('FAILED');
    expect(refused.exitCode).toBe('2:0');
    expect(logLines(join(cwd, `slurm-${id}.out`))).toEqual(['collapse-sim: merge: missing 1 of 16 shards: 7 (chains 7000–7999)']);
    expect(changedEntries(before, snapshotDirectory(cwd)), 'nothing written but the job log').toEqual([`slurm-${id}.out`]);

    const rerun = runBlock(rerunBlock, cwd, { ...SMALL, merge });
    expect(slurm.job(merge).state).toBe('CANCELLED');
    const merged = await slurm.waitFor(rerun['merge']!, finished);
    expect(merged.state, slurm.logTail()).toBe('COMPLETED');
    expect(slurm.job(`${rerun['rerun']}_7`).state).toBe('COMPLETED');
    expect(readFileSync(join(cwd, 'collapse-times.arrow')).equals(reference), 'merged file = unsharded run').toBe(true);
  });

  it('a full disk under a task: it fails with one line and no partial file, keeps its checkpoint, and rerun with space it resumes and writes the same shard', async (context) => {
    if (tmpfs !== null) context.skip(tmpfs);
    const cwd = workdir('disk-full');
    // Room for the checkpoint (on the test's disk) but not for the 30 kB shard.
    slurm.mountTmpfs(join(cwd, 'shards'), '8k');
    const first = sbatch(['--array=3', 'collapse.sbatch'], cwd, SMALL);
    const failed = await slurm.waitFor(`${first}_3`, finished);
    const log = readFileSync(join(cwd, `logs/collapse-${first}_3.out`), 'utf8');
    expect(failed.state, log).toBe('FAILED');
    expect(failed.exitCode, log).toBe('2:0');
    expect(logLines(join(cwd, `logs/collapse-${first}_3.out`))).toEqual(['collapse-sim: --out shards/task-3.arrow: write failed (ENOSPC: no space left on the device); nothing was written']);
    expect(readdirSync(join(cwd, 'shards')), 'no partial file').toEqual([]);
    // The output is written as the batches finish, so the disk filled part-way: the
    // checkpoint keeps the batches finished before.
    expect(checkpointed(cwd, 3), 'the checkpoint keeps the finished batches').toBeGreaterThan(0);

    slurm.unmount(join(cwd, 'shards'));
    const second = sbatch(['--array=3', 'collapse.sbatch'], cwd, SMALL);
    expect((await slurm.waitFor(`${second}_3`, finished)).state).toBe('COMPLETED');
    expect(readFileSync(join(cwd, 'shards/task-3.arrow')).equals(readFileSync(join(preempted, 'shards/task-3.arrow'))), 'the shard of the undisturbed array').toBe(true);
    expect(readdirSync(join(cwd, 'checkpoints'))).toEqual([]);
  });

  it('two runs given one --out at once: the file is one of them, whole', async () => {
    const cwd = workdir('one-out');
    const run = (seed: string): string[] => ['run', '--family', 'bernoulli', '--samples', '100', '--p0', '0.5', '--chains', '4000', '--seed', seed, '--backend', 'cpu', '--quiet'];
    const ids = ['one', 'two'].map((seed) => sbatch(['--wrap', `collapse-sim ${run(seed).join(' ')} --out same.arrow`], cwd));
    const jobs = await Promise.all(ids.map((id) => slurm.waitFor(id, finished)));
    // They ran at the same time (Slurm's times are whole seconds).
    expect(jobs[0].start <= jobs[1].end && jobs[1].start <= jobs[0].end, JSON.stringify(jobs)).toBe(true);
    const written = readFileSync(join(cwd, 'same.arrow'));
    const references = ['one', 'two'].map((seed) => unsharded(run(seed).slice(1), 'same.arrow'));
    expect(references.some((bytes) => bytes.equals(written)), 'same.arrow is one run\'s file, whole').toBe(true);
    for (const [i, job] of jobs.entries()) {
      // Each either wrote its whole file (the last rename wins) or failed with one clear line.
      if (job.state !== 'COMPLETED') expect(logLines(join(cwd, `slurm-${ids[i]}.out`))).toEqual([expect.stringMatching(/^collapse-sim: /)]);
    }
    expect(readdirSync(cwd).filter((name) => !/^slurm-\d+\.out$/.test(name)).sort(), 'no temporary file left').toEqual(['collapse.sbatch', 'logs', 'same.arrow', 'sweep-mk.sbatch']);
  });

  it('the sweep as a Slurm array and its dependent assembly: the unsharded sweep, row for row', async () => {
    const cwd = workdir('sweep');
    const { array, points } = runBlock(sweepSubmitBlock, cwd, SWEEP_SMALL);
    const assembled = await slurm.waitFor(points, finished);
    expect(assembled.state, slurm.logTail()).toBe('COMPLETED');
    for (const [task, job] of slurm.arrayTasks(array)) expect(job.state, `task ${task}`).toBe('COMPLETED');

    const referenceDirectory = join(directory, 'reference-sweep');
    mkdirSync(referenceDirectory);
    const whole = spawnSync(process.execPath, [CLI, 'sweep', ...SWEEP], { cwd: referenceDirectory, encoding: 'utf8' });
    expect(whole.status, whole.stderr).toBe(0);
    const read = (root: string, name: string): Table => tableFromIPC(readFileSync(join(root, 'sweep-mk', name)));
    const columns = (table: Table, skip: string[] = []): Record<string, unknown[]> =>
      Object.fromEntries(table.schema.fields.filter((field) => !skip.includes(field.name)).map((field) => [field.name, Array.from({ length: table.numRows }, (_, row) => table.getChild(field.name)!.get(row))]));
    const pointFiles = readdirSync(join(referenceDirectory, 'sweep-mk')).filter((name) => /^point-\d+\.arrow$/.test(name)).sort();
    expect(pointFiles).toHaveLength(20);
    expect(readdirSync(join(cwd, 'sweep-mk')).sort()).toEqual(readdirSync(join(referenceDirectory, 'sweep-mk')).sort());
    for (const name of pointFiles) expect(columns(read(cwd, name)), name).toEqual(columns(read(referenceDirectory, name)));
    // points.arrow too, but for the measured seconds.
    expect(columns(read(cwd, 'points.arrow'), ['seconds'])).toEqual(columns(read(referenceDirectory, 'points.arrow'), ['seconds']));
  });
});
