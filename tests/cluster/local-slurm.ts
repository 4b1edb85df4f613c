/**
 * A private single-node Slurm on localhost for the cluster tests: munged, slurmctld and
 * slurmd started from Debian's packages with tests/cluster/slurm.conf, every file they use
 * (key, sockets, state, spool, logs, pid files) under one temporary directory, on two free
 * ports. `stop()` cancels every job, stops the three daemons (each its own process group)
 * and then kills anything still running that carries this instance's SLURM_CONF in its
 * environment (the daemons pass it on to slurmstepd and the jobs), so nothing outlives it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const CONF_TEMPLATE = resolve(import.meta.dirname, 'slurm.conf');
const DAEMONS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel'];

/** Why this machine cannot run the local Slurm, or null when it can. */
export function slurmAbsence(): string | null {
  const missing = DAEMONS.filter((name) => spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0);
  if (missing.length > 0) return `no ${missing.join(', ')} on PATH (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'the harness runs slurmd as root (SlurmdUser=root), and this is not root';
  return null;
}

/** Whether a tmpfs can be mounted here (root in a container may still lack CAP_SYS_ADMIN). */
export function tmpfsAbsence(probe: string): string | null {
  mkdirSync(probe, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' });
  if (mounted.status !== 0) return `cannot mount a tmpfs here: ${(mounted.stderr || mounted.error?.message || '').trim()}`;
  spawnSync('umount', [probe]);
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface JobRecord {
  readonly state: string;
  readonly exitCode: string;
  readonly reason: string;
  readonly start: string;
  readonly end: string;
  readonly restarts: number;
}

export class LocalSlurm {
  readonly conf: string;
  private readonly daemons: { name: string; child: ChildProcess }[] = [];
  private readonly mounts: string[] = [];

  private constructor(readonly run: string) {
    this.conf = join(run, 'slurm.conf');
  }

  /** The environment for client commands and jobs: this instance's conf, `bin` first on PATH. */
  env(extra: Record<string, string> = {}, bin?: string): NodeJS.ProcessEnv {
    const path = bin === undefined ? process.env['PATH'] : `${bin}:${process.env['PATH'] ?? ''}`;
    return { ...process.env, PATH: path, SLURM_CONF: this.conf, ...extra };
  }

  static async start(run: string): Promise<LocalSlurm> {
    const slurm = new LocalSlurm(run);
    try {
      await slurm.boot();
    } catch (error) {
      await slurm.stop();
      throw error;
    }
    return slurm;
  }

  private async boot(): Promise<void> {
    const munge = join(this.run, 'munge');
    for (const dir of ['munge', 'state', 'spool/slurmd', 'log']) mkdirSync(join(this.run, dir), { recursive: true });
    chmodSync(munge, 0o755);
    writeFileSync(join(munge, 'munge.key'), spawnSync('head', ['-c', '1024', '/dev/urandom']).stdout, { mode: 0o400 });
    const conf = readFileSync(CONF_TEMPLATE, 'utf8')
      .replaceAll('@RUN@', this.run)
      .replaceAll('@CTLD_PORT@', String(await freePort()))
      .replaceAll('@SLURMD_PORT@', String(await freePort()));
    writeFileSync(this.conf, conf);

    // --force: munged otherwise refuses a key and socket outside /etc/munge and /run/munge.
    this.daemon('munged', ['--foreground', '--force', `--key-file=${join(munge, 'munge.key')}`, `--socket=${join(munge, 'munge.socket')}`,
      `--pid-file=${join(munge, 'munged.pid')}`, `--log-file=${join(this.run, 'log/munged.log')}`, `--seed-file=${join(munge, 'munged.seed')}`]);
    await this.until('munged socket', () => existsSync(join(munge, 'munge.socket')), 10_000);
    this.daemon('slurmctld', ['-D', '-f', this.conf]);
    await this.until('slurmctld answering', () => this.client('scontrol', ['ping']).stdout.includes('is UP'), 30_000);
    this.daemon('slurmd', ['-D', '-N', 'localhost', '-f', this.conf]);
    await this.until('node localhost idle', () => /idle/.test(this.client('sinfo', ['-h', '-N', '-o', '%T']).stdout), 30_000);
  }

  private daemon(name: string, args: string[]): void {
    // Each daemon leads its own process group, so that stop() reaches whatever it forked.
    const child = spawn(name, args, { env: this.env(), detached: true, stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', () => undefined);
    this.daemons.push({ name, child });
  }

  private async until(what: string, ready: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      const dead = this.daemons.find(({ child }) => child.exitCode !== null || child.signalCode !== null);
      if (dead !== undefined) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) while waiting for ${what}: ${this.logTail()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  logTail(): string {
    const dir = join(this.run, 'log');
    if (!existsSync(dir)) return '';
    return readdirSync(dir).map((name) => `--- ${name}\n${readFileSync(join(dir, name), 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
  }

  /** A Slurm client command against this instance. */
  client(command: string, args: string[], cwd = this.run, extra: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
    const result = spawnSync(command, args, { cwd, env: this.env(extra), encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }

  /** A job's (or array task's, `123_4`) record while the controller remembers it (MinJobAge). */
  job(id: string): JobRecord {
    const shown = this.client('scontrol', ['show', 'job', '-o', id]);
    if (shown.code !== 0) throw new Error(`scontrol show job ${id}: ${shown.stderr}`);
    const field = (name: string): string => new RegExp(`(?:^| )${name}=(\\S*)`).exec(shown.stdout)?.[1] ?? '';
    return { state: field('JobState'), exitCode: field('ExitCode'), reason: field('Reason'), start: field('StartTime'), end: field('EndTime'), restarts: Number(field('Restarts')) };
  }

  /** The records of every task of array job `id` (one line each in scontrol's -o output). */
  arrayTasks(id: string): Map<number, JobRecord> {
    const shown = this.client('scontrol', ['show', 'job', '-o', id]);
    const tasks = new Map<number, JobRecord>();
    for (const line of shown.stdout.split('\n').filter((l) => l.includes('ArrayTaskId='))) {
      const task = Number(/ArrayTaskId=(\d+)/.exec(line)?.[1]);
      if (Number.isInteger(task)) tasks.set(task, this.job(`${id}_${task}`));
    }
    return tasks;
  }

  /** Waits until `done` holds for job `id`'s record; returns the record. */
  async waitFor(id: string, done: (job: JobRecord) => boolean, ms = 180_000): Promise<JobRecord> {
    const deadline = Date.now() + ms;
    for (;;) {
      const job = this.job(id);
      if (done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} (${job.reason}) after ${ms / 1000} s: ${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Waits until every job of the queue is gone or finished (no PENDING or RUNNING job). */
  async waitForIdleQueue(ms = 180_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.client('squeue', ['-h', '-t', 'PD,R,CG', '-o', '%i']).stdout.trim() !== '') {
      if (Date.now() > deadline) throw new Error(`jobs still queued after ${ms / 1000} s: ${this.client('squeue', []).stdout}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Mounts a tmpfs of `size` at `path` (unmounted by stop() if still there). */
  mountTmpfs(path: string, size: string): void {
    mkdirSync(path, { recursive: true });
    const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`mount tmpfs at ${path}: ${result.stderr}`);
    this.mounts.push(path);
  }

  unmount(path: string): void {
    const result = spawnSync('umount', [path], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`umount ${path}: ${result.stderr}`);
    this.mounts.splice(this.mounts.indexOf(path), 1);
  }

  /** Processes (other than this one) whose environment names this instance's slurm.conf. */
  ownProcesses(): { pid: number; command: string }[] {
    const marker = `SLURM_CONF=${this.conf}\0`;
    const found: { pid: number; command: string }[] = [];
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)) continue;
        found.push({ pid, command: readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim() });
      } catch {
        // gone, or not ours to read
      }
    }
    return found;
  }

  /**
   * Cancels every job, stops the daemons (SIGTERM to each process group, SIGKILL after 10 s),
   * unmounts what mountTmpfs mounted, and SIGKILLs any process of this instance still alive.
   * Returns what had to be killed that way (nothing, normally).
   */
  async stop(): Promise<string[]> {
    if (this.daemons.some(({ name, child }) => name === 'slurmctld' && child.exitCode === null)) {
      this.client('scancel', ['--full', '--user', String(process.getuid?.() ?? 0)]);
      const deadline = Date.now() + 15_000;
      while (this.client('squeue', ['-h', '-o', '%i']).stdout.trim() !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    }
    for (const { child } of [...this.daemons].reverse()) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        continue;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    for (const path of [...this.mounts]) {
      if (spawnSync('umount', [path]).status !== 0) spawnSync('umount', ['-l', path]);
    }
    this.mounts.length = 0;
    const strays = this.ownProcesses();
    for (const { pid } of strays) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    return strays.map(({ pid, command }) => `${pid} ${command}`);
  }
}
