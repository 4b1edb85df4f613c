/**
 * Kernel-source helpers shared by the family kernels: counters, exact integer thresholds,
 * and float32 samplers for sufficient mode.
 *
 * Two kinds of draws, as in the reference (src/rng, src/families):
 *  - per-sample draws consume the stream (chain, generation, tag) exactly as the reference
 *    does — uniform i is word i mod 4 of block ⌊i/4⌋ — and compare it with exact integer
 *    thresholds, so discrete families match the reference bit for bit;
 *  - sufficient-mode samplers (binomial, Poisson, gamma, normal) run the reference's
 *    algorithms in float32, reading the same stream positions through a streamReader: a
 *    chain follows the reference until a float32 decision differs from the float64 one
 *    (rare), and the law is the same.
 *
 * Every generated variable name carries a fresh prefix (see freshName).
 */
import { freshName, philoxBlock } from './philox.js';
import { INVERSION_LIMIT } from '../src/constants.js';

/** 2^24: 24-bit uniforms u satisfy 0 ≤ u < U24. */
export const U24 = 16777216;

/** [h, l] limb expressions of a non-negative integer expression below 2^24. */
export function limbs(expression) {
  return [`Math.floor((${expression}) / 65536)`, `((${expression}) % 65536)`];
}

/**
 * Philox block at counter (chain, generation, block, tag); chain given as limb variables
 * chainH, chainL, generation and block as float expressions below 2^24.
 */
export function counterBlock(style, generation, block, tag, out) {
  return philoxBlock(style, [['chainH', 'chainL'], limbs(generation), limbs(block), ['0', String(tag)]], out);
}

/**
 * The same block where the generation's limbs are already in variables `${generationLimbs}H`
 * and `…L`, and the block index is known to be below 2^16.
 */
function smallBlock(style, generationLimbs, block, tag, out) {
  return philoxBlock(style, [['chainH', 'chainL'], [`${generationLimbs}H`, `${generationLimbs}L`], ['0', block], ['0', String(tag)]], out);
}

/**
 * out = ⌈num·2^24/den⌉ for integers 0 ≤ num ≤ den < 2^23, by binary long division (every
 * intermediate below 2^24, so exact in float32). A uniform u is then below num/den exactly
 * when u < out: the reference's test u < p·2^24 for p = num/den.
 */
export function exactThreshold(num, den, out) {
  const q = freshName('tq');
  return `let ${out} = 0;
{
  let ${q}r = ${num}; let ${q}q = 0;
  for (let ${q}i = 0; ${q}i < 24; ${q}i++) {
    ${q}r = ${q}r * 2; ${q}q = ${q}q * 2;
    if (${q}r >= ${den}) { ${q}r = ${q}r - (${den}); ${q}q = ${q}q + 1; }
  }
  ${out} = ${q}q;
  if (${q}r > 0) ${out} = ${q}q + 1;
}`;
}

/**
 * Emits `body(uniforms)` once per data point, points 0..count−1, where point j consumes
 * uniforms j·per … j·per + per − 1 of the stream (chain, generation, tag) — the order in
 * which the reference draws them. `per` is 1 or 2 (a block of four serves 4 or 2 points).
 */
export function forEachPoint(style, { generation, tag, count, per, body }) {
  const p = freshName('pt');
  const pointsPerBlock = 4 / per;
  const fullBlocks = Math.floor(count / pointsPerBlock);
  const rest = count % pointsPerBlock;
  // Block indices stay below 2^16 for every count a GPU run accepts (M < 2^18): one limb.
  const block = fullBlocks < 65536 ? (index, out) => smallBlock(style, `${p}g`, index, tag, out) : (index, out) => counterBlock(style, generation, index, tag, out);
  const points = (prefix, n) => {
    const lines = [];
    for (let j = 0; j < n; j++) lines.push(body(Array.from({ length: per }, (_, k) => `${prefix}${j * per + k}`)));
    return lines.join('\n');
  };
  const lines = [`const ${p}gH = Math.floor((${generation}) / 65536); const ${p}gL = (${generation}) % 65536;`];
  if (fullBlocks > 0) {
    lines.push(`for (let ${p}b = 0; ${p}b < ${fullBlocks}; ${p}b++) {`, block(`${p}b`, `${p}w`), points(`${p}w`, pointsPerBlock), '}');
  }
  if (rest > 0) lines.push('{', block(String(fullBlocks), `${p}z`), points(`${p}z`, rest), '}');
  return lines.join('\n');
}

