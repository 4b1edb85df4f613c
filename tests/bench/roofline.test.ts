/**
 * The roofline's operation count (bench/device/roofline.ts): the counter's rules on small
 * hand-written loops, and the published counts recounted from the WGSL gpu.js generates today
 * (wherever webgpu runs), so bench/README.md's estimate cannot drift from the kernel.
 */
import { describe, expect, it } from 'vitest';
import {
  BERNOULLI_BLOCK_COUNTS,
  BERNOULLI_BLOCK_LOOP,
  bernoulliPerSampleWgsl,
  ceilingDataPointsPerSecond,
  countBlockLoop,
  cyclesPerBlock,
  expectedBlockCounts,
  generationCounts,
  POINTS_PER_BLOCK,
  WORD_TIE_PROBABILITY,
} from '../../bench/device/roofline.js';
import { backendStatus } from '../../src/engine/gpu/backends.js';
import { REQUIRED_BACKENDS } from '../gpu/backends-under-test.js';

/** A block loop of countDecisions' shape; `tie` is the rare branch's body, `extra` more statements in the word loop. */
const kernel = ({ tie = 'user_cd1z = f32(((i32(user_cd1r) | 0)*53841));', extra = '' } = {}) => `var user_k : f32 = 7.0;
var user_cd1hi : f32 = floor((user_thr/65536.0));
for (var user_cd1b : i32 = 0;(user_cd1b<6);user_cd1b++){
var user_cd1a : f32 = f32(((i32(user_k) * 3) + user_cd1b));
var user_cd1c : f32 = f32(((i32(user_k) * 3) + user_cd1b));
var user_cd1e : f32 = (user_cd1c*2.0);
var user_cd1dead : f32 = floor((user_cd1a/256.0));
for (var user_cd1k : i32 = 0;(user_cd1k<4);user_cd1k++){
var user_cd1h : f32 = user_cd1a;
if ((user_cd1k==1)){
user_cd1h=user_cd1e;
}
var user_cd1m : f32 = f32((i32(user_cd1a) ^ 5));
user_sum=(user_sum+(user_cd1h*user_cd1hi));${extra}
var user_cd1r : f32 = user_cd1m;
if ((user_cd1h==user_cd1hi)) {
var user_cd1z : f32 = 0.0;
${tie}
user_sum=(user_sum+user_cd1z);
}
}
}`;

describe('the WGSL operation counter', () => {
  it('counts by region: per block, per word (the trip count read from the loop), per tie branch taken', () => {
    expect(countBlockLoop(kernel())).toEqual({
      // i32(user_k)·3 is invariant; its + user_cd1b (CSE'd: user_cd1c is user_cd1a) and f32 of it; ·2.0; the loop's
      // test and increment; i32(user_cd1a) ^ 5 and its f32, which vary per block only (hoisted out of the word loop).
      // user_cd1dead is never read: not counted.
      block: { integer: 4, float: 1, conversion: 3, rounding: 0 },
      words: 4,
      // k == 1 and its select; h·hi and the add; h == hi; the merge of the tie branch's sum is free; the test and increment.
      word: { integer: 4, float: 3, conversion: 0, rounding: 0 },
      // The tie branch: r back to i32, the product by Philox's multiplier limb, to f32, the add.
      tie: { integer: 1, float: 1, conversion: 2, rounding: 0 },
    });
  });

  it('counts a short if as a select paid every time, and a Philox-computing if as the tie branch', () => {
    // Without the Philox product the branch is predicated: its body joins the word's work, plus a select per variable.
    // Its per-block part (r's conversions and product) is hoisted out of the word loop with the rest.
    const predicated = countBlockLoop(kernel({ tie: 'user_cd1z = f32(((i32(user_cd1r) | 0)*3));' }));
    expect(predicated.tie).toEqual({ integer: 0, float: 0, conversion: 0, rounding: 0 });
    expect(predicated.word).toEqual({ integer: 5, float: 4, conversion: 0, rounding: 0 });
    expect(predicated.block).toEqual({ integer: 5, float: 1, conversion: 5, rounding: 0 });
  });

  it('refuses what it cannot read rather than miscounting it', () => {
    expect(() => countBlockLoop('var x : f32 = 1.0;')).toThrow(/no Philox block loop/);
    expect(() => countBlockLoop(kernel().replace('(user_cd1k<4)', '(user_cd1k<user_n)'))).toThrow(/bound is not a constant/);
    expect(() => countBlockLoop(kernel({ extra: '\nif ((user_sum>1.0)) {\nuser_w = ((i32(user_sum) | 0)*8019);\n}' }))).toThrow(/more than one branch computing a Philox block/);
    expect(() => countBlockLoop(kernel({ extra: '\nbreak;' }))).toThrow(/reads assignments, if, for and blocks/);
    expect(() => countBlockLoop(kernel().replace('user_sum=(user_sum+user_cd1z);\n}', 'user_sum=(user_sum+user_cd1z);\n} else {\nuser_sum=0.0;\n}'))).toThrow(/without else/);
  });

  it('weighs the tie branch by the chance that one of a word’s four bytes ties', () => {
    expect(WORD_TIE_PROBABILITY).toBeCloseTo(1 - (255 / 256) ** 4, 15);
    const loop = { block: { integer: 400, float: 0, conversion: 100, rounding: 0 }, words: 4, word: { integer: 10, float: 20, conversion: 0, rounding: 5 }, tie: { integer: 400, float: 10, conversion: 100, rounding: 0 } };
    expect(expectedBlockCounts(loop, 0.25)).toEqual({ integer: 400 + 4 * (10 + 100), float: 4 * (20 + 2.5), conversion: 100 + 4 * 25, rounding: 20 });
    // M = 100: 7 Philox blocks (the last serves 4 points) and 25 words.
    expect(generationCounts(loop, 100, 0).integer).toBe(7 * 400 + 25 * 10);
  });

  it('prices a block by its busiest unit, sixteen data points to a block', () => {
    expect(POINTS_PER_BLOCK).toBe(16);
    const counts = { integer: 640, float: 0, conversion: 0, rounding: 0 };
    expect(cyclesPerBlock(counts, false)).toBe(10);
    // 132 SMs × 1.98 GHz × 16 points / 10 cycles.
    expect(ceilingDataPointsPerSecond(counts, false)).toBeCloseTo(4.18176e11, -7);
    expect(ceilingDataPointsPerSecond(counts, false, 132, 1.98e9, 100)).toBeCloseTo(2.6136e12, -8);
    expect(cyclesPerBlock({ ...counts, conversion: 320 }, false)).toBe(20);
    expect(cyclesPerBlock({ ...counts, conversion: 320 }, true)).toBe(10);
  });

  it('publishes the expected counts of the published loop', () => {
    expect(BERNOULLI_BLOCK_COUNTS).toEqual(expectedBlockCounts(BERNOULLI_BLOCK_LOOP));
  });
});

const webgpu = await backendStatus('webgpu');
const required = REQUIRED_BACKENDS.has('webgpu');
describe.skipIf(!webgpu.available && !required)(`the Bernoulli per-sample kernel's count (webgpu: ${webgpu.device ?? webgpu.reason})`, () => {
  it('is the one bench/README.md and the device summary use', async () => {
    expect(countBlockLoop(await bernoulliPerSampleWgsl())).toEqual(BERNOULLI_BLOCK_LOOP);
  });
});
