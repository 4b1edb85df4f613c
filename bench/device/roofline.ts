/**
 * The roofline of the webgpu kernels, counted from the WGSL that gpu.js generates: how many
 * operations one Philox4x32-10 block (sixteen data points under stream version 2) costs in the
 * Bernoulli per-sample kernel, by the unit that executes them, and what that allows on an H200.
 *
 * The kernel's block loop (kernels/sampling.js countDecisions) is a Philox block, then a loop
 * over the block's four words — pick the word's limbs, four byte decisions (branch-free) and
 * their tie flags — and, inside it, a branch taken only when a byte ties with the threshold's
 * top byte: one more Philox block (the tie stream) and the tied bytes settled. The count
 * follows that structure:
 *
 *   - value numbering over each region (common subexpressions counted once, as the shader
 *     compiler merges them), and dead values dropped (the block's 24-bit words, the tie
 *     block's low limbs: nothing reads them);
 *   - work invariant in the block loop (the key schedule, the chain's limbs, the threshold's
 *     bytes) not counted, as the compiler hoists it; work in the word loop that varies only per
 *     block counted once per block;
 *   - short ifs (word selection, tie flags, settling a tie) predicated: their condition and
 *     body always computed, one select per variable they assign; the tie branch, which computes
 *     a Philox block, a real branch counted apart and weighted by how often it is taken;
 *   - loops as written (not unrolled): each trip pays its bound test and increment.
 *
 * Conversions between f32 and i32 are counted apart: every 16-bit limb is stored as f32 and
 * converted back to i32 for the next round, and whether the compiler removes those round trips
 * decides whether the kernel is bound by the integer units or by the conversion units.
 *
 *   node dist/bench/device/roofline.js     prints the counts and the H200 ceilings (needs webgpu)
 */
import { pathToFileURL } from 'node:url';
import { PHILOX_M0, PHILOX_M1 } from '../../src/rng/philox.js';

export interface OperationCounts {
  /** i32/u32 add, sub, mul, and, or, xor, shifts, compares, logical and/or, selects. */
  readonly integer: number;
  /** f32 add, sub, mul, div, mod, compare. */
  readonly float: number;
  /** f32 ↔ i32/u32 conversions (the conversion units). */
  readonly conversion: number;
  /** floor (FRND, also on the conversion units). */
  readonly rounding: number;
}

/** The per-sample kernel's block loop, counted by region (see the file comment). */
export interface BlockLoopCounts {
  /** Once per block: the Philox block, the loop's bound test and increment, per-block work hoisted out of the word loop. */
  readonly block: OperationCounts;
  /** Trips of the word loop per block: the block's words. */
  readonly words: number;
  /** Once per word: limb selection, the byte decisions and tie flags, the tie test, the loop's bound test and increment. */
  readonly word: OperationCounts;
  /** Each time the tie branch is taken: the tie stream's Philox block and the settling of the tied bytes. */
  readonly tie: OperationCounts;
}

/** Per SM per clock on compute capability 9.0 (CUDA C++ Programming Guide, arithmetic instruction throughput). */
export const HOPPER_RATES = { integer: 64, float: 128, conversion: 16, issue: 128 } as const;
/** H200 SXM: 132 SMs; 1980 MHz is the SM clock seen under load on the lent machine (KINDS.md). */
export const H200 = { name: 'NVIDIA H200', sms: 132, clockHz: 1.98e9 } as const;

/** Byte decisions per 32-bit word (stream version 2: one byte of the word per data point). */
export const DECISIONS_PER_WORD = 4;
/** Data points per Philox block: four words of four byte decisions. */
export const POINTS_PER_BLOCK = 4 * DECISIONS_PER_WORD;
/**
 * How often a word takes the tie branch: at least one of its four bytes equals the threshold's
 * top byte (each does with probability 1/256, bytes being uniform), when the threshold's low 16
 * bits are not zero. That holds for every p = k/M except where k·2²⁴/M is a multiple of 2¹⁶
 * (p = ½ exactly among them, where the branch is never taken), so this is the rate at any other
 * p — the Bernoulli chain's p near ½ included — and an upper bound overall.
 */
export const WORD_TIE_PROBABILITY = 1 - (255 / 256) ** DECISIONS_PER_WORD;

/**
 * The Bernoulli per-sample kernel's block loop (M = 100), as `node dist/bench/device/roofline.js`
 * counts it from the generated WGSL (tests/bench/roofline.test.ts recounts it wherever webgpu
 * runs, so these numbers cannot drift from the kernel).
 */
