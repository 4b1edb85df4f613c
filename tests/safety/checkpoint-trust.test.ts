/**
 * Checkpoints are verified, not trusted, and the directory stays the user's (issue 16). A
 * resume of an edited or tampered checkpoint (seed, samples, p0 — even p0 = 7 with its
 * digest recomputed —, batch files swapped in from another run or between positions,
 * dropped or duplicated batches, truncated or missing files) ends in exit 2 with
 * "damaged checkpoint: …" and writes nothing. A checkpoint deletes only files it can prove
 * it wrote, refuses a directory holding names it would write, and says "read-only" where
 * it cannot write. Each case drives the real CLI and checksums every file around it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointDigest, cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [root, cleanup] = temporaryDirectory();
afterAll(cleanup);

const RUN = ['run', '--samples', '40', '--chains', '6000', '--batch-size', '400', '--backend', 'reference', '--quiet'];

function batchesSaved(checkpoint: string): number {
  try {
    return (JSON.parse(readFileSync(join(checkpoint, 'checkpoint.json'), 'utf8')) as { batches: unknown[] }).batches.length;
  } catch {
    return 0;
  }
}

/** Runs `args` with --checkpoint ck in `cwd` and interrupts it once `batches` batches are saved. */
async function interrupted(cwd: string, args: string[], batches: number): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args, '--checkpoint', 'ck'], { cwd, stdio: 'ignore' });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let over = false;
  void exited.then(() => (over = true));
  while (batchesSaved(join(cwd, 'ck')) < batches && !over) await new Promise((wait) => setTimeout(wait, 10));
  expect(over, 'the run ended before it could be interrupted').toBe(false);
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  return join(cwd, 'ck');
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

type State = { spec: Record<string, any>; batches: Record<string, any>[]; digest?: string } & Record<string, unknown>;

/** Edits checkpoint.json; with `redigest` the forger also recomputes its digest. */
function editState(checkpoint: string, edit: (state: State) => void, redigest: boolean): void {
  const path = join(checkpoint, 'checkpoint.json');
  const state = JSON.parse(readFileSync(path, 'utf8')) as State;
  edit(state);
  if (redigest) state.digest = checkpointDigest(state);
  writeFileSync(path, JSON.stringify(state));
}

