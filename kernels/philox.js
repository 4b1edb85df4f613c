/**
 * Philox4x32-10 as gpu.js kernel source, bit-identical to src/rng/philox.ts on every backend.
 *
 * gpu.js kernels store every variable as a float (WGSL variables decay to f32 even when
 * integer-typed; GLSL ES 1.0 has no integers at all), so a 32-bit word never lives in a
 * variable: each word is two 16-bit limbs (h, l), exact in float32. Three spellings of the
 * same arithmetic, chosen per backend by what measured fastest:
 *
 *  - 'int-expression' (webgpu, cpu): integer operations are native inside an expression
 *    (i32 in WGSL, int32 in JS), so each round's output limbs are written as nested i32
 *    expressions over the previous round's limbs; 16×16-bit products wrap identically in
 *    i32 and stay exact in JS doubles. The shader compiler removes the repetition.
 *  - 'int-limb' (webasm): the same integer operations, but every 16-bit half is stored,
 *    because the wasm compiler does not eliminate repeated subexpressions.
 *  - 'float' (headlessgl): no integer operations at all. Products are schoolbook on bytes
 *    (each partial product and column sum below 2^24), XOR is unrolled bit by bit
 *    (branch-free: 1.75× faster on llvmpipe than gpu.js's emulated `^`).
 *
 * The generated code reads the key limbs from variables keyH0, keyL0, keyH1, keyL1 and
 * leaves the block's four 24-bit uniforms (word >>> 8) in `${out}0` … `${out}3`.
 */

export const PHILOX_STYLE_BY_BACKEND = {
  webgpu: 'int-expression',
  cpu: 'int-expression',
  webasm: 'int-limb',
  headlessgl: 'float',
  // A browser's WebGL2 (web/): the GLSL spelling headlessgl runs, so its draws are the same floats.
  webgl2: 'float',
};

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

let uniqueId = 0;
/** A fresh identifier prefix, so blocks emitted twice in one kernel never clash. */
export function freshName(base) {
  uniqueId += 1;
  return `${base}${uniqueId}`;
}

/**
 * Wraps a kernel-source generator so that its names restart for every kernel: the same
 * configuration then gives the same source text, which compiled-kernel caches (ours, and
 * drivers' shader caches) depend on.
 */
export function kernelGenerator(build) {
  return (...args) => {
    uniqueId = 0;
    return build(...args);
  };
}

/**
 * Round keys, computed once per kernel invocation: rk{r}{0,1}{h,l} for r = 0..9 (integer
 * styles), or nothing (the float style advances its key inside the rounds loop).
 */
export function philoxKeySchedule(style) {
  if (style === 'float') return '';
  const lines = ['let rq0h = keyH0; let rq0l = keyL0; let rq1h = keyH1; let rq1l = keyL1;'];
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      lines.push(
        `rq0l = rq0l + ${W0 & 65535}; rq0h = (rq0h + ${W0 >>> 16} + Math.floor(rq0l / 65536)) % 65536; rq0l = rq0l % 65536;`,
        `rq1l = rq1l + ${W1 & 65535}; rq1h = (rq1h + ${W1 >>> 16} + Math.floor(rq1l / 65536)) % 65536; rq1l = rq1l % 65536;`,
      );
    }
    lines.push(`const rk${round}0h = rq0h; const rk${round}0l = rq0l; const rk${round}1h = rq1h; const rk${round}1l = rq1l;`);
  }
  return lines.join('\n');
}

/** The 64-bit product m·x as i32 expressions: low word limbs and the high word (32-bit). */
function multiplyExpressions(m, xh, xl) {
  const mh = m >>> 16;
  const ml = m & 65535;
  const ll = `((${xl} | 0) * ${ml})`;
  const lh = `((${xl} | 0) * ${mh})`;
  const hl = `((${xh} | 0) * ${ml})`;
  const hh = `((${xh} | 0) * ${mh})`;
  const mid = `((${ll} >>> 16) + (${lh} & 65535) + (${hl} & 65535))`;
  return {
    loL: `(${ll} & 65535)`,
    loH: `(${mid} & 65535)`,
    hi: `(${hh} + (${lh} >>> 16) + (${hl} >>> 16) + (${mid} >>> 16))`,
  };
}