export const BERNOULLI_BLOCK_LOOP: BlockLoopCounts = {
  block: { integer: 412, float: 0, conversion: 142, rounding: 0 },
  words: 4,
  word: { integer: 16, float: 24, conversion: 0, rounding: 6 },
  tie: { integer: 420, float: 14, conversion: 139, rounding: 1 },
};

/** Operations per block in expectation: the block, its words, and each word's tie branch weighted by how often it is taken. */
export function expectedBlockCounts(loop: BlockLoopCounts, tieProbability: number = WORD_TIE_PROBABILITY): OperationCounts {
  const per = (unit: keyof OperationCounts): number => loop.block[unit] + loop.words * (loop.word[unit] + tieProbability * loop.tie[unit]);
  return { integer: per('integer'), float: per('float'), conversion: per('conversion'), rounding: per('rounding') };
}

/** One Philox block of the Bernoulli per-sample kernel in expectation (sixteen data points). */
export const BERNOULLI_BLOCK_COUNTS: OperationCounts = expectedBlockCounts(BERNOULLI_BLOCK_LOOP);

/**
 * Operations per chain·generation at M points: ⌈M/16⌉ Philox blocks (the last one partial, a
 * whole block for fewer points: 7 blocks for M = 100) and ⌈M/4⌉ words with their tie branches.
 * The partial block's words are counted as the full loop's (the same code, emitted once more).
 * The per-generation threshold (24 steps of long division, shared by the M points) is left out.
 */
export function generationCounts(loop: BlockLoopCounts, samples: number, tieProbability: number = WORD_TIE_PROBABILITY): OperationCounts {
  const blocks = Math.ceil(samples / POINTS_PER_BLOCK);
  const words = Math.ceil(samples / DECISIONS_PER_WORD);
  const per = (unit: keyof OperationCounts): number => blocks * loop.block[unit] + words * (loop.word[unit] + tieProbability * loop.tie[unit]);
  return { integer: per('integer'), float: per('float'), conversion: per('conversion'), rounding: per('rounding') };
}

/** The Bernoulli per-sample kernel's operations per chain·generation at M = 100 (the configuration the device run measures). */
export const BERNOULLI_M100_GENERATION_COUNTS: OperationCounts = generationCounts(BERNOULLI_BLOCK_LOOP, 100);

/**
 * Clock cycles one SM needs for `counts` (a block's, or a generation's): the busiest unit, or
 * the issue rate (four warp instructions per clock) if that binds first. `foldedConversions`:
 * the compiler removes every i32 → f32 → i32 round trip (the limbs are exact in f32, so it may).
 */
export function cyclesPerBlock(counts: OperationCounts, foldedConversions: boolean): number {
  const conversion = (foldedConversions ? 0 : counts.conversion) + counts.rounding;
  const total = counts.integer + counts.float + conversion;
  return Math.max(counts.integer / HOPPER_RATES.integer, counts.float / HOPPER_RATES.float, conversion / HOPPER_RATES.conversion, total / HOPPER_RATES.issue);
}

/**
 * Data points per second the whole GPU can compute at most, where `counts` are the operations
 * that produce `points` data points (a block's sixteen by default; a generation's M).
 */
export function ceilingDataPointsPerSecond(counts: OperationCounts, foldedConversions: boolean, sms: number = H200.sms, clockHz: number = H200.clockHz, points: number = POINTS_PER_BLOCK): number {
  return (sms * clockHz * points) / cyclesPerBlock(counts, foldedConversions);
}

// ------------------------------------------------------------------ reading WGSL

type Statement =
  | { readonly kind: 'assign'; readonly name: string; readonly declared: boolean; readonly expression: string }
  | { readonly kind: 'if'; readonly condition: string; readonly body: Statement[]; readonly text: string }
  | { readonly kind: 'for'; readonly index: string; readonly condition: string; readonly body: Statement[] }
  | { readonly kind: 'block'; readonly body: Statement[] };

