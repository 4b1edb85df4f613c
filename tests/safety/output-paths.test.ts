/**
 * Output-path safety (issue 16, "data loss"): every command that writes a file goes through
 * src/io/output-path.ts. A device, a FIFO or a symbolic link is never replaced by a
 * rename; an output that is also an input (after ".", "..", symbolic and hard links), or
 * two outputs that are one file, are refused; partial files left by a killed process are
 * cleaned by the next command writing the same output. Each case drives the real CLI and
 * checks the exit code, the message, and that nothing but the intended output changed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const [root, cleanup] = temporaryDirectory();
afterAll(cleanup);

const RUN = ['run', '--chains', '12', '--generations', '8', '--samples', '5', '--backend', 'reference', '--quiet'];
let counter = 0;

/** A fresh directory holding a finished run r.arrow (with trajectories) and its two shards. */
function workspace(): { cwd: string; cli: ReturnType<typeof cliIn> } {
  const cwd = join(root, `w${counter++}`);
  mkdirSync(cwd);
  const cli = cliIn(cwd);
  expect(cli([...RUN, '--out', 'r.arrow', '--trajectories', 'every:2,chains:3']).code).toBe(0);
  for (const shard of ['0/2', '1/2']) expect(cli([...RUN, '--shard', shard]).code).toBe(0);
  return { cwd, cli };
}

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path]);
  expect(made.status).toBe(0);
}

const SHARD0 = 'collapse-times.shard-0000-of-0002.arrow';
const SHARD1 = 'collapse-times.shard-0001-of-0002.arrow';

/** Every command that writes a file, as [label, args writing to TARGET]; `also` lists what else it writes. */
const WRITERS: [string, (target: string) => string[]][] = [
  ['run --out', (target) => [...RUN, '--out', target]],
  ['run --trajectories-out', (target) => [...RUN, '--out', 'fresh.arrow', '--trajectories', 'every:2,chains:3', '--trajectories-out', target]],
  ['merge', (target) => ['merge', target, SHARD0, SHARD1]],
  ['export --to csv', (target) => ['export', '--to', 'csv', '--out', target, 'r.arrow']],
  ['export --to parquet', (target) => ['export', '--to', 'parquet', '--out', target, 'r.arrow']],
];

/** What a writer writes besides its target (TARGET = the target's name). */
function alsoWritten(label: string, target: string): string[] {
  if (label === 'run --trajectories-out') return ['fresh.arrow'];
  if (label === 'export --to csv') return [`${target}.provenance.json`];
  return [];
}