function intExpressionRounds(p) {
  const lines = [];
  for (let round = 0; round < 10; round++) {
    const a = multiplyExpressions(M0, `${p}x0h`, `${p}x0l`);
    const b = multiplyExpressions(M1, `${p}x2h`, `${p}x2l`);
    const word = (h, l) => `((${h} << 16) | ${l})`;
    const n0 = `(${b.hi} ^ ${word(`${p}x1h`, `${p}x1l`)} ^ ${word(`rk${round}0h`, `rk${round}0l`)})`;
    const n2 = `(${a.hi} ^ ${word(`${p}x3h`, `${p}x3l`)} ^ ${word(`rk${round}1h`, `rk${round}1l`)})`;
    lines.push(
      `const ${p}r${round}a = (${n0} >>> 16); const ${p}r${round}b = (${n0} & 65535);`,
      `const ${p}r${round}c = (${n2} >>> 16); const ${p}r${round}d = (${n2} & 65535);`,
      `const ${p}r${round}e = ${b.loH}; const ${p}r${round}f = ${b.loL}; const ${p}r${round}g = ${a.loH}; const ${p}r${round}k = ${a.loL};`,
      `${p}x0h = ${p}r${round}a; ${p}x0l = ${p}r${round}b; ${p}x2h = ${p}r${round}c; ${p}x2l = ${p}r${round}d;`,
      `${p}x1h = ${p}r${round}e; ${p}x1l = ${p}r${round}f; ${p}x3h = ${p}r${round}g; ${p}x3l = ${p}r${round}k;`,
    );
  }
  return lines.join('\n');
}

function intLimbRounds(p) {
  const lines = [];
  const multiply = (q, m, xh, xl) => {
    const mh = m >>> 16;
    const ml = m & 65535;
    const product = (name, a, b) =>
      `const ${q}${name}L = (((${a} | 0) * ${b}) & 65535); const ${q}${name}H = (((${a} | 0) * ${b}) >>> 16);`;
    lines.push(
      product('ll', xl, ml),
      product('lh', xl, mh),
      product('hl', xh, ml),
      product('hh', xh, mh),
      `const ${q}mid = ${q}llH + ${q}lhL + ${q}hlL;`,
      `const ${q}sum = ${q}hhL + ${q}lhH + ${q}hlH + ((${q}mid | 0) >>> 16);`,
    );
    return {
      loL: `${q}llL`,
      loH: `((${q}mid | 0) & 65535)`,
      hiL: `((${q}sum | 0) & 65535)`,
      hiH: `((${q}hhH + ((${q}sum | 0) >>> 16)) % 65536)`,
    };
  };
  for (let round = 0; round < 10; round++) {
    const a = multiply(`${p}a${round}`, M0, `${p}x0h`, `${p}x0l`);
    const b = multiply(`${p}b${round}`, M1, `${p}x2h`, `${p}x2l`);
    lines.push(
      `const ${p}n${round}0h = (${b.hiH} ^ ${p}x1h) ^ rk${round}0h; const ${p}n${round}0l = (${b.hiL} ^ ${p}x1l) ^ rk${round}0l;`,
      `const ${p}n${round}2h = (${a.hiH} ^ ${p}x3h) ^ rk${round}1h; const ${p}n${round}2l = (${a.hiL} ^ ${p}x3l) ^ rk${round}1l;`,
      `${p}x1h = ${b.loH}; ${p}x1l = ${b.loL}; ${p}x3h = ${a.loH}; ${p}x3l = ${a.loL};`,
      `${p}x0h = ${p}n${round}0h; ${p}x0l = ${p}n${round}0l; ${p}x2h = ${p}n${round}2h; ${p}x2l = ${p}n${round}2l;`,
    );
  }
  return lines.join('\n');
}

/** Schoolbook m·x on bytes; every partial product (8×8 bits) and column sum stays below 2^24. */
function floatMultiply(q, m, xh, xl) {
  const mb = [m & 255, (m >>> 8) & 255, (m >>> 16) & 255, (m >>> 24) & 255];
  const lines = [
    `const ${q}b0 = ${xl} % 256; const ${q}b1 = Math.floor(${xl} / 256); const ${q}b2 = ${xh} % 256; const ${q}b3 = Math.floor(${xh} / 256);`,
  ];
  let carry = '0';
  for (let column = 0; column < 7; column++) {
    const terms = [];
    for (let i = 0; i <= 3; i++) {
      const j = column - i;
      if (j >= 0 && j <= 3) terms.push(`${mb[i]} * ${q}b${j}`);
    }
    lines.push(`const ${q}s${column} = ${carry} + ${terms.join(' + ')};`, `const ${q}r${column} = ${q}s${column} % 256;`);
    carry = `Math.floor(${q}s${column} / 256)`;
  }
  lines.push(`const ${q}r7 = ${carry};`);
  return {
    code: lines.join('\n'),
    loL: `(${q}r1 * 256 + ${q}r0)`,
    loH: `(${q}r3 * 256 + ${q}r2)`,
    hiL: `(${q}r5 * 256 + ${q}r4)`,
    hiH: `(${q}r7 * 256 + ${q}r6)`,
  };
}

/** a ^ b for integers below 2^16 in float arithmetic, bit by bit, without branches. */
function floatXor(name, a, b) {
  const lines = [`let ${name}x = ${a}; let ${name}y = ${b}; let ${name} = 0;`];
  for (let bit = 0; bit < 16; bit++) {
    lines.push(
      `{ const hx = Math.floor(${name}x * 0.5); const hy = Math.floor(${name}y * 0.5); ` +
        `${name} = ${name} + Math.abs((${name}x - 2 * hx) - (${name}y - 2 * hy)) * ${2 ** bit}; ${name}x = hx; ${name}y = hy; }`,
    );
  }
  return lines.join('\n');
}

