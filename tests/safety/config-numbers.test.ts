/**
 * --config files are read exactly and within bounds (issue 16). A number that is not a safe
 * integer — a seed such as 12345678901234567890, which JSON.parse rounded to another seed
 * and so another run — is kept exactly or refused, never rounded; nesting, size and the
 * kind of file are capped, so a hostile config is exit 2 with one line, not a stack
 * overflow ("Maximum call stack size exceeded" was an internal error) or a read that never
 * ends (/dev/zero). Each case drives the real CLI and checksums the directory around it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const [cwd, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(cwd);
const RUN = ['run', '--chains', '20', '--generations', '30', '--backend', 'reference', '--quiet'];

function provenanceSeed(path: string): unknown {
  const table = tableFromIPC(readFileSync(path));
  return JSON.parse(table.schema.metadata.get('collapse_sim')!).config.seed;
}

describe('numbers that are not safe integers are kept exactly or refused', () => {
  it.each([
    ['12345678901234567890', '12345678901234567890'],
    ['-98765432109876543210', '-98765432109876543210'],
    ['12345', '12345'],
  ])('"seed": %s runs the run --seed %s runs, byte for byte', (literal, flag) => {
    const fromConfig = join(cwd, `config-${flag}`);
    const fromFlag = join(cwd, `flag-${flag}`);
    mkdirSync(fromConfig);
    mkdirSync(fromFlag);
    writeFileSync(join(fromConfig, 'c.json'), `{"seed": ${literal}, "chains": 20}`);
    const result = expectOnlyChanged(fromConfig, ['r.arrow'], () => cliIn(fromConfig)([...RUN, '--config', 'c.json', '--out', 'r.arrow']));
    expect(result.code, result.stderr).toBe(0);
    expect(cliIn(fromFlag)([...RUN, `--seed=${flag}`, '--out', 'r.arrow']).code).toBe(0);
    expect(provenanceSeed(join(fromConfig, 'r.arrow'))).toBe(flag);
    expect(readFileSync(join(fromConfig, 'r.arrow')).equals(readFileSync(join(fromFlag, 'r.arrow')))).toBe(true);
  });

  it.each([
    ['{"seed": 1e20}', /^collapse-sim: --config c\.json: 1e20 is an integer beyond 2\^53, which a JSON number cannot hold exactly: write it as a string \("1e20"\)\n$/],
    ['{"seed": 12345678901234567890.0}', /^collapse-sim: --config c\.json: 12345678901234567890\.0 is an integer beyond 2\^53/],
    ['{"chains": 18446744073709551616}', /^collapse-sim: --chains must be an integer in \[1, 4294967295\] \(got "18446744073709551616"\)\n$/],
    ['{"generations": 9007199254740993}', /^collapse-sim: --generations must be an integer in \[1, 2147483647\] \(got "9007199254740993"\)\n$/],
    ['{"samples": 1e400}', /^collapse-sim: --samples must be an integer in \[1, 1000000000\] \(got Infinity\)\n$/],
  ])('%s is refused', (text, message) => {
    writeFileSync(join(cwd, 'c.json'), text);
    // Flags given on the command line win over the config: give none of these there.
    const result = expectOnlyChanged(cwd, [], () => cli(['run', '--backend', 'reference', '--quiet', '--config', 'c.json', '--out', 'r.arrow']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('a hostile config file is refused at once, with one line', () => {
  it.each([
    ['nesting 100 000 deep', () => writeFileSync(join(cwd, 'c.json'), `{"seed": ${'['.repeat(100000)}${']'.repeat(100000)}}`), 'c.json', /^collapse-sim: --config c\.json nests arrays or objects 100001 deep; flag values are at most 8 deep\n$/],
    ['nesting 9 deep', () => writeFileSync(join(cwd, 'c.json'), `{"init": [[[[[[[[1]]]]]]]]}`), 'c.json', /^collapse-sim: --config c\.json nests arrays or objects 9 deep; flag values are at most 8 deep\n$/],
    ['two megabytes', () => writeFileSync(join(cwd, 'c.json'), `{"seed": "${'x'.repeat(2 << 20)}"}`), 'c.json', /^collapse-sim: --config c\.json is \d+ bytes; a config file holds at most 1048576\n$/],
    ['/dev/zero', () => undefined, '/dev/zero', /^collapse-sim: --config \/dev\/zero is not a regular file\n$/],
    ['a FIFO nobody writes', () => spawnSync('mkfifo', [join(cwd, 'fifo.json')]), 'fifo.json', /^collapse-sim: --config fifo\.json is not a regular file\n$/],
    ['a directory', () => mkdirSync(join(cwd, 'folder.json'), { recursive: true }), 'folder.json', /^collapse-sim: --config folder\.json is a directory\n$/],
    ['a __proto__ key', () => writeFileSync(join(cwd, 'c.json'), '{"__proto__": {"chains": 1}}'), 'c.json', /^collapse-sim: --config c\.json: unknown key "__proto__"/],
    ['a duplicated key', () => writeFileSync(join(cwd, 'c.json'), '{"chains": 1, "chains": 2}'), 'c.json', /^collapse-sim: --config c\.json is not valid JSON \(Duplicate key 'chains'/],
  ] as [string, () => unknown, string, RegExp][])('%s', (_label, make, path, message) => {
    make();
    const started = Date.now();
    const result = expectOnlyChanged(cwd, [], () => cli([...RUN, '--config', path, '--out', 'r.arrow']));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