describe('a path that is not a regular file is never replaced', () => {
  let cwd: string;
  let cli: ReturnType<typeof cliIn>;
  beforeAll(() => ({ cwd, cli } = workspace()));

  it.each(WRITERS)('%s to a FIFO nobody reads: refused at once, the FIFO stays', (_label, args) => {
    mkfifo(join(cwd, 'pipe'));
    const result = expectOnlyChanged(cwd, [], () => cli(args('pipe')));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^collapse-sim: --(out|trajectories-out) pipe is a FIFO that no process is reading: start its reader first\n$/);
    expect(lstatSync(join(cwd, 'pipe')).isFIFO()).toBe(true);
    spawnSync('rm', [join(cwd, 'pipe')]);
  });

  it('run --out to a FIFO with a reader: the bytes go through it, the FIFO stays', async () => {
    mkfifo(join(cwd, 'pipe2'));
    const reader = spawn('sh', ['-c', 'cat pipe2 > through-fifo.arrow'], { cwd });
    const finished = new Promise((done) => reader.on('exit', done));
    await new Promise((wait) => setTimeout(wait, 200));
    const result = expectOnlyChanged(cwd, ['through-fifo.arrow'], () => cli([...RUN, '--out', 'pipe2', '--seed', 'fifo']));
    await finished;
    expect(result.code, result.stderr).toBe(0);
    expect(lstatSync(join(cwd, 'pipe2')).isFIFO()).toBe(true);
    // The same run into a regular file of the same name (the name is in the provenance).
    mkdirSync(join(cwd, 'plain'));
    expect(cliIn(join(cwd, 'plain'))([...RUN, '--out', 'pipe2', '--seed', 'fifo']).code).toBe(0);
    expect(readFileSync(join(cwd, 'through-fifo.arrow')).equals(readFileSync(join(cwd, 'plain', 'pipe2')))).toBe(true);
  });

  it.each(WRITERS)('%s through a symbolic link to /dev/null: written through, the link and the device stay', (label, args) => {
    symlinkSync('/dev/null', join(cwd, 'null-link'));
    const result = expectOnlyChanged(cwd, alsoWritten(label, 'null-link'), () => cli(args('null-link')));
    expect(result.code, result.stderr).toBe(0);
    expect(lstatSync(join(cwd, 'null-link')).isSymbolicLink()).toBe(true);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    spawnSync('rm', ['-f', join(cwd, 'null-link'), join(cwd, 'null-link.provenance.json'), join(cwd, 'fresh.arrow')]);
  });

  it.each(WRITERS)('%s through a symbolic link to a file: the file it names is replaced, the link stays', (label, args) => {
    const name = `linked-${label.replace(/\W+/g, '-')}`;
    writeFileSync(join(cwd, `${name}.target`), 'old contents');
    symlinkSync(`${name}.target`, join(cwd, name));
    const result = expectOnlyChanged(cwd, [`${name}.target`, ...alsoWritten(label, name)], () => cli(args(name)));
    spawnSync('rm', ['-f', join(cwd, 'fresh.arrow')]);
    expect(result.code, result.stderr).toBe(0);
    expect(lstatSync(join(cwd, name)).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(cwd, `${name}.target`), 'utf8')).not.toBe('old contents');
  });

  it.each(WRITERS)('%s to a link to nothing, or a directory: refused', (_label, args) => {
    symlinkSync('nowhere', join(cwd, 'dangling'));
    mkdirSync(join(cwd, 'folder'));
    for (const [target, message] of [
      ['dangling', /^collapse-sim: --(out|trajectories-out) dangling is a symbolic link to a missing file: point it at a file, or remove it\n$/],
      ['folder', /^collapse-sim: --(out|trajectories-out) folder is a directory\n$/],
    ] as const) {
      const result = expectOnlyChanged(cwd, [], () => cli(args(target)));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    spawnSync('rm', ['-r', join(cwd, 'dangling'), join(cwd, 'folder')]);
  });

  it('a full device (ENOSPC) and a closed pipe (EPIPE) are reported, exit 2', () => {
    const full = expectOnlyChanged(cwd, [], () => cli([...RUN, '--out', '/dev/full']));
    expect(full.code).toBe(2);
    expect(full.stderr).toBe('collapse-sim: --out /dev/full: write failed (ENOSPC: no space left on the device); the output is incomplete\n');
    // A shell pipe whose reader stops after ten bytes; the file (megabytes) is far larger than
    // the pipe's buffer, so the writer meets the closed end whenever the reader stops.
    const cliPath = join(import.meta.dirname, '../../dist/src/cli/main.js');
    const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${cliPath}" ${[...RUN, '--chains', '200000', '--out', '/dev/stdout'].join(' ')} | head -c 10 > /dev/null; exit "\${PIPESTATUS[0]}"`], { cwd, encoding: 'utf8' });
    const code = piped.status;
    const stderr = piped.stderr;
    expect(code).toBe(2);
    expect(stderr).toBe('collapse-sim: --out /dev/stdout: write failed (EPIPE: the reading end was closed); the output is incomplete\n');
  });
});