/** The index of the bracket closing the one at `open`. */
function closing(text: string, open: number): number {
  const [opener, closer] = text[open] === '(' ? ['(', ')'] : ['{', '}'];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === opener) depth++;
    else if (text[i] === closer && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${opener} in the WGSL`);
}

/** The statements of a WGSL block body: assignments, if (no else), for loops from 0, bare blocks. Anything else is refused. */
function parseStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  let at = 0;
  const skipSpace = (): void => {
    while (at < text.length && /\s/.test(text[at])) at++;
  };
  const body = (): { body: Statement[]; text: string } => {
    skipSpace();
    if (text[at] !== '{') throw new Error(`expected a block in the WGSL near ${JSON.stringify(text.slice(at, at + 40))}`);
    const end = closing(text, at);
    const inner = text.slice(at + 1, end);
    at = end + 1;
    return { body: parseStatements(inner), text: inner };
  };
  for (;;) {
    skipSpace();
    if (at >= text.length) return statements;
    const rest = text.slice(at);
    if (/^if\s*\(/.test(rest)) {
      const open = text.indexOf('(', at);
      const close = closing(text, open);
      const condition = text.slice(open + 1, close);
      at = close + 1;
      const block = body();
      skipSpace();
      if (/^else\b/.test(text.slice(at))) throw new Error('the counter reads if without else');
      statements.push({ kind: 'if', condition, body: block.body, text: block.text });
    } else if (/^for\s*\(/.test(rest)) {
      const open = text.indexOf('(', at);
      const close = closing(text, open);
      const header = /^var (\w+) : i32 = 0;\s*([^;]+);\s*(\w+)\+\+$/.exec(text.slice(open + 1, close).trim());
      if (header === null || header[3] !== header[1]) throw new Error(`the counter reads for loops from 0 by 1, not ${JSON.stringify(text.slice(open, close + 1))}`);
      at = close + 1;
      statements.push({ kind: 'for', index: header[1], condition: header[2], body: body().body });
    } else if (rest.startsWith('{')) {
      statements.push({ kind: 'block', body: body().body });
    } else {
      const end = text.indexOf(';', at);
      if (end < 0) throw new Error(`unterminated WGSL statement: ${rest.slice(0, 80)}`);
      const statement = text.slice(at, end).trim();
      at = end + 1;
      const declaration = /^var\s+(\w+)\s*:\s*\w+\s*=\s*([\s\S]+)$/.exec(statement);
      const assignment = /^(\w+)\s*=\s*([\s\S]+)$/.exec(statement);
      if (declaration !== null) statements.push({ kind: 'assign', name: declaration[1], declared: true, expression: declaration[2] });
      else if (assignment !== null) statements.push({ kind: 'assign', name: assignment[1], declared: false, expression: assignment[2] });
      else throw new Error(`the counter reads assignments, if, for and blocks, not: ${statement.slice(0, 80)}`);
    }
  }
}

/** Names assigned anywhere in `statements`, and those of them declared there. */
function assignedNames(statements: readonly Statement[], assigned = new Set<string>(), declared = new Set<string>()): { assigned: Set<string>; declared: Set<string> } {
  for (const statement of statements) {
    if (statement.kind === 'assign') {
      assigned.add(statement.name);
      if (statement.declared) declared.add(statement.name);
    } else if (statement.kind === 'for') {
      declared.add(statement.index);
      assignedNames(statement.body, assigned, declared);
    } else assignedNames(statement.body, assigned, declared);
  }
  return { assigned, declared };
}

/** A branch that computes a Philox block (multiplies by a limb of Philox's round multipliers): the tie stream's. */
const PHILOX_PRODUCT = new RegExp(`\\*\\s*(${[PHILOX_M0 >>> 16, PHILOX_M0 & 0xffff, PHILOX_M1 >>> 16, PHILOX_M1 & 0xffff].join('|')})\\b`);

// ------------------------------------------------------------------ counting

type Type = 'f32' | 'int' | 'abstract' | 'bool';
type Unit = keyof OperationCounts;
/** Where a counted operation runs: once per block, once per word, or in the tie branch. */
type Region = 'block' | 'word' | 'tie';

interface Value {
  readonly id: string;
  readonly type: Type;
  /** 0: invariant in the block loop (costs nothing per block); 1: varies per block; 2: per word. */
  readonly level: number;
}

interface Node {
  readonly unit: Unit | null;
  readonly operands: readonly string[];
  readonly level: number;
  region: Region;
}

interface Context {
  readonly region: Region;
  /** The innermost loop's level: 1 in the block loop, 2 in the word loop. */
  readonly level: number;
}

const TOKEN = /\s*(bitcast<\w+>|[A-Za-z_]\w*|\d+\.\d*|\d+[iu]?|<<|>>|==|!=|<=|>=|&&|\|\||[-+*/%&|^<>!(),])/y;
const PRECEDENCE: Record<string, number> = { '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10 };
const COMMUTATIVE = new Set(['+', '*', '&', '|', '^', '==', '!=', '&&', '||']);

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (match = TOKEN.exec(text)) !== null) tokens.push(match[1]);
  if (text.slice(TOKEN.lastIndex).trim() !== '') throw new Error(`cannot read WGSL near ${JSON.stringify(text.slice(TOKEN.lastIndex, TOKEN.lastIndex + 40))}`);
  return tokens;
}

const zero = (): Record<Unit, number> => ({ integer: 0, float: 0, conversion: 0, rounding: 0 });

/** Value numbering over the block loop's regions, then the live operations counted per region. */
class Counter {
  private readonly nodes = new Map<string, Node>();
  private readonly numbering = new Map<string, string>();
  private variables = new Map<string, Value>();
  /** Values the loop's result depends on: the carried variables' final values, the loops' tests and increments. */
  private readonly roots: string[] = [];
  private next = 0;
  words = 0;
  private tieBranches = 0;

  private node(operation: string, operands: Value[], type: Type, unit: Unit | null, context: Context): Value {
    const level = Math.max(0, ...operands.map((operand) => operand.level));
    const ids = operands.map((operand) => operand.id);
    if (COMMUTATIVE.has(operation)) ids.sort();
    const key = `${operation}(${ids.join(',')})`;
    // Work that varies only per block is hoisted out of the word loop, but not out of the tie branch.
    const region: Region = context.region === 'tie' ? 'tie' : level <= 1 ? 'block' : 'word';
    const known = this.numbering.get(key);
    if (known !== undefined) {
      const node = this.nodes.get(known)!;
      // First computed in the tie branch, now needed outside it: it runs where it is needed.
      if (node.region === 'tie' && region !== 'tie') node.region = region;
      return { id: known, type, level };
    }
    const id = `v${this.next++}`;
    this.numbering.set(key, id);
    this.nodes.set(id, { unit, operands: ids, level, region });
    return { id, type, level };
  }

  private leaf(name: string): Value {
    // A name never assigned in the loop: invariant (the key schedule, the chain's limbs, the threshold).
    return this.variables.get(name) ?? { id: `in:${name}`, type: 'f32', level: 0 };
  }

  expression(text: string, context: Context): Value {
    const tokens = tokenize(text);
    let at = 0;
    const primary = (): Value => {
      const token = tokens[at++];
      if (token === '(') {
        const inner = binary(0);
        at++; // ')'
        return inner;
      }
      if (token === '-' || token === '!') {
        const operand = primary();
        return this.node(`u${token}`, [operand], operand.type, operand.type === 'f32' ? 'float' : 'integer', context);
      }
      if (/^\d/.test(token)) return { id: `c:${token}`, type: token.includes('.') ? 'f32' : 'abstract', level: 0 };
      if (tokens[at] === '(') {
        at++;
        const operands: Value[] = [];
        while (tokens[at] !== ')') {
          operands.push(binary(0));
          if (tokens[at] === ',') at++;
        }
        at++;
        const [operand] = operands;
        if (token.startsWith('bitcast<')) return { ...operand, type: 'int' }; // a reinterpretation: no instruction
        if (token === 'i32' || token === 'u32' || token === 'f32') {
          const type: Type = token === 'f32' ? 'f32' : 'int';
          if (operand.type === type || operand.type === 'abstract') return { ...operand, type };
          return this.node(token, [operand], type, 'conversion', context);
        }
        if (token === 'floor') return this.node('floor', [operand], 'f32', 'rounding', context);
        return this.node(token, operands, operand?.type ?? 'f32', operand?.type === 'int' ? 'integer' : 'float', context);
      }
      return this.leaf(token);
    };
    const binary = (minimum: number): Value => {
      let left = primary();
      for (;;) {
        const operator = tokens[at];
        const precedence = PRECEDENCE[operator];
        if (precedence === undefined || precedence < minimum) return left;
        at++;
        const right = binary(precedence + 1);
        // x | 0 is x (the kernels write it to force integer arithmetic in JavaScript).
        if (operator === '|' && right.id === 'c:0') continue;
        const type: Type = left.type === 'f32' || right.type === 'f32' ? 'f32' : left.type === 'abstract' ? right.type : left.type;
        const logical = operator === '&&' || operator === '||';
        const comparison = precedence === 6 || precedence === 7;
        left = this.node(operator, [left, right], comparison || logical ? 'bool' : type, type === 'f32' && !logical ? 'float' : 'integer', context);
      }
    };
    const value = binary(0);
    if (at !== tokens.length) throw new Error(`unread WGSL tokens: ${tokens.slice(at, at + 8).join(' ')}`);
    return value;
  }

  walk(statements: readonly Statement[], context: Context): void {
    for (const statement of statements) {
      if (statement.kind === 'assign') this.variables.set(statement.name, this.expression(statement.expression, context));
      else if (statement.kind === 'block') this.scoped(() => this.walk(statement.body, context));
      else if (statement.kind === 'for') {
        if (context.level !== 1 || context.region !== 'block') throw new Error('the counter reads one loop (over the block’s words) inside the block loop');
        if (this.words > 0) throw new Error('the block loop has more than one inner loop');
        const bound = /^\(?\s*(\w+)\s*<\s*(\d+)\s*\)?$/.exec(statement.condition.trim());
        if (bound === null || bound[1] !== statement.index) throw new Error(`the word loop's bound is not a constant: ${statement.condition}`);
        this.words = Number(bound[2]);
        this.scoped(() => this.loop(statement.index, statement.condition, statement.body, { region: 'word', level: 2 }));
      } else this.branch(statement, context);
    }
  }

  /** One trip of a loop: the carried variables enter as values of this level, and their final values are roots. */
  loop(index: string, condition: string, body: readonly Statement[], context: Context): void {
    const { assigned, declared } = assignedNames(body);
    const carried = [...assigned].filter((name) => !declared.has(name));
    for (const name of carried) this.variables.set(name, { id: `carried${context.level}:${name}`, type: this.leaf(name).type, level: context.level });
    const counter: Value = { id: `index:${index}`, type: 'int', level: context.level };
    this.variables.set(index, counter);
    // The bound test and the increment.
    this.roots.push(this.expression(condition, context).id, this.node('++', [counter], 'int', 'integer', context).id);
    this.walk(body, context);
    for (const name of carried) this.roots.push(this.variables.get(name)!.id);
  }

  private branch(statement: Extract<Statement, { kind: 'if' }>, context: Context): void {
    const condition = this.expression(statement.condition, context);
    const rare = PHILOX_PRODUCT.test(statement.text);
    if (rare) {
      if (context.region !== 'word') throw new Error('a branch computing a Philox block outside the word loop: the counter knows only the tie branch');
      if (++this.tieBranches > 1) throw new Error('more than one branch computing a Philox block: the counter knows only the tie branch');
    }
    const before = new Map(this.variables);
    this.walk(statement.body, rare ? { region: 'tie', level: context.level } : context);
    const after = this.variables;
    this.variables = before;
    for (const [name, old] of before) {
      const updated = after.get(name)!;
      if (updated.id === old.id) continue;
      // Predicated: a select, paid each time; a real branch: its values merge at no cost.
      this.variables.set(name, this.node(rare ? 'merge' : 'select', [condition, updated, old], updated.type, rare ? null : 'integer', context));
    }
  }

  /** Variables declared inside a block are gone after it; those assigned keep their new values. */
  private scoped(inner: () => void): void {
    const outer = new Map(this.variables);
    inner();
    for (const name of outer.keys()) outer.set(name, this.variables.get(name)!);
    this.variables = outer;
  }

  /** The live operations, by region and unit. */
  counts(): Record<Region, Record<Unit, number>> {
    const live = new Set<string>();
    const pending = [...this.roots];
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (live.has(id)) continue;
      live.add(id);
      pending.push(...(this.nodes.get(id)?.operands ?? []));
    }
    const counts = { block: zero(), word: zero(), tie: zero() };
    for (const id of live) {
      const node = this.nodes.get(id);
      if (node !== undefined && node.unit !== null && node.level > 0) counts[node.region][node.unit] += 1;
    }
    return counts;
  }
}

