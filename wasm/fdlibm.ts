/**
 * fdlibm's natural logarithm and cosine (Sun Microsystems, 1993; the algorithms V8's
 * src/base/ieee754.cc uses for Math.log and Math.cos), operation for operation: e_log.c, and
 * s_cos.c with k_cos.c, k_sin.c and e_rem_pio2.c's reduction for |x| ≤ 2^19·π/2 (larger angles
 * never occur here: Box–Muller's is below 2π). See ./math.ts for how they are checked.
 */
@inline function hi(x: f64): i32 { return <i32>(reinterpret<u64>(x) >>> 32); }
@inline function lo(x: f64): u32 { return <u32>reinterpret<u64>(x); }
@inline function withHi(x: f64, h: i32): f64 { return reinterpret<f64>((<u64><u32>h << 32) | <u64>lo(x)); }
const ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10, two54 = 1.80143985094819840000e+16;
const Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
      Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;
export function fdlibmLog(x: f64): f64 {
  let hx = hi(x); const lx = lo(x); let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | <i32>lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54; x *= two54; hx = hi(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = withHi(x, hx | (i ^ 0x3ff00000));
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) { if (k == 0) return 0; const dk = <f64>k; return dk * ln2_hi + dk * ln2_lo; }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    const dk = <f64>k; return dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  const s = f / (2.0 + f); const dk = <f64>k; const z = s * s;
  i = hx - 0x6147a; const w = z * z; const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j; const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}
const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
      C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
function kcos(x: f64, y: f64): f64 {
  const ix = hi(x) & 0x7fffffff;
  if (ix < 0x3e400000) { if (<i32>x == 0) return 1.0; }
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1.0 - (0.5 * z - (z * r - x * y));
  let qx: f64;
  if (ix > 0x3fe90000) qx = 0.28125; else qx = reinterpret<f64>(<u64><u32>(ix - 0x00200000) << 32);
  const hz = 0.5 * z - qx; const a = 1.0 - qx;
  return a - (hz - (z * r - x * y));
}
const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
      S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
function ksin(x: f64, y: f64, iy: i32): f64 {
  const ix = hi(x) & 0x7fffffff;
  if (ix < 0x3e400000) { if (<i32>x == 0) return x; }
  const z = x * x; const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (iy == 0) return x + v * (S1 + z * r);
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}
const invpio2 = 6.36619772367581382433e-01, pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11,
      pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21, pio2_3 = 2.02226624871116645580e-21, pio2_3t = 8.47842766036889956997e-32;
const NPIO2_HW: StaticArray<i32> = [0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C, 0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C, 0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A, 0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C, 0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB, 0x404858EB, 0x404921FB];
let y0: f64 = 0, y1: f64 = 0;
/** fdlibm __ieee754_rem_pio2 for 0 ≤ x ≤ 2^19·π/2 (the cases Box–Muller's angle reaches). */
function remPio2(x: f64): i32 {
  const hx = hi(x); const ix = hx & 0x7fffffff;
  if (ix <= 0x3fe921fb) { y0 = x; y1 = 0; return 0; }
  if (ix < 0x4002d97c) {
    let z = x - pio2_1;
    if (ix != 0x3ff921fb) { y0 = z - pio2_1t; y1 = (z - y0) - pio2_1t; }
    else { z -= pio2_2; y0 = z - pio2_2t; y1 = (z - y0) - pio2_2t; }
    return 1;
  }
  let t = Math.abs(x);
  const n = <i32>(t * invpio2 + 0.5);
  const fn = <f64>n;
  let r = t - fn * pio2_1;
  let w = fn * pio2_1t;
  if (n < 32 && ix != unchecked(NPIO2_HW[n - 1])) {
    y0 = r - w;
  } else {
    const j = ix >> 20;
    y0 = r - w;
    let i = j - ((hi(y0) >> 20) & 0x7ff);
    if (i > 16) {
      t = r; w = fn * pio2_2; r = t - w; w = fn * pio2_2t - ((t - r) - w); y0 = r - w;
      i = j - ((hi(y0) >> 20) & 0x7ff);
      if (i > 49) { t = r; w = fn * pio2_3; r = t - w; w = fn * pio2_3t - ((t - r) - w); y0 = r - w; }
    }
  }
  y1 = (r - y0) - w;
  return n;
}
export function fdlibmCos(x: f64): f64 {
  const ix = hi(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) return kcos(x, 0);
  if (ix >= 0x7ff00000) return x - x;
  // Beyond 2^19·π/2 fdlibm's reduction takes a path not written here (see fdlibmCosCovers).
  if (ix > 0x413921fb) return NaN;
  const n = remPio2(x);
  switch (n & 3) {
    case 0: return kcos(y0, y1);
    case 1: return -ksin(y0, y1, 1);
    case 2: return -kcos(y0, y1);
    default: return ksin(y0, y1, 1);
  }
}

/** Whether fdlibmCos covers x (|x| ≤ 2^19·π/2, the reduction written here). */
@inline
export function fdlibmCosCovers(x: f64): bool {
  return (hi(x) & 0x7fffffff) <= 0x413921fb;
}
