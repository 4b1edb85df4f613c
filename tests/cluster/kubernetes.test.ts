/**
 * docs/cluster.md's Kubernetes Indexed Job, validated against the Kubernetes API schema
 * (batch/v1 Job) by kubernetes-models, whose validators are generated from Kubernetes'
 * OpenAPI specification: types, enumerations and required fields. Its shard count must be
 * the Job's completions, and its run flags the Slurm script's.
 */
import { describe, expect, it } from 'vitest';
import { Job } from 'kubernetes-models/batch/v1';
import { parse } from 'yaml';
import { docBlocks, joinedLines } from './cluster-doc.js';

const [manifestText] = docBlocks('Kubernetes', 'yaml');
const manifest = parse(manifestText) as { spec: { completions: number; parallelism: number; template: { spec: { containers: { args: string[] }[] } } } };

describe('the Kubernetes manifest of docs/cluster.md', () => {
  it('is a valid batch/v1 Job by the Kubernetes API schema', () => {
    expect(() => new Job(manifest as never).validate()).not.toThrow();
    expect(manifest).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never' } } } });
  });

  it('would be refused with a wrong type or value (the validator is not a no-op)', () => {
    const broken = structuredClone(manifest) as unknown as { spec: Record<string, unknown> };
    broken.spec['completionMode'] = 'Indexd';
    broken.spec['completions'] = '16';
    expect(() => new Job(broken as never).validate()).toThrow(/completionMode must be equal to one of the allowed values.*completions must be integer/s);
  });

  it('runs the Slurm script\'s ensemble, with --shard-count equal to completions', () => {
    const command = manifest.spec.template.spec.containers[0].args[0];
    expect(command).toContain(`--shard-count ${manifest.spec.completions} `);
    const slurmRun = joinedLines(docBlocks('Slurm', 'bash')[0]).find((line) => line.startsWith('exec collapse-sim run --family'))!;
    const flags = (text: string): string => text.replace(/"\$\{\w+:-(\d+)\}"/g, '$1').replace(/ --(batch-size|shard|shard-count|checkpoint|out) \S+/g, '').replace(/^exec /, '').trim();
    expect(flags(command)).toBe(flags(slurmRun));
  });
});