/** The per-sample kernel's Philox block loop: the first `for (var user_cd<n>b …)` (countDecisions' loop over full blocks). */
function blockLoop(wgsl: string): Extract<Statement, { kind: 'for' }> {
  const header = /for \(var (user_cd\d+b) : i32 = 0;/.exec(wgsl);
  if (header === null) throw new Error('no Philox block loop in the WGSL');
  const [loop] = parseStatements(wgsl.slice(header.index, closing(wgsl, wgsl.indexOf('{', header.index)) + 1));
  if (loop.kind !== 'for') throw new Error('no Philox block loop in the WGSL');
  return loop;
}

/** Operations of the per-sample kernel's Philox block loop, by region: per block, per word, per tie branch taken. */
export function countBlockLoop(wgsl: string): BlockLoopCounts {
  const loop = blockLoop(wgsl);
  const counter = new Counter();
  counter.loop(loop.index, loop.condition, loop.body, { region: 'block', level: 1 });
  if (counter.words === 0) throw new Error('the block loop has no loop over its words');
  const { block, word, tie } = counter.counts();
  return { block, words: counter.words, word, tie };
}

/** The WGSL gpu.js generates for the Bernoulli per-sample chain kernel (M = 100); needs a webgpu adapter. */
export async function bernoulliPerSampleWgsl(): Promise<string> {
  const { resolveRunSpec } = await import('../../src/spec/run-spec.js');
  const { createFamilyModel } = await import('../../src/engine/reference.js');
  const { PHILOX_STYLE_BY_BACKEND } = await import('../../kernels/philox.js');
  const { gpuRouteFor } = await import('../../src/engine/gpu/routes.js');
  const { chainKernelRecipe } = await import('../../src/engine/gpu/plan.js');
  const { openBackend } = await import('../../src/engine/gpu/backends.js');
  const spec = resolveRunSpec({ family: 'bernoulli', samples: 100, chains: 1, mode: 'per-sample', seed: 'roofline', out: 'roofline.arrow' });
  const route = await gpuRouteFor(spec, 'webgpu');
  if (typeof route === 'string' || route.kind !== 'chain') throw new Error('the Bernoulli configuration runs on a chain kernel');
  const plan = route.plan({ spec, model: createFamilyModel(spec), style: PHILOX_STYLE_BY_BACKEND.webgpu });
  const recipe = chainKernelRecipe('webgpu', spec, plan);
  const opened = await openBackend('webgpu');
  try {
    const settings = { output: [1], dynamicOutput: true, dynamicArguments: true, loopMaxIterations: 65536, precision: 'single', tactic: 'precision' };
    const kernel = (opened.gpu as unknown as { createKernel(source: string, settings: unknown): ((...args: unknown[]) => Promise<unknown>) & { kernel: { compiledSource: string } } }).createKernel(
      recipe.source,
      settings,
    );
    await kernel(recipe.padding, 0, ...recipe.constants);
    return kernel.kernel.compiledSource;
  } finally {
    opened.close();
  }
}

const describeCounts = (c: OperationCounts, digits = 0): string =>
  `${c.integer.toFixed(digits)} integer, ${c.float.toFixed(digits)} float, ${c.conversion.toFixed(digits)} conversions (f32↔i32), ${c.rounding.toFixed(digits)} floor`;

async function main(): Promise<void> {
  const loop = countBlockLoop(await bernoulliPerSampleWgsl());
  const counts = expectedBlockCounts(loop);
  const lines = [
    `Bernoulli per-sample kernel (M = 100), webgpu: one Philox4x32-10 block = ${POINTS_PER_BLOCK} data points (${loop.words} words × ${DECISIONS_PER_WORD} byte decisions)`,
    `  per block:                 ${describeCounts(loop.block)}`,
    `  per word (× ${loop.words}):            ${describeCounts(loop.word)}`,
    `  per tie branch taken:      ${describeCounts(loop.tie)} (taken by a word with probability 1 − (255/256)^4 = ${WORD_TIE_PROBABILITY.toFixed(5)})`,
    `  per block in expectation:  ${describeCounts(counts, 1)}`,
    `  per data point:            ${(counts.integer / POINTS_PER_BLOCK).toFixed(1)} integer, ${(counts.float / POINTS_PER_BLOCK).toFixed(1)} float, ${((counts.conversion + counts.rounding) / POINTS_PER_BLOCK).toFixed(1)} on the conversion units`,
  ];
  const generation = generationCounts(loop, 100);
  for (const folded of [false, true]) {
    lines.push(
      `  ${folded ? 'conversions folded away' : 'conversions as written  '}: ${cyclesPerBlock(counts, folded).toFixed(2)} SM cycles per block → ${ceilingDataPointsPerSecond(counts, folded).toExponential(2)} data points/s on an H200 (${H200.sms} SMs at ${H200.clockHz / 1e9} GHz); at M = 100 (7 blocks, 25 words per generation) ${ceilingDataPointsPerSecond(generation, folded, H200.sms, H200.clockHz, 100).toExponential(2)}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
  process.exit(0);
}
