/**
 * The roofline of the webgpu kernels, counted from the WGSL that gpu.js generates: how many
 * operations one Philox4x32-10 block (four data points) costs in the Bernoulli per-sample
 * kernel, by the unit that executes them, and what that allows on an H200.
 *
 * The count is a value-numbering pass over the block loop's statements (common
 * subexpressions counted once, as the shader compiler merges them; loop-invariant values —
 * the key schedule, the chain's limbs — not counted, as it hoists them). Conversions between
 * f32 and i32 are counted apart: every 16-bit limb is stored as f32 and converted back to
 * i32 for the next round, and whether the compiler removes those round trips decides
 * whether the kernel is bound by the integer units or by the conversion units.
 *
 *   node dist/bench/device/roofline.js     prints the counts and the H200 ceilings (needs webgpu)
 */
import { pathToFileURL } from 'node:url';

export interface OperationCounts {
  /** i32/u32 add, sub, mul, and, or, xor, shifts, compares. */
  readonly integer: number;
  /** f32 add, sub, mul, div, compare. */
  readonly float: number;
  /** f32 ↔ i32/u32 conversions (the conversion units). */
  readonly conversion: number;
  /** floor (FRND, also on the conversion units). */
  readonly rounding: number;
}

/** Per SM per clock on compute capability 9.0 (CUDA C++ Programming Guide, arithmetic instruction throughput). */
export const HOPPER_RATES = { integer: 64, float: 128, conversion: 16, issue: 128 } as const;
/** H200 SXM: 132 SMs; 1980 MHz is the SM clock seen under load on the lent machine (KINDS.md). */
export const H200 = { name: 'NVIDIA H200', sms: 132, clockHz: 1.98e9 } as const;

/**
 * One Philox block of the Bernoulli per-sample kernel (M = 100), as `node
 * dist/bench/device/roofline.js` counts it from the generated WGSL (tests/bench/roofline.test.ts
 * recounts it wherever webgpu runs, so these numbers cannot drift from the kernel).
 */
export const BERNOULLI_BLOCK_COUNTS: OperationCounts = { integer: 412, float: 24, conversion: 142, rounding: 8 };
/** Data points per Philox block: four 24-bit uniforms, one per point. */
export const POINTS_PER_BLOCK = 4;

/**
 * Clock cycles one SM needs per block: the busiest unit, or the issue rate (four warp
 * instructions per clock) if that binds first. `foldedConversions`: the compiler removes
 * every i32 → f32 → i32 round trip (the limbs are exact in f32, so it may).
 */
export function cyclesPerBlock(counts: OperationCounts, foldedConversions: boolean): number {
  const conversion = (foldedConversions ? 0 : counts.conversion) + counts.rounding;
  const total = counts.integer + counts.float + conversion;
  return Math.max(counts.integer / HOPPER_RATES.integer, counts.float / HOPPER_RATES.float, conversion / HOPPER_RATES.conversion, total / HOPPER_RATES.issue);
}

/** Data points per second the whole GPU can compute at most. */
export function ceilingDataPointsPerSecond(counts: OperationCounts, foldedConversions: boolean, sms: number = H200.sms, clockHz: number = H200.clockHz): number {
  return (sms * clockHz * POINTS_PER_BLOCK) / cyclesPerBlock(counts, foldedConversions);
}

// ------------------------------------------------------------------ counting WGSL

type Type = 'f32' | 'int' | 'abstract' | 'bool';
interface Value {
  readonly id: string;
  readonly type: Type;
  /** Constant or loop-invariant: costs nothing per block. */
  readonly free: boolean;
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

/** Value numbering over a straight-line sequence of WGSL statements. */
class Counter {
  private readonly seen = new Map<string, string>();
  readonly counts = { integer: 0, float: 0, conversion: 0, rounding: 0 };
  readonly variables = new Map<string, Value>();
  private next = 0;

  constructor(private readonly varying: Set<string>) {}

  private node(operation: string, operands: Value[], type: Type, unit: keyof OperationCounts | null): Value {
    const free = operands.every((operand) => operand.free);
    const ids = operands.map((operand) => operand.id);
    if (COMMUTATIVE.has(operation)) ids.sort();
    const key = `${operation}(${ids.join(',')})`;
    let id = this.seen.get(key);
    if (id === undefined) {
      id = `v${this.next++}`;
      this.seen.set(key, id);
      if (!free && unit !== null) this.counts[unit] += 1;
    }
    return { id, type, free };
  }

