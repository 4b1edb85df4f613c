/**
 * The transcendental functions, as the host's JavaScript Math computes them, so that every value
 * the samplers compute is the reference path's (src/rng) bit for bit: WebAssembly's own
 * arithmetic (+ − × ÷ √ floor) is IEEE-exact like JavaScript's, but a libm's log or cos rounds
 * differently from V8's in one case in ten or a hundred.
 *
 * V8 computes Math.log and Math.cos with fdlibm (src/base/ieee754.cc), so log and cos below are
 * fdlibm too, written out (./fdlibm.ts): the same operations, the same results, without a call
 * into JavaScript. The host checks that on points of its own before a run (useHostMath: a host
 * whose Math is not fdlibm gets its own functions called instead), and the test suite checks
 * every input Box–Muller can give them. exp, log1p and pow, off the hot paths, are always the
 * host's.
 *
 * The constants the reference computes at load time are handed over by the host (setConstants)
 * rather than written twice.
 */
import { fdlibmCos, fdlibmCosCovers, fdlibmLog } from './fdlibm';

@external("env", "log")
declare function hostLog(x: f64): f64;
@external("env", "cos")
declare function hostCos(x: f64): f64;

/** Call the host's log and cos instead of fdlibm's (set when they disagree). */
let hostMath = false;

export function useHostMath(value: bool): void {
  hostMath = value;
}

@inline
export function log(x: f64): f64 {
  return hostMath ? hostLog(x) : fdlibmLog(x);
}

@inline
export function cos(x: f64): f64 {
  return hostMath || !fdlibmCosCovers(x) ? hostCos(x) : fdlibmCos(x);
}

@external("env", "exp")
export declare function exp(x: f64): f64;
@external("env", "log1p")
export declare function log1p(x: f64): f64;
@external("env", "pow")
export declare function pow(x: f64, y: f64): f64;

/** Where the sampler switches from inversion to rejection (src/constants.ts INVERSION_LIMIT). */
export let inversionLimit: f64 = 0;
/** 2π as the reference's normal sampler holds it. */
export let twoPi: f64 = 0;
/** ½ ln 2π as src/math/special.ts holds it. */
export let logSqrt2Pi: f64 = 0;

/** Tables of TABLE_SIZE float64 each: ln k!, Stirling's remainder, and the 9 Lanczos coefficients. */
export const TABLE_SIZE: i32 = 256;
let logFactorialTable: usize = 0;
let stirlingTailTable: usize = 0;
let lanczos: usize = 0;

export function setConstants(limit: f64, twoPiValue: f64, logSqrt2PiValue: f64, logFactorials: usize, stirlingTails: usize, lanczosCoefficients: usize): void {
  inversionLimit = limit;
  twoPi = twoPiValue;
  logSqrt2Pi = logSqrt2PiValue;
  logFactorialTable = logFactorials;
  stirlingTailTable = stirlingTails;
  lanczos = lanczosCoefficients;
}

/** ln Γ(x) for x ≥ 0.5 (src/math/special.ts logGamma; the samplers never need the reflection). */
function logGamma(x: f64): f64 {
  const z = x - 1;
  let sum = load<f64>(lanczos);
  for (let i = 1; i < 9; i++) sum += load<f64>(lanczos + (<usize>i << 3)) / (z + <f64>i);
  const t = z + 7 + 0.5;
  return logSqrt2Pi + (z + 0.5) * log(t) - t + log(sum);
}

/** ln k! for integer k ≥ 0. */
export function logFactorial(k: f64): f64 {
  return k < <f64>TABLE_SIZE ? load<f64>(logFactorialTable + (<usize>(<i32>k) << 3)) : logGamma(k + 1);
}

/** Stirling's remainder ln k! − [(k + ½) ln(k + 1) − (k + 1) + ½ ln 2π] (BTRS). */
export function stirlingTail(k: f64): f64 {
  if (k < <f64>TABLE_SIZE) return load<f64>(stirlingTailTable + (<usize>(<i32>k) << 3));
  const kp1 = k + 1;
  const kp1sq = kp1 * kp1;
  return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / kp1;
}