describe('an output that is also an input, or another output, is refused', () => {
  let cwd: string;
  let cli: ReturnType<typeof cliIn>;
  beforeAll(() => {
    ({ cwd, cli } = workspace());
    linkSync(join(cwd, 'r.arrow'), join(cwd, 'hard-link.arrow'));
    symlinkSync('r.arrow', join(cwd, 'soft-link.arrow'));
    mkdirSync(join(cwd, 'sub'));
    mkdirSync(join(cwd, 'shards'));
    spawnSync('cp', [join(cwd, SHARD0), join(cwd, SHARD1), join(cwd, 'shards')]);
    writeFileSync(join(cwd, 'config.json'), JSON.stringify({ chains: 5, generations: 3, backend: 'reference' }));
  });

  const same = (out: string, input: string) => new RegExp(`^collapse-sim: --out ${out.replace(/\./g, '\\.')} is the same file as the input ${input.replace(/\./g, '\\.')}: writing it would destroy what is being read; choose another path\\n$`);
  it.each([
    ['export onto its input', ['export', '--to', 'csv', '--out', 'r.arrow', 'r.arrow'], same('r.arrow', 'r.arrow')],
    ['export onto its input through ./ and sub/..', ['export', '--to', 'parquet', '--out', './sub/../r.arrow', 'r.arrow'], same('./sub/../r.arrow', 'r.arrow')],
    ['export onto a hard link of its input', ['export', '--to', 'csv', '--out', 'hard-link.arrow', 'r.arrow'], same('hard-link.arrow', 'r.arrow')],
    ['export onto a symbolic link to its input', ['export', '--to', 'csv', '--out', 'soft-link.arrow', 'r.arrow'], same('soft-link.arrow', 'r.arrow')],
    ['export whose provenance sidecar is its input', ['export', '--to', 'csv', '--out', 'r', 'r.provenance.json'], null],
    ['merge into one of its shards', ['merge', SHARD0, SHARD0, SHARD1], same(SHARD0, SHARD0)],
    ['merge into a file of the directory it reads', ['merge', 'shards/' + SHARD1, 'shards'], same('shards/' + SHARD1, 'shards/' + SHARD1)],
    ['plot whose PNG is its input', ['plot', '--kind', 'survival', '--out', 'r.svg', 'r.png'], null],
    ['run --out onto its --config file', [...RUN, '--config', 'config.json', '--out', 'config.json'], same('config.json', 'config.json')],
    ['run --trajectories-out ./o.arrow beside --out o.arrow', [...RUN, '--out', 'o.arrow', '--trajectories', 'every:1,chains:2', '--trajectories-out', './o.arrow'], /^collapse-sim: --trajectories-out \.\/o\.arrow and --out o\.arrow are the same file: choose different paths\n$/],
    ['run --trajectories-out a hard link of --out', [...RUN, '--out', 'r.arrow', '--trajectories', 'every:1,chains:2', '--trajectories-out', 'hard-link.arrow'], /^collapse-sim: --trajectories-out hard-link\.arrow and --out r\.arrow are the same file: choose different paths\n$/],
  ] as [string, string[], RegExp | null][])('%s', (_label, args, message) => {
    if (args.includes('r.png')) writeFileSync(join(cwd, 'r.png'), 'a picture the user made');
    if (args.includes('r.provenance.json')) writeFileSync(join(cwd, 'r.provenance.json'), 'notes');
    const result = expectOnlyChanged(cwd, [], () => cli(args));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message ?? /^collapse-sim: --out \S+ is the same file as the input \S+: writing it would destroy what is being read; choose another path\n$/);
  });
});

describe('partial files a killed process left are cleaned by the next command writing that output', () => {
  it.each([
    ['run', (cwd: string) => [...RUN, '--out', 'again.arrow'], 'again.arrow'],
    ['merge', () => ['merge', 'again.arrow', SHARD0, SHARD1], 'again.arrow'],
    ['export', () => ['export', '--to', 'csv', '--out', 'again.arrow', 'r.arrow'], 'again.arrow'],
  ] as [string, (cwd: string) => string[], string][])('%s', (label, args, out) => {
    const { cwd, cli } = workspace();
    // A pid no process has (pids stay below 2^22 on Linux), and the test's own, which is alive.
    const dead = join(cwd, `.${out}.4194304.0badf00d.partial`);
    const live = join(cwd, `.${out}.${process.pid}.0badf00d.partial`);
    writeFileSync(dead, 'left by a killed run');
    writeFileSync(live, 'being written by a live process');
    const written = label === 'export' ? [out, `${out}.provenance.json`] : [out];
    const result = expectOnlyChanged(cwd, [...written, `.${out}.4194304.0badf00d.partial`], () => cli(args(cwd)));
    expect(result.code, result.stderr).toBe(0);
    if (label !== 'run') expect(result.stderr).toContain(`removed ${dead.slice(cwd.length + 1)}, a partial file left by an earlier run that was killed`);
    expect(readFileSync(live, 'utf8')).toBe('being written by a live process');
  });
});
