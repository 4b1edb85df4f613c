/**
 * The fits a kernel re-expresses, written once for every kernel (each mirrors src/math or a
 * family's own code, and says which):
 *  - solveIncreasing: the penalised (L2) fits' root of an increasing function by Newton steps
 *    kept inside a bracket, bisection where they leave it (src/math/roots.ts solveIncreasing);
 *  - poolMoments: Chan, Golub & LeVeque's update of (n, mean, M2) (src/families/gaussian/model.ts).
 * Kernels run them in float32 with fixed iteration counts: their results agree with the
 * reference's float64 fits to float32 precision, which is what verify checks.
 */
import { freshName } from './philox.js';

/**
 * Code leaving in `out` the root of an increasing f: the bracket [low, high] widened until it
 * holds the root, then 80 Newton steps, each replaced by bisection where it would leave the
 * bracket. An end where f is not a number (GLSL's tanh overflows far out) is taken as it is. `valueAndSlope(x, value, slope)` returns code assigning f(x) to the variable named
 * `value` and f′(x) to `slope` (it may declare its own constants).
 */
export function solveIncreasing({ low, high, valueAndSlope, out }) {
  const p = freshName('si');
  const at = (x) => valueAndSlope(x, `${p}f`, `${p}d`);
  return `let ${p}lo = ${low}; let ${p}hi = ${high}; let ${p}f = 0; let ${p}d = 1;
let ${p}w = Math.max(1, ${p}hi - ${p}lo);
for (let ${p}i = 0; ${p}i < 60; ${p}i++) {
  ${at(`${p}lo`)}
  if (!(${p}f > 0)) break;
  ${p}hi = ${p}lo; ${p}lo = ${p}lo - ${p}w; ${p}w = ${p}w * 2;
}
${p}w = Math.max(1, ${p}hi - ${p}lo);
for (let ${p}i = 0; ${p}i < 60; ${p}i++) {
  ${at(`${p}hi`)}
  if (!(${p}f < 0)) break;
  ${p}lo = ${p}hi; ${p}hi = ${p}hi + ${p}w; ${p}w = ${p}w * 2;
}
let ${out} = 0.5 * (${p}lo + ${p}hi);
for (let ${p}i = 0; ${p}i < 80; ${p}i++) {
  ${at(out)}
  if (${p}f > 0) ${p}hi = ${out}; else ${p}lo = ${out};
  let ${p}n = ${out} - ${p}f / ${p}d;
  if (!(${p}n > ${p}lo && ${p}n < ${p}hi)) ${p}n = 0.5 * (${p}lo + ${p}hi);
  ${out} = ${p}n;
}`;
}

/** Code pooling (na, ma, sa) with (nb, mb, sb) into the mean `m` and M2 `s` of the na + nb points. */
export function poolMoments(na, ma, sa, nb, mb, sb, m, s) {
  return `{
      const pn = ${na} + ${nb}; const pd = ${mb} - ${ma};
      ${m} = ${ma} + pd * ${nb} / pn;
      ${s} = ${sa} + ${sb} + pd * pd * ${na} * ${nb} / pn;
    }`;
}