describe('a tampered checkpoint is refused on resume, and nothing is written', () => {
  let work: string;
  let original: string;
  let other: string;
  beforeAll(async () => {
    work = join(root, 'tamper');
    mkdirSync(work);
    original = await interrupted(work, [...RUN, '--seed', 'first', '--out', 'out.arrow'], 4);
    mkdirSync(join(work, 'other-run'));
    other = await interrupted(join(work, 'other-run'), [...RUN, '--seed', 'second', '--out', 'out.arrow'], 4);
  });

  const CASES: [string, (ck: string) => void, RegExp][] = [
    ['an edited seed', (ck) => editState(ck, (s) => (s.spec.seed = 'edited'), false), /checkpoint\.json was changed after collapse-sim wrote it/],
    ['edited sample counts', (ck) => editState(ck, (s) => (s.spec.samples = 41), false), /checkpoint\.json was changed after collapse-sim wrote it/],
    ['p0 = 7, digest recomputed', (ck) => editState(ck, (s) => (s.spec.familyParams.p0 = 7), true), /its configuration: --p0 must be a number in \[0, 1\] \(got 7\)/],
    ['p0 = 0.3, digest recomputed', (ck) => editState(ck, (s) => (s.spec.familyParams.p0 = 0.3), true), /rows-0\.arrow is from another run/],
    ['an edited seed, digest recomputed', (ck) => editState(ck, (s) => (s.spec.seed = 'edited'), true), /rows-0\.arrow is from another run/],
    ['a batch size of 0, digest recomputed', (ck) => editState(ck, (s) => (s.spec.batchSize = 0), true), /--batch-size must be an integer/],
    ['a dropped batch', (ck) => editState(ck, (s) => s.batches.splice(1, 1), true), /batch 1 starts at chain 800, not 400: a batch is missing, repeated or out of order/],
    ['a duplicated batch', (ck) => editState(ck, (s) => s.batches.splice(1, 0, s.batches[0]), true), /batch 1 starts at chain 0, not 400/],
    ['a batch claiming more chains', (ck) => editState(ck, (s) => (s.batches[0].count = 800), true), /batch 0 claims 800 chains; a batch at chain 0 holds 400/],
    ['impossible chain·generations', (ck) => editState(ck, (s) => (s.batches[0].chainGenerations = 1e15), true), /impossible for 400 chains/],
    ['a batch file swapped in from another run', (ck) => cpSync(join(other, 'rows-400.arrow'), join(ck, 'rows-400.arrow')), /rows-400\.arrow is not the file this checkpoint wrote \(its SHA-256 differs\)/],
    [
      'a batch file from another run, digest recomputed',
      (ck) => {
        cpSync(join(other, 'rows-400.arrow'), join(ck, 'rows-400.arrow'));
        editState(ck, (s) => (s.batches[1].rowsDigest = sha256(readFileSync(join(ck, 'rows-400.arrow')))), true);
      },
      /rows-400\.arrow is from another run/,
    ],
    [
      'two batch files of the run swapped, digests recomputed',
      (ck) => {
        const a = readFileSync(join(ck, 'rows-0.arrow'));
        const b = readFileSync(join(ck, 'rows-400.arrow'));
        writeFileSync(join(ck, 'rows-0.arrow'), b);
        writeFileSync(join(ck, 'rows-400.arrow'), a);
        editState(ck, (s) => ([s.batches[0].rowsDigest, s.batches[1].rowsDigest] = [sha256(b), sha256(a)]), true);
      },
      /rows-0\.arrow: row 0 is chain 400, not 0/,
    ],
    ['a truncated batch file', (ck) => truncateSync(join(ck, 'rows-800.arrow'), 300), /rows-800\.arrow is truncated or damaged/],
    ['a missing batch file', (ck) => unlinkSync(join(ck, 'rows-800.arrow')), /rows-800\.arrow is missing/],
    ['checkpoint.json that is not JSON', (ck) => writeFileSync(join(ck, 'checkpoint.json'), '{"tool": "collapse-sim", '), /checkpoint\.json is not valid JSON/],
  ];

  it.each(CASES)('%s', (label, tamper, message) => {
    const ck = join(work, `ck-${label.replace(/\W+/g, '-')}`);
    cpSync(original, ck, { recursive: true });
    tamper(ck);
    const result = expectOnlyChanged(work, [], () => cliIn(work)(['run', '--resume', ck]));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^collapse-sim: --resume ${ck.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: damaged checkpoint: `));
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  it('the untouched checkpoint resumes to the uninterrupted run, byte for byte', () => {
    const whole = join(work, 'whole');
    mkdirSync(whole);
    expect(cliIn(whole)([...RUN, '--seed', 'first', '--out', 'out.arrow']).code).toBe(0);
    const result = expectOnlyChanged(work, ['ck', 'ck/checkpoint.json', ...readdirSync(original).map((name) => `ck/${name}`), 'out.arrow'].filter((p, i, all) => all.indexOf(p) === i), () =>
      cliIn(work)(['run', '--resume', 'ck']),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(work, 'out.arrow')).equals(readFileSync(join(whole, 'out.arrow')))).toBe(true);
    expect(existsSync(original)).toBe(false);
  });
});

describe('a checkpoint deletes only what it can prove it wrote', () => {
  it('refuses a directory already holding names it writes, and an --out of such a name inside it', () => {
    const cwd = join(root, 'names');
    mkdirSync(join(cwd, 'ck'), { recursive: true });
    writeFileSync(join(cwd, 'ck', 'rows-0.arrow'), 'the user’s own file');
    writeFileSync(join(cwd, 'ck', 'rows-99.arrow'), 'another');
    const cli = cliIn(cwd);
    for (const [args, message] of [
      [[...RUN, '--out', 'out.arrow', '--checkpoint', 'ck'], /^collapse-sim: --checkpoint ck already holds rows-0\.arrow \(and 1 more\), a name the checkpoint writes: choose an empty or new directory\n$/],
      [[...RUN, '--out', 'ck2/rows-0.arrow', '--checkpoint', 'ck2'], /^collapse-sim: --out ck2\/rows-0\.arrow is a name the checkpoint in ck2 writes and removes: choose another name or directory\n$/],
      [[...RUN, '--out', 'ck3/checkpoint.json', '--checkpoint', 'ck3'], /^collapse-sim: --out ck3\/checkpoint\.json is a name the checkpoint in ck3 writes and removes/],
    ] as [string[], RegExp][]) {
      mkdirSync(join(cwd, 'ck2'), { recursive: true });
      mkdirSync(join(cwd, 'ck3'), { recursive: true });
      const result = expectOnlyChanged(cwd, [], () => cli(args));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('in a directory holding the user’s files, and with --out inside it, leaves both after the run', () => {
    const cwd = join(root, 'shared-directory');
    mkdirSync(join(cwd, 'ck'), { recursive: true });
    writeFileSync(join(cwd, 'ck', 'notes.txt'), 'keep me');
    writeFileSync(join(cwd, 'ck', 'rows.arrow'), 'keep me too');
    const result = expectOnlyChanged(cwd, ['ck/result.arrow'], () => cliIn(cwd)([...RUN, '--chains', '1200', '--out', 'ck/result.arrow', '--checkpoint', 'ck']));
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(cwd, 'ck')).sort()).toEqual(['notes.txt', 'result.arrow', 'rows.arrow']);
  });

  it('after an interruption and a resume, keeps a stranger’s file dropped in among the batch files', async () => {
    const cwd = join(root, 'replaced');
    mkdirSync(cwd);
    const ck = await interrupted(cwd, [...RUN, '--out', 'out.arrow'], 2);
    writeFileSync(join(ck, 'rows-7.arrow'), 'a stranger’s file, not listed');
    const result = cliIn(cwd)(['run', '--resume', 'ck']);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(ck)).toEqual(['rows-7.arrow']);
  });
});

describe('read-only checkpoint locations say "read-only"', () => {
  // Permissions do not bind root: run the CLI as an unprivileged user there.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const cli = (cwd: string, args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', ...asUser });
    return { code: result.status, stderr: result.stderr };
  };
  let cwd: string;
  beforeAll(() => {
    cwd = join(root, 'read-only');
    mkdirSync(join(cwd, 'locked'), { recursive: true });
    chmodSync(root, 0o755);
    chmodSync(cwd, 0o777);
    chmodSync(join(cwd, 'locked'), 0o555);
  });

  it('--checkpoint in a read-only directory, or the read-only directory itself', () => {
    for (const [target, message] of [
      ['locked/ck', /^collapse-sim: --checkpoint locked\/ck: cannot create it, the location is read-only \((EACCES|EPERM|EROFS): /],
      ['locked', /^collapse-sim: --checkpoint locked is read-only \((EACCES|EPERM|EROFS): .*\): the checkpoint is saved there after every batch/],
    ] as const) {
      const result = expectOnlyChanged(cwd, [], () => cli(cwd, [...RUN, '--out', 'out.arrow', '--checkpoint', target]));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('--resume of a checkpoint in a read-only directory', async () => {
    const own = join(cwd, 'own');
    mkdirSync(own);
    chmodSync(own, 0o777);
    const ck = await interrupted(own, [...RUN, '--out', 'out.arrow'], 1);
    spawnSync('chmod', ['-R', 'a+rwX', own]);
    chmodSync(ck, 0o555);
    const result = expectOnlyChanged(own, [], () => cli(own, ['run', '--resume', 'ck']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^collapse-sim: --resume ck is read-only \((EACCES|EPERM|EROFS): .*\): a resumed run saves its batches in its checkpoint; copy the checkpoint somewhere writable and resume the copy\n$/);
  });
});