/**
 * A run of `count` byte-wise Bernoulli decisions (src/rng/distributions/bernoulli.ts) on the
 * stream (chain, generation, tag), from its word 0: decision d reads byte d mod 4 (low byte
 * first) of word ⌊d/4⌋ mod 4 of block ⌊d/16⌋, and succeeds when the byte is below the top 8 bits
 * of its threshold T (an integer ≤ 2^24); on a tie it takes the top 16 bits of word d mod 4 of
 * the tie block (chain, generation, ⌊d/4⌋, tag + 2) and succeeds when they are below T's low 16
 * bits. `threshold` is an expression evaluated for each decision (it may read variables the
 * body updates); `body(success)` runs for each decision with `success` 1 or 0.
 */
export function decisionRun(style, { generation, tag, count, threshold, body }) {
  const p = freshName('dr');
  const blocks = Math.ceil(count / 16);
  // Block indices stay below 2^16 for every count a GPU run accepts (M < 2^18): one limb.
  const mainBlock = blocks <= 65536 ? smallBlock(style, `${p}g`, `${p}b`, tag, `${p}w`) : counterBlock(style, generation, `${p}b`, tag, `${p}w`);
  return `{
  const ${p}gH = Math.floor((${generation}) / 65536); const ${p}gL = (${generation}) % 65536;
  for (let ${p}b = 0; ${p}b < ${blocks}; ${p}b++) {
    ${mainBlock}
    for (let ${p}k = 0; ${p}k < 4; ${p}k++) {
      let ${p}h = ${p}wx0h; let ${p}l = ${p}wx0l;
      if (${p}k === 1) { ${p}h = ${p}wx1h; ${p}l = ${p}wx1l; }
      if (${p}k === 2) { ${p}h = ${p}wx2h; ${p}l = ${p}wx2l; }
      if (${p}k === 3) { ${p}h = ${p}wx3h; ${p}l = ${p}wx3l; }
      for (let ${p}j = 0; ${p}j < 4; ${p}j++) {
        const ${p}d = ${p}b * 16 + ${p}k * 4 + ${p}j;
        if (${p}d < ${count}) {
          let ${p}limb = ${p}l;
          if (${p}j >= 2) ${p}limb = ${p}h;
          let ${p}byte = ${p}limb % 256;
          if (${p}j === 1 || ${p}j === 3) ${p}byte = Math.floor(${p}limb / 256);
          const ${p}t = ${threshold};
          const ${p}hi = Math.floor(${p}t / 65536);
          const ${p}lo = ${p}t - ${p}hi * 65536;
          let ${p}s = 0;
          if (${p}byte < ${p}hi) ${p}s = 1;
          if (${p}byte === ${p}hi && ${p}lo > 0) {
            ${counterBlock(style, generation, `(${p}b * 4 + ${p}k)`, tag + 2, `${p}z`)}
            let ${p}r = ${p}zx0h;
            if (${p}j === 1) ${p}r = ${p}zx1h;
            if (${p}j === 2) ${p}r = ${p}zx2h;
            if (${p}j === 3) ${p}r = ${p}zx3h;
            if (${p}r < ${p}lo) ${p}s = 1;
          }
          ${body(`${p}s`)}
        }
      }
    }
  }
}`;
}

/**
 * out = successes among `count` byte-wise decisions against one `threshold` (see decisionRun),
 * a hot loop: the four bytes of a word are compared branch-free and their ties, if any, settled
 * from one tie block per word.
 */