  private leaf(name: string): Value {
    const known = this.variables.get(name);
    if (known !== undefined) return known;
    // A name never assigned in the counted statements: loop-invariant unless it is the loop index.
    return { id: `in:${name}`, type: this.varying.has(name) ? 'int' : 'f32', free: !this.varying.has(name) };
  }

  expression(tokens: string[]): Value {
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
        return this.node(`u${token}`, [operand], operand.type, operand.type === 'f32' ? 'float' : 'integer');
      }
      if (/^\d/.test(token)) return { id: `c:${token}`, type: token.includes('.') ? 'f32' : 'abstract', free: true };
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
          return this.node(token, [operand], type, 'conversion');
        }
        if (token === 'floor') return this.node('floor', [operand], 'f32', 'rounding');
        return this.node(token, operands, operand?.type ?? 'f32', operand?.type === 'int' ? 'integer' : 'float');
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
        const comparison = PRECEDENCE[operator] === 6 || PRECEDENCE[operator] === 7;
        left = this.node(operator, [left, right], comparison ? 'bool' : type, type === 'f32' ? 'float' : 'integer');
      }
    };
    const value = binary(0);
    if (at !== tokens.length) throw new Error(`unread WGSL tokens: ${tokens.slice(at, at + 8).join(' ')}`);
    return value;
  }

  statement(text: string): void {
    const declaration = /^var\s+(\w+)\s*:\s*\w+\s*=\s*([\s\S]+)$/.exec(text) ?? /^(\w+)\s*=\s*([\s\S]+)$/.exec(text);
    if (declaration === null) throw new Error(`not an assignment: ${text.slice(0, 80)}`);
    this.variables.set(declaration[1], this.expression(tokenize(declaration[2])));
  }
}

/** The body of the first `for (var <index> …) { … }` loop whose index matches, and the index's name. */
function loopBody(wgsl: string, indexPattern: RegExp): { index: string; body: string } {
  const header = new RegExp(`for \\(var (${indexPattern.source}) : i32 = 0;[^{]*\\{`).exec(wgsl);
  if (header === null) throw new Error('no Philox block loop in the WGSL');
  let depth = 1;
  let end = header.index + header[0].length;
  for (; depth > 0 && end < wgsl.length; end++) {
    if (wgsl[end] === '{') depth++;
    if (wgsl[end] === '}') depth--;
  }
  return { index: header[1], body: wgsl.slice(header.index + header[0].length, end - 1) };
}

/** Operations per iteration of the per-sample kernel's Philox block loop (one block, four points). */
export function countBlockOperations(wgsl: string): OperationCounts {
  const { index, body } = loopBody(wgsl, /user_pt\d+b/);
  if (body.includes('{')) throw new Error('the block loop has nested blocks: the counter reads straight-line code only');
  const counter = new Counter(new Set([index]));
  for (const statement of body.split(';').map((s) => s.trim()).filter((s) => s.length > 0)) counter.statement(statement);
  // The loop's own increment and bound test.
  return { ...counter.counts, integer: counter.counts.integer + 2 };
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

async function main(): Promise<void> {
  const wgsl = await bernoulliPerSampleWgsl();
  const counts = countBlockOperations(wgsl);
  const lines = [
    'Bernoulli per-sample kernel (M = 100), webgpu: one Philox4x32-10 block = four data points',
    `  operations per block: ${counts.integer} integer, ${counts.float} float, ${counts.conversion} conversions (f32↔i32), ${counts.rounding} floor`,
    `  per data point: ${(counts.integer / 4).toFixed(1)} integer, ${(counts.float / 4).toFixed(1)} float, ${((counts.conversion + counts.rounding) / 4).toFixed(1)} on the conversion units`,
  ];
  for (const folded of [false, true]) {
    lines.push(
      `  ${folded ? 'conversions folded away' : 'conversions as written  '}: ${cyclesPerBlock(counts, folded).toFixed(2)} SM cycles per block → ${ceilingDataPointsPerSecond(counts, folded).toExponential(2)} data points/s on an H200 (${H200.sms} SMs at ${H200.clockHz / 1e9} GHz)`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
  process.exit(0);
}
