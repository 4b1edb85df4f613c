/**
 * The roofline's operation count (bench/device/roofline.ts): the counter's rules on a small
 * hand-written loop, and the published count recounted from the WGSL gpu.js generates today
 * (wherever webgpu runs), so bench/README.md's estimate cannot drift from the kernel.
 */
import { describe, expect, it } from 'vitest';
import { BERNOULLI_BLOCK_COUNTS, bernoulliPerSampleWgsl, ceilingDataPointsPerSecond, countBlockOperations, cyclesPerBlock } from '../../bench/device/roofline.js';
import { backendStatus } from '../../src/engine/gpu/backends.js';
import { REQUIRED_BACKENDS } from '../gpu/backends-under-test.js';

describe('the WGSL operation counter', () => {
  it('counts a common subexpression once, leaves loop-invariant and constant work out, and sorts operations by unit', () => {
    const wgsl = `var user_k : f32 = 7.0;
for (var user_pt1b : i32 = 0;(user_pt1b<25);user_pt1b++){
var user_a : f32 = f32(((i32(user_k) * 3) + user_pt1b));
var user_b : f32 = f32(((i32(user_k) * 3) + user_pt1b));
var user_c : f32 = floor((user_a / 2.0));
var user_d : f32 = f32(((i32(user_c) | 0) ^ (5 * 4)));
}`;
    // + once (CSE'd), ^ once, the loop's increment and test; i32(user_k) * 3 is invariant, 5 * 4 constant.
    expect(countBlockOperations(wgsl)).toEqual({ integer: 4, float: 1, conversion: 3, rounding: 1 });
  });

  it('prices a block by its busiest unit', () => {
    const counts = { integer: 640, float: 0, conversion: 0, rounding: 0 };
    expect(cyclesPerBlock(counts, false)).toBe(10);
    // 132 SMs × 1.98 GHz × 4 points / 10 cycles.
    expect(ceilingDataPointsPerSecond(counts, false)).toBeCloseTo(1.04544e11, -6);
    expect(cyclesPerBlock({ ...counts, conversion: 320 }, false)).toBe(20);
    expect(cyclesPerBlock({ ...counts, conversion: 320 }, true)).toBe(10);
  });
});

const webgpu = await backendStatus('webgpu');
const required = REQUIRED_BACKENDS.has('webgpu');
describe.skipIf(!webgpu.available && !required)(`the Bernoulli per-sample kernel's count (webgpu: ${webgpu.device ?? webgpu.reason})`, () => {
  it('is the one bench/README.md and the device summary use', async () => {
    expect(countBlockOperations(await bernoulliPerSampleWgsl())).toEqual(BERNOULLI_BLOCK_COUNTS);
  });
});