export function countDecisions(style, { generation, tag, count, threshold, out }) {
  const p = freshName('cd');
  const fullBlocks = Math.floor(count / 16);
  const rest = count % 16;
  // Block indices stay below 2^16 for every count a GPU run accepts (M < 2^18): one limb.
  const block = (index, name) => (fullBlocks < 65536 ? smallBlock(style, `${p}g`, index, tag, name) : counterBlock(style, generation, index, tag, name));
  /** The decisions of word k of block b, bytes j < limit (4 in full blocks). */
  const word = (b, k, w, limit) => {
    const bytes = [`${p}l % 256`, `Math.floor(${p}l / 256)`, `${p}h % 256`, `Math.floor(${p}h / 256)`];
    const lines = [];
    for (let j = 0; j < limit; j++) {
      lines.push(`const ${p}v${j} = ${bytes[j]};`, `${out} = ${out} - Math.floor((${p}v${j} - ${p}hi) / 256);`, `let ${p}t${j} = 0; if (${p}v${j} === ${p}hi) ${p}t${j} = 1;`);
    }
    const tied = Array.from({ length: limit }, (_, j) => `${p}t${j}`).join(' + ');
    const settle = Array.from({ length: limit }, (_, j) => `if (${p}t${j} > 0 && ${p}zx${j}h < ${p}lo) ${out} = ${out} + 1;`).join('\n');
    return `${lines.join('\n')}
if (${p}lo > 0 && ${tied} > 0) {
  ${counterBlock(style, generation, `(${b} * 4 + ${k})`, tag + 2, `${p}z`)}
  ${settle}
}`;
  };
  /** Word k's limbs of the block held in `${w}`. */
  const select = (w) => `let ${p}h = ${w}x0h; let ${p}l = ${w}x0l;
if (${p}k === 1) { ${p}h = ${w}x1h; ${p}l = ${w}x1l; }
if (${p}k === 2) { ${p}h = ${w}x2h; ${p}l = ${w}x2l; }
if (${p}k === 3) { ${p}h = ${w}x3h; ${p}l = ${w}x3l; }`;
  const lines = [
    `let ${out} = 0;`,
    '{',
    `const ${p}gH = Math.floor((${generation}) / 65536); const ${p}gL = (${generation}) % 65536;`,
    `const ${p}hi = Math.floor((${threshold}) / 65536);`,
    `const ${p}lo = (${threshold}) - ${p}hi * 65536;`,
  ];
  if (fullBlocks > 0) {
    lines.push(
      `for (let ${p}b = 0; ${p}b < ${fullBlocks}; ${p}b++) {`,
      block(`${p}b`, `${p}w`),
      `for (let ${p}k = 0; ${p}k < 4; ${p}k++) {`,
      select(`${p}w`),
      word(`${p}b`, `${p}k`, `${p}w`, 4),
      '}',
      '}',
    );
  }
  if (rest > 0) {
    // The last, partial block: whole words, then the bytes of the last word.
    const wholeWords = Math.floor(rest / 4);
    const lastBytes = rest % 4;
    lines.push('{', block(String(fullBlocks), `${p}y`));
    if (wholeWords > 0) lines.push(`for (let ${p}k = 0; ${p}k < ${wholeWords}; ${p}k++) {`, select(`${p}y`), word(String(fullBlocks), `${p}k`, `${p}y`, 4), '}');
    if (lastBytes > 0) lines.push('{', `const ${p}k = ${wholeWords};`, select(`${p}y`), word(String(fullBlocks), `${p}k`, `${p}y`, lastBytes), '}');
    lines.push('}');
  }
  lines.push('}');
  return lines.join('\n');
}

/**
 * A sequential reader of the stream (chain, generation, tag), for draws that consume a
 * variable number of uniforms (rejection samplers) in the reference's order: uniform i is
 * word i mod 4 of block ⌊i/4⌋. `declare` starts it at uniform 0; `next(out)` emits code
 * setting `out` to the next uniform (computing a block only when the read crosses into it).
 */
export function streamReader(style, { generation, tag }) {
  const r = freshName('sr');
  return {
    declare: `let ${r}pos = 0; let ${r}loaded = -1; let ${r}w0 = 0; let ${r}w1 = 0; let ${r}w2 = 0; let ${r}w3 = 0;`,
    next(out) {
      const b = freshName('srb');
      return `const ${out}blk = Math.floor(${r}pos / 4);
if (${out}blk !== ${r}loaded) {
  ${counterBlock(style, generation, `${out}blk`, tag, b)}
  ${r}w0 = ${b}0; ${r}w1 = ${b}1; ${r}w2 = ${b}2; ${r}w3 = ${b}3; ${r}loaded = ${out}blk;
}
const ${out}lane = ${r}pos - 4 * ${out}blk;
let ${out} = ${r}w0;
if (${out}lane === 1) ${out} = ${r}w1;
if (${out}lane === 2) ${out} = ${r}w2;
if (${out}lane === 3) ${out} = ${r}w3;
${r}pos = ${r}pos + 1;`;
    },
  };
}

