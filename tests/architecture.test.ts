/**
 * The layering of docs/architecture.md (.dependency-cruiser.cjs): no import cycle, type-only
 * imports included; io below the engines; reproduce independent of bench; option parsing and
 * errors below the families; math and rng at the bottom. The rules are shown to bite on a
 * fixture that breaks them.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAMILY_NAMES } from '../src/families/index.js';

const ROOT = resolve(import.meta.dirname, '..');

function violations(cwd: string, paths: string[]): { rule: string; from: string; to: string }[] {
  const result = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), ...paths, '--config', resolve(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
  });
  const report = JSON.parse(result.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return report.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('module layering', () => {
  it('holds for the whole source: no cycle, no back-tie', () => {
    expect(violations(ROOT, ['src', 'kernels'])).toEqual([]);
  });

  it('catches a back-tie and a type-only cycle (a fixture that has both)', () => {
    const found = violations(resolve(ROOT, 'tests/fixtures/layering'), ['src']);
    expect([...new Set(found.map((v) => v.rule))].sort()).toEqual(['io-below-engines', 'no-circular']);
  });
});

describe('one place per family', () => {
  it('no family is named in code outside src/families/ and kernels/ (the registry is asked instead)', () => {
    const names = FAMILY_NAMES.join('|');
    // Reproduce's experiments configure the paper's families by name, as a user's --config does;
    // they never branch on one. Everything else must not name a family.
    const allowed = /^src\/(families|reproduce)\//;
    const offenders: string[] = [];
    const visit = (directory: string): void => {
      for (const entry of readdirSync(join(ROOT, directory), { withFileTypes: true })) {
        const path = `${directory}/${entry.name}`;
        if (entry.isDirectory()) visit(path);
        else if (/\.ts$/.test(entry.name) && !allowed.test(path)) {
          readFileSync(join(ROOT, path), 'utf8')
            .split('\n')
            .forEach((line, i) => {
              const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
              if (new RegExp(`['"\`](${names})['"\`]`).test(code) || new RegExp(`families/(${names})/`).test(code)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    visit('src');
    expect(offenders).toEqual([]);
  });
});