function floatRounds(p) {
  const a = floatMultiply(`${p}a`, M0, `${p}x0h`, `${p}x0l`);
  const b = floatMultiply(`${p}b`, M1, `${p}x2h`, `${p}x2l`);
  // The rounds loop keeps the shader small (unrolled, llvmpipe takes 15 s to compile it).
  return [
    `let ${p}k0h = keyH0; let ${p}k0l = keyL0; let ${p}k1h = keyH1; let ${p}k1l = keyL1;`,
    `for (let ${p}round = 0; ${p}round < 10; ${p}round++) {`,
    a.code,
    b.code,
    floatXor(`${p}m0h`, b.hiH, `${p}x1h`),
    floatXor(`${p}n0h`, `${p}m0h`, `${p}k0h`),
    floatXor(`${p}m0l`, b.hiL, `${p}x1l`),
    floatXor(`${p}n0l`, `${p}m0l`, `${p}k0l`),
    floatXor(`${p}m2h`, a.hiH, `${p}x3h`),
    floatXor(`${p}n2h`, `${p}m2h`, `${p}k1h`),
    floatXor(`${p}m2l`, a.hiL, `${p}x3l`),
    floatXor(`${p}n2l`, `${p}m2l`, `${p}k1l`),
    `${p}x1h = ${b.loH}; ${p}x1l = ${b.loL}; ${p}x3h = ${a.loH}; ${p}x3l = ${a.loL};`,
    `${p}x0h = ${p}n0h; ${p}x0l = ${p}n0l; ${p}x2h = ${p}n2h; ${p}x2l = ${p}n2l;`,
    `${p}k0l = ${p}k0l + ${W0 & 65535}; ${p}k0h = (${p}k0h + ${W0 >>> 16} + Math.floor(${p}k0l / 65536)) % 65536; ${p}k0l = ${p}k0l % 65536;`,
    `${p}k1l = ${p}k1l + ${W1 & 65535}; ${p}k1h = (${p}k1h + ${W1 >>> 16} + Math.floor(${p}k1l / 65536)) % 65536; ${p}k1l = ${p}k1l % 65536;`,
    '}',
  ].join('\n');
}

/**
 * One Philox4x32-10 block at counter (c0, c1, c2, c3), each word given as [h, l] limb
 * expressions. Leaves the raw limbs in `${out}x{0..3}{h,l}` and the four 24-bit uniforms
 * (word >>> 8 = h·256 + ⌊l/256⌋) in `${out}0` … `${out}3`.
 */
export function philoxBlock(style, counter, out) {
  const p = out;
  const lines = [
    `let ${p}x0h = ${counter[0][0]}; let ${p}x0l = ${counter[0][1]}; let ${p}x1h = ${counter[1][0]}; let ${p}x1l = ${counter[1][1]};`,
    `let ${p}x2h = ${counter[2][0]}; let ${p}x2l = ${counter[2][1]}; let ${p}x3h = ${counter[3][0]}; let ${p}x3l = ${counter[3][1]};`,
  ];
  if (style === 'int-expression') lines.push(intExpressionRounds(p));
  else if (style === 'int-limb') lines.push(intLimbRounds(p));
  else if (style === 'float') lines.push(floatRounds(p));
  else throw new Error(`unknown Philox style ${style}`);
  for (let word = 0; word < 4; word++) {
    lines.push(`const ${out}${word} = ${p}x${word}h * 256 + Math.floor(${p}x${word}l / 256);`);
  }
  return lines.join('\n');
}

/**
 * A kernel computing raw Philox words for known-answer tests: input `words` holds, per
 * test, the counter and key as 12 limbs; element x of the flat output is limb x mod 8
 * (x0h, x0l, …, x3l) of test ⌊x/8⌋.
 */
export const philoxTestKernelSource = kernelGenerator(function philoxTestKernelSource(style) {
  const p = 'kat';
  return `function (words) {
  const test = Math.floor(this.thread.x / 8);
  const limb = this.thread.x - 8 * test;
  const base = test * 12;
  const keyH0 = words[base + 8]; const keyL0 = words[base + 9]; const keyH1 = words[base + 10]; const keyL1 = words[base + 11];
  ${philoxKeySchedule(style)}
  ${philoxBlock(style, [[`words[base]`, `words[base + 1]`], [`words[base + 2]`, `words[base + 3]`], [`words[base + 4]`, `words[base + 5]`], [`words[base + 6]`, `words[base + 7]`]], p)}
  if (limb === 0) return ${p}x0h;
  if (limb === 1) return ${p}x0l;
  if (limb === 2) return ${p}x1h;
  if (limb === 3) return ${p}x1l;
  if (limb === 4) return ${p}x2h;
  if (limb === 5) return ${p}x2l;
  if (limb === 6) return ${p}x3h;
  return ${p}x3l;
}`;
});