/** Open uniform (0, 1) from a 24-bit integer, as the reference's openUnit. */
export function open(u) {
  return `((${u} + 0.5) / ${U24})`;
}

/** ln k! − [(k + ½) ln(k + 1) − (k + 1) + ½ ln 2π]: exact table below 10, series above. */
const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];
function stirlingTail(k, out) {
  return [
    `let ${out} = 0;`,
    `{ const kp = ${k} + 1; const kq = kp * kp; ${out} = (0.08333333333333333 - (0.002777777777777778 - 0.0007936507936507937 / kq) / kq) / kp; }`,
    ...STIRLING_TAIL.map((value, i) => `if (${k} === ${i}) ${out} = ${value};`),
  ].join('\n');
}

/**
 * Hörmann's transformed-rejection loop, shared by BTRS (binomial) and PTRS (Poisson): each
 * attempt reads u and v from the stream (as the reference does), forms us = ½ − |u − ½| and
 * the candidate k = ⌊(2a/us + b)(u − ½) + shift⌋, and runs `attempt` (which sets `${q}done`).
 */
function transformedRejection(reader, q, { a, b, shift, attempt }) {
  return `let ${q}done = 0;
      for (let ${q}t = 0; ${q}t < 256; ${q}t++) {
        if (${q}done > 0) break;
        ${reader.next(`${q}u24`)}
        ${reader.next(`${q}v24`)}
        const ${q}u = ${open(`${q}u24`)} - 0.5;
        const ${q}v = ${open(`${q}v24`)};
        const ${q}us = 0.5 - Math.abs(${q}u);
        const ${q}kk = Math.floor((2 * ${a} / ${q}us + ${b}) * ${q}u + ${shift});
        ${attempt}
      }`;
}

/**
 * out ~ Binomial(n, p) as the reference (src/rng/distributions/binomial.ts): reflect to
 * q = min(p, 1 − p); inversion (one uniform) below INVERSION_LIMIT, else BTRS (two per attempt).
 */
