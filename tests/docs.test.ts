import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');

describe('README', () => {
  it('documents every flag of every command', () => {
    const program = buildProgram();
    const missing: string[] = [];
    for (const command of program.commands) {
      for (const option of command.options) if (!readme.includes(`\`${option.long}`) && !readme.includes(`, \`${option.long}`)) missing.push(`${command.name()} ${option.long}`);
    }
    expect(missing).toEqual([]);
  });

  it('shows the two fresh-machine commands that .ci/run relies on', () => {
    expect(readme).toContain('npm ci && npm start -- run\n');
    expect(readme).toContain('npm ci && npm test\n');
    const ci = readFileSync(resolve(import.meta.dirname, '../.ci/run'), 'utf8');
    expect(ci).toContain("xvfb-run -a bash -c 'npm ci && npm test'");
    expect(ci).toMatch(/COLLAPSE_SIM_REQUIRE_BACKENDS=simd,headlessgl,webgpu,webasm,cpu,chromium,slurm\n/);
    expect(ci).toMatch(/fonts-dejavu-core chromium slurm-wlm munge\n/);
    expect(ci).toMatch(/COLLAPSE_SIM_REQUIRE_PEERS=numpy/);
    expect(ci).toMatch(/python3-numpy/);
  });
});