export function binomialSample(reader, { n, p, out, maxN = Infinity }) {
  const q = freshName('bn');
  // With n ≤ maxN known when the kernel is built and q ≤ ½, n·q < INVERSION_LIMIT always
  // holds where maxN < 2·INVERSION_LIMIT: only the inversion branch can run, so only it is
  // emitted (same draws). Keeping kernels small matters: V8 does not optimise a function
  // past a size limit, and gpu.js's cpu mode runs the kernel as one JS function.
  const inversionOnly = maxN < 2 * INVERSION_LIMIT;
  return `let ${out} = 0;
{
  const ${q}n = ${n};
  const ${q}p = ${p};
  if (${q}p >= 1) ${out} = ${q}n;
  if (${q}p > 0 && ${q}p < 1 && ${q}n > 0) {
    let ${q}pp = ${q}p;
    if (${q}p > 0.5) ${q}pp = 1 - ${q}p;
    let ${q}k = 0;
    ${inversionOnly ? '{' : `if (${q}n * ${q}pp < ${INVERSION_LIMIT}) {`}
      ${reader.next(`${q}i`)}
      const ${q}u = ${q}i / ${U24};
      const ${q}odds = ${q}pp / (1 - ${q}pp);
      let ${q}prob = Math.exp(${q}n * Math.log(1 - ${q}pp));
      let ${q}cdf = ${q}prob;
      for (let ${q}j = 0; ${q}j < 1000; ${q}j++) {
        if (${q}u < ${q}cdf || ${q}k >= ${q}n) break;
        ${q}prob = ${q}prob * ((${q}n - ${q}k) / (${q}k + 1)) * ${q}odds;
        ${q}k = ${q}k + 1;
        ${q}cdf = ${q}cdf + ${q}prob;
      }
    }${inversionOnly ? '' : ` else {
      const ${q}qq = 1 - ${q}pp;
      const ${q}spq = Math.sqrt(${q}n * ${q}pp * ${q}qq);
      const ${q}b = 1.15 + 2.53 * ${q}spq;
      const ${q}a = -0.0873 + 0.0248 * ${q}b + 0.01 * ${q}pp;
      const ${q}c = ${q}n * ${q}pp + 0.5;
      const ${q}vr = 0.92 - 4.2 / ${q}b;
      const ${q}rr = ${q}pp / ${q}qq;
      const ${q}alpha = (2.83 + 5.1 / ${q}b) * ${q}spq;
      const ${q}m = Math.floor((${q}n + 1) * ${q}pp);
      ${stirlingTail(`${q}m`, `${q}fm`)}
      ${stirlingTail(`(${q}n - ${q}m)`, `${q}fnm`)}
      ${transformedRejection(reader, q, {
        a: `${q}a`,
        b: `${q}b`,
        shift: `${q}c`,
        attempt: `if (${q}kk >= 0 && ${q}kk <= ${q}n) {
          if (${q}us >= 0.07 && ${q}v <= ${q}vr) {
            ${q}k = ${q}kk; ${q}done = 1;
          } else {
            const ${q}lv = Math.log(${q}v * ${q}alpha / (${q}a / (${q}us * ${q}us) + ${q}b));
            ${stirlingTail(`${q}kk`, `${q}fk`)}
            ${stirlingTail(`(${q}n - ${q}kk)`, `${q}fnk`)}
            const ${q}bound = (${q}m + 0.5) * Math.log((${q}m + 1) / (${q}rr * (${q}n - ${q}m + 1)))
              + (${q}n + 1) * Math.log((${q}n - ${q}m + 1) / (${q}n - ${q}kk + 1))
              + (${q}kk + 0.5) * Math.log(${q}rr * (${q}n - ${q}kk + 1) / (${q}kk + 1))
              + ${q}fm + ${q}fnm - ${q}fk - ${q}fnk;
            if (${q}lv <= ${q}bound) { ${q}k = ${q}kk; ${q}done = 1; }
          }
        }`,
      })}
    }`}
    ${out} = ${q}k;
    if (${q}p > 0.5) ${out} = ${q}n - ${q}k;
  }
}`;
}

/** out ~ Poisson(mean) as the reference: inversion below INVERSION_LIMIT (one uniform), PTRS above (two per attempt). */
export function poissonSample(reader, { mean, out }) {
  const q = freshName('ps');
  return `let ${out} = 0;
{
  const ${q}m = ${mean};
  if (${q}m > 0 && ${q}m < ${INVERSION_LIMIT}) {
    ${reader.next(`${q}i`)}
    const ${q}u = ${q}i / ${U24};
    let ${q}prob = Math.exp(-${q}m);
    let ${q}cdf = ${q}prob;
    for (let ${q}j = 0; ${q}j < 256; ${q}j++) {
      if (${q}u < ${q}cdf) break;
      ${out} = ${out} + 1;
      ${q}prob = ${q}prob * ${q}m / ${out};
      ${q}cdf = ${q}cdf + ${q}prob;
    }
  }
  if (${q}m >= ${INVERSION_LIMIT}) {
    const ${q}lm = Math.log(${q}m);
    const ${q}b = 0.931 + 2.53 * Math.sqrt(${q}m);
    const ${q}a = -0.059 + 0.02483 * ${q}b;
    const ${q}ia = 1.1239 + 1.1328 / (${q}b - 3.4);
    const ${q}vr = 0.9277 - 3.6224 / (${q}b - 2);
    ${transformedRejection(reader, q, {
      a: `${q}a`,
      b: `${q}b`,
      shift: `${q}m + 0.43`,
      attempt: `if (${q}kk >= 0) {
        if (${q}us >= 0.07 && ${q}v <= ${q}vr) {
          ${out} = ${q}kk; ${q}done = 1;
        } else {
          if (!(${q}us < 0.013 && ${q}v > ${q}us)) {
            const ${q}s = Math.log(${q}v * ${q}ia / (${q}a / (${q}us * ${q}us) + ${q}b));
            ${stirlingTail(`${q}kk`, `${q}f`)}
            const ${q}lf = (${q}kk + 0.5) * Math.log(${q}kk + 1) - (${q}kk + 1) + 0.9189385332046728 + ${q}f;
            if (${q}s <= -${q}m + ${q}kk * ${q}lm - ${q}lf) { ${out} = ${q}kk; ${q}done = 1; }
          }
        }
      }`,
    })}
  }
}`;
}

/** out ~ N(0, 1) as the reference: Box–Muller, cosine branch, radius then angle. */
export function normalSample(reader, out) {
  return `${reader.next(`${out}r`)}
${reader.next(`${out}a`)}
const ${out} = Math.sqrt(-2 * Math.log(${open(`${out}r`)})) * Math.cos(6.283185307179586 * (${out}a / ${U24}));`;
}

/** out ~ Gamma(shape, 1) as the reference: Marsaglia–Tsang, then the boost for shape < 1. */
export function gammaSample(reader, { shape, out }) {
  const q = freshName('gm');
  return `let ${out} = 0;
{
  const ${q}s = ${shape};
  let ${q}shape = ${q}s;
  if (${q}s < 1) ${q}shape = ${q}s + 1;
  const ${q}d = ${q}shape - 1 / 3;
  const ${q}c = 1 / Math.sqrt(9 * ${q}d);
  let ${q}done = 0;
  for (let ${q}t = 0; ${q}t < 256; ${q}t++) {
    if (${q}done > 0) break;
    ${normalSample(reader, `${q}z`)}
    const ${q}cube = 1 + ${q}c * ${q}z;
    if (${q}cube > 0) {
      const ${q}v = ${q}cube * ${q}cube * ${q}cube;
      ${reader.next(`${q}u24`)}
      const ${q}u = ${open(`${q}u24`)};
      const ${q}zz = ${q}z * ${q}z;
      if (${q}u < 1 - 0.0331 * ${q}zz * ${q}zz) { ${out} = ${q}d * ${q}v; ${q}done = 1; }
      else if (Math.log(${q}u) < 0.5 * ${q}zz + ${q}d * (1 - ${q}v + Math.log(${q}v))) { ${out} = ${q}d * ${q}v; ${q}done = 1; }
    }
  }
  if (${q}s < 1) {
    ${reader.next(`${q}x`)}
    ${out} = ${out} * Math.pow(${open(`${q}x`)}, 1 / ${q}s);
  }
}`;
}

/**
 * Up spins among `count` samples of N independent spins with P(up) = p, drawn as the
 * reference does for the Ising model: level counts ~ Multinomial(count, P(level)) by
 * conditional binomials over levels u = 0 … N (suffix sums from the top, the last level of
 * positive weight taking the rest), P(u) = C(N, u) p^u (1 − p)^{N−u} from `logChoose`.
 */
export function spinLevelsSample(reader, { count, spins, p, logChoose, out }) {
  const q = freshName('lv');
  const weight = (u, into) =>
    `let ${into} = 0; if (${p} >= 1) { if (${u} === ${spins}) ${into} = 1; } else if (${p} <= 0) { if (${u} === 0) ${into} = 1; } else { ${into} = Math.exp(${logChoose}[${u}] + ${u} * Math.log(${p}) + (${spins} - ${u}) * Math.log(1 - ${p})); }`;
  return `let ${out} = 0;
{
  let ${q}last = -1;
  for (let ${q}u = 0; ${q}u <= ${spins}; ${q}u++) {
    ${weight(`${q}u`, `${q}w`)}
    if (${q}w > 0) ${q}last = ${q}u;
  }
  let ${q}left = ${count};
  for (let ${q}j = 0; ${q}j <= ${spins}; ${q}j++) {
    ${weight(`${q}j`, `${q}wj`)}
    if (${q}left > 0 && ${q}wj > 0) {
      let ${q}c = ${q}left;
      if (${q}j !== ${q}last) {
        let ${q}suffix = 0;
        // Summed from the top, as the reference does (gpu.js's WGSL cannot count down).
        for (let ${q}r = 0; ${q}r <= ${spins}; ${q}r++) {
          const ${q}i = ${spins} - ${q}r;
          if (${q}i >= ${q}j) {
            ${weight(`${q}i`, `${q}wi`)}
            ${q}suffix = ${q}suffix + ${q}wi;
          }
        }
        ${binomialSample(reader, { n: `${q}left`, p: `Math.min(1, ${q}wj / ${q}suffix)`, out: `${q}b` })}
        ${q}c = ${q}b;
      }
      ${out} = ${out} + ${q}c * ${q}j;
      ${q}left = ${q}left - ${q}c;
    }
  }
}`;
}
