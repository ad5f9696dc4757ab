// AssemblyScript source of airtune's SIMD training kernels (compiled by scripts/build-kernels.mjs
// into src/training/kernels/binary.ts; not TypeScript: excluded from tsc).
//
// The module imports the tfjs-backend-wasm heap (env.memory) and works in place on tensors'
// memory offsets, so no tensor is copied in or out. It has no static data, allocates nothing
// and keeps no state: every pointer (tensors and a scratch area malloc'd by the JS side) comes
// in as an argument. All sums run in a fixed order (row by row, k ascending), so results are a
// function of the inputs only, whatever calls them.
//
// Matrix products use a 2 x 16 register tile (8 f32x4 accumulators, 4 B vectors, one
// broadcast at a time): V8 emits ~28 instructions per k step for 64 flops and this CPU retires
// ~4 per cycle, so the tile is instruction-bound; what counts is instructions per flop. The row
// pair of A is packed ([k][2], so both broadcasts are loads at constant offsets, no address
// arithmetic) and broadcast straight from memory (v128.load32_splat: one load, no shuffle).
// Larger tiles and unrolled k loops spill (V8 hoists the loads; measured 20-24 GFLOP/s against
// 31 for this one, scripts in bench/training.ts's kernel profile). Built with relaxed SIMD
// (ASC_FEATURE_RELAXED_SIMD), `madd` is one fused multiply-add (f32x4.relaxed_madd: 40 GFLOP/s
// here against 31); built without, it is the multiply and add of the portable module, the
// same operations in the same order as before the relaxed build existed. kernels/index.ts picks
// the module.
// Layout: row-major float32; a leading dimension (ld) is the row stride in floats.

const KC: i32 = 256; // k-block: a packed 16-column panel of KC rows is 16 KiB (L1)
const MC: i32 = 32; // row chunk: MC x KC floats of A, 32 KiB (packed in row pairs)

/** c + a·b: fused in the relaxed-SIMD build (one rounding), multiply then add in the portable one. */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// ---------------------------------------------------------------------------------------------
// Register tiles. A element (r, k) at pa + r*ars + k*aks (bytes); B row k at pb + k*bs, 16
// contiguous floats; C rows at pc + r*cs. accum: add to C, else overwrite.

function tile2(kc: i32, pa: usize, ars: usize, aks: usize, pb: usize, bs: usize, pc: usize, cs: usize, accum: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  if (accum) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16); c02 = v128.load(pc, 32); c03 = v128.load(pc, 48);
    c10 = v128.load(pc + cs); c11 = v128.load(pc + cs, 16); c12 = v128.load(pc + cs, 32); c13 = v128.load(pc + cs, 48);
  }
  const pa1 = pa + ars;
  let o: usize = 0;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32), b3 = v128.load(pb, 48);
    const x0 = v128.load32_splat(pa + o);
    const x1 = v128.load32_splat(pa1 + o);
    c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01); c02 = madd(x0, b2, c02); c03 = madd(x0, b3, c03);
    c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11); c12 = madd(x1, b2, c12); c13 = madd(x1, b3, c13);
    o += aks;
    pb += bs;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16); v128.store(pc, c02, 32); v128.store(pc, c03, 48);
  v128.store(pc + cs, c10); v128.store(pc + cs, c11, 16); v128.store(pc + cs, c12, 32); v128.store(pc + cs, c13, 48);
}

function tile1(kc: i32, pa: usize, aks: usize, pb: usize, bs: usize, pc: usize, accum: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  if (accum) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16); c02 = v128.load(pc, 32); c03 = v128.load(pc, 48);
  }
  for (let k = 0; k < kc; k++) {
    const x0 = v128.load32_splat(pa);
    c00 = madd(x0, v128.load(pb), c00);
    c01 = madd(x0, v128.load(pb, 16), c01);
    c02 = madd(x0, v128.load(pb, 32), c02);
    c03 = madd(x0, v128.load(pb, 48), c03);
    pa += aks;
    pb += bs;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16); v128.store(pc, c02, 32); v128.store(pc, c03, 48);
}

/**
 * A strip of fewer than 16 columns runs its tile on `tmp` (rows of 16 floats): edgeIn copies
 * `rows` rows of C's nb columns there (zeros beyond nb, or everywhere without accum), edgeOut
 * copies the nb columns back.
 */
@inline function edgeIn(c: usize, cs: usize, rows: i32, nb: i32, accum: bool, tmp: usize): void {
  for (let q = 0; q < rows; q++) {
    const src = c + <usize>q * cs;
    const dst = tmp + <usize>(q << 6);
    for (let j = 0; j < 16; j++) store<f32>(dst + (<usize>j << 2), accum && j < nb ? load<f32>(src + (<usize>j << 2)) : 0);
  }
}

@inline function edgeOut(tmp: usize, rows: i32, nb: i32, c: usize, cs: usize): void {
  for (let q = 0; q < rows; q++) {
    const dst = c + <usize>q * cs;
    const src = tmp + <usize>(q << 6);
    for (let j = 0; j < nb; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
  }
}

/** tile2 with the row pair packed: A(0, k) at pa + 8k, A(1, k) at pa + 8k + 4. */
function tile2p(kc: i32, pa: usize, pb: usize, bs: usize, pc: usize, cs: usize, accum: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  if (accum) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16); c02 = v128.load(pc, 32); c03 = v128.load(pc, 48);
    c10 = v128.load(pc + cs); c11 = v128.load(pc + cs, 16); c12 = v128.load(pc + cs, 32); c13 = v128.load(pc + cs, 48);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32), b3 = v128.load(pb, 48);
    const x0 = v128.load32_splat(pa);
    const x1 = v128.load32_splat(pa, 4);
    c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01); c02 = madd(x0, b2, c02); c03 = madd(x0, b3, c03);
    c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11); c12 = madd(x1, b2, c12); c13 = madd(x1, b3, c13);
    pa += 8;
    pb += bs;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16); v128.store(pc, c02, 32); v128.store(pc, c03, 48);
  v128.store(pc + cs, c10); v128.store(pc + cs, c11, 16); v128.store(pc + cs, c12, 32); v128.store(pc + cs, c13, 48);
}

/**
 * Packs the row pairs of rows [0, rows & ~1) of a k-block (kc columns of opA, element (r, k) at
 * a + r*ars + k*aks) as [pair][k][2] at dst: pair q at dst + q*kc*8. An odd last row is not packed.
 */
function packPairs(a: usize, ars: usize, aks: usize, rows: i32, kc: i32, dst: usize): void {
  for (let r = 0; r + 1 < rows; r += 2) {
    let s0 = a + <usize>r * ars;
    let s1 = s0 + ars;
    let d = dst + (<usize>(r * kc) << 2);
    let k = 0;
    if (aks == 4) {
      // Rows contiguous in k: interleave four k at a time.
      for (; k + 4 <= kc; k += 4) {
        const x = v128.load(s0), y = v128.load(s1);
        v128.store(d, v128.shuffle<f32>(x, y, 0, 4, 1, 5));
        v128.store(d, v128.shuffle<f32>(x, y, 2, 6, 3, 7), 16);
        s0 += 16;
        s1 += 16;
        d += 32;
      }
    } else if (ars == 4) {
      // Transposed A: the pair's two entries of a k are adjacent.
      for (; k < kc; k++) {
        store<u64>(d, load<u64>(s0));
        s0 += aks;
        d += 8;
      }
    }
    for (; k < kc; k++) {
      store<f32>(d, load<f32>(s0));
      store<f32>(d, load<f32>(s1), 4);
      s0 += aks;
      s1 += aks;
      d += 8;
    }
  }
}

/**
 * Rows [0, rows) of a 16-column strip of C from packed row pairs (packPairs) at pp; an odd last
 * row reads A unpacked (at a + (rows-1)*ars, stride aks). nb < 16 goes through `tmp`.
 */
function stripPacked(
  rows: i32, nb: i32, kc: i32,
  pp: usize, a: usize, ars: usize, aks: usize,
  pb: usize, bs: usize,
  c: usize, ldc: i32, accum: bool, tmp: usize,
): void {
  const cs = <usize>ldc << 2;
  const pairs = rows >> 1;
  if (nb == 16) {
    for (let q = 0; q < pairs; q++) tile2p(kc, pp + (<usize>(q * kc) << 3), pb, bs, c + <usize>(2 * q) * cs, cs, accum);
    if (rows & 1) tile1(kc, a + <usize>(rows - 1) * ars, aks, pb, bs, c + <usize>(rows - 1) * cs, accum);
    return;
  }
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows ? 2 : 1;
    edgeIn(c + <usize>r * cs, cs, two, nb, accum, tmp);
    if (two == 2) tile2p(kc, pp + (<usize>(r * kc) << 2), pb, bs, tmp, 64, true);
    else tile1(kc, a + <usize>r * ars, aks, pb, bs, tmp, true);
    edgeOut(tmp, two, nb, c + <usize>r * cs, cs);
  }
}

/**
 * Rows [r0, r1) of a 16-column strip of C: C[r, 0..nb) (+)= sum_k opA(r, k) B[k, 0..16).
 * kLo(r)/kHi(r) limits (for causal attention) come as: k range [k0, k1) fixed, or when
 * causal != 0, k range [k0, min(k1, r + causal)) for the row pair (r, r+1) using the pair's
 * last row (entries beyond a row's own limit must be zero in A). nb < 16 goes through `tmp`.
 */
function strip(
  r0: i32, r1: i32, nb: i32, kc: i32,
  a: usize, ars: usize, aks: usize,
  pb: usize, bs: usize,
  c: usize, ldc: i32, accum: bool, tmp: usize,
): void {
  const cs = <usize>ldc << 2;
  let r = r0;
  if (nb == 16) {
    for (; r + 1 < r1; r += 2) tile2(kc, a + <usize>r * ars, ars, aks, pb, bs, c + <usize>r * cs, cs, accum);
    if (r < r1) tile1(kc, a + <usize>r * ars, aks, pb, bs, c + <usize>r * cs, accum);
    return;
  }
  for (; r < r1; r += 2) {
    const rows = r + 1 < r1 ? 2 : 1;
    edgeIn(c + <usize>r * cs, cs, rows, nb, accum, tmp);
    if (rows == 2) tile2(kc, a + <usize>r * ars, ars, aks, pb, bs, tmp, 64, true);
    else tile1(kc, a + <usize>r * ars, aks, pb, bs, tmp, true);
    edgeOut(tmp, rows, nb, c + <usize>r * cs, cs);
  }
}

/** Pack rows [k0, k0+kc) and columns [j0, j0+nb) of op(B) into a zero-padded [kc][16] panel. */
function packPanel(b: usize, ldb: i32, transB: bool, k0: i32, kc: i32, j0: i32, nb: i32, dst: usize): void {
  if (!transB && nb == 16) {
    let src = b + ((<usize>k0 * <usize>ldb + <usize>j0) << 2);
    const step = <usize>ldb << 2;
    for (let k = 0; k < kc; k++) {
      const d = dst + (<usize>k << 6);
      v128.store(d, v128.load(src));
      v128.store(d, v128.load(src, 16), 16);
      v128.store(d, v128.load(src, 32), 32);
      v128.store(d, v128.load(src, 48), 48);
      src += step;
    }
    return;
  }
  for (let k = 0; k < kc; k++) {
    const d = dst + (<usize>k << 6);
    for (let j = 0; j < 16; j++) {
      let v: f32 = 0;
      if (j < nb) {
        v = transB
          ? load<f32>(b + ((<usize>(j0 + j) * <usize>ldb + <usize>(k0 + k)) << 2))
          : load<f32>(b + ((<usize>(k0 + k) * <usize>ldb + <usize>(j0 + j)) << 2));
      }
      store<f32>(d + (<usize>j << 2), v);
    }
  }
}

/**
 * C[M, N] (+)= opA(A)[M, K] · opB(B)[K, N]. opA(A)[i, k] = transA ? A[k, i] : A[i, k];
 * opB(B)[k, j] = transB ? B[j, k] : B[k, j]. scratch: gemmScratch(N) floats.
 * Loops: k in blocks of KC; the blocks' 16-column panels of B are packed once; then rows in chunks of MC, whose
 * row pairs are packed once (packPairs) and used by every panel, so the chunk of A (MC x KC)
 * stays in L1 while the panels (at most KC x 256 floats here) stay in L2.
 */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32, transA: i32,
  b: usize, ldb: i32, transB: i32,
  c: usize, ldc: i32, accum: i32, scratch: usize,
): void {
  gemmImpl(M, N, K, a, lda, transA, b, ldb, transB, c, ldc, accum, 0, 0, scratch);
}

/**
 * C[M, N] = bias + R + opA(A) · opB(B) (the linear layer with its bias and residual, either may
 * be 0): C's rows are initialised chunk by chunk just before their products accumulate onto
 * them, while they are in cache (a separate pass over a 4096 x 256 output cost ~0.5 ms). C and
 * R are contiguous (ld = N).
 */
export function gemmInit(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32, transA: i32,
  b: usize, ldb: i32, transB: i32,
  c: usize, bias: usize, res: usize, scratch: usize,
): void {
  gemmImpl(M, N, K, a, lda, transA, b, ldb, transB, c, N, 0, bias, res, scratch);
}

function gemmImpl(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32, transA: i32,
  b: usize, ldb: i32, transB: i32,
  c: usize, ldc: i32, accum: i32, bias: usize, res: usize, scratch: usize,
): void {
  const init = bias != 0 || res != 0; // then ldc == N (gemmInit)
  const ars: usize = transA ? 4 : <usize>lda << 2;
  const aks: usize = transA ? <usize>lda << 2 : 4;
  const panels = (N + 15) >> 4;
  const apack = scratch + (<usize>(KC * 16 * panels) << 2);
  const tmp = apack + (<usize>(MC * KC) << 2);
  if (K == 0) {
    if (init) rowInit(M, N, bias, res, c);
    else if (!accum) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) store<f32>(c + ((<usize>i * <usize>ldc + <usize>j) << 2), 0);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accum != 0 || k0 > 0 || init;
    // Every panel is packed, also when B could be read in place: tensors on the tfjs heap are
    // only 8- or 16-byte aligned, and a 64-byte panel row that straddles two cache lines made
    // the in-place products 1.3-1.4x slower (measured at offsets 4, 8, 16 bytes; the copy is
    // kc x 16 floats per panel, read by every row pair).
    for (let p = 0; p < panels; p++) {
      const j0 = p << 4;
      packPanel(b, ldb, transB != 0, k0, kc, j0, min(16, N - j0), scratch + (<usize>(p * kc) << 6));
    }
    const pa = a + <usize>k0 * aks;
    for (let i0 = 0; i0 < M; i0 += MC) {
      const rows = min(MC, M - i0);
      const ai = pa + <usize>i0 * ars;
      packPairs(ai, ars, aks, rows, kc, apack);
      if (init && k0 == 0) rowInit(rows, N, bias, res ? res + ((<usize>i0 * <usize>N) << 2) : 0, c + ((<usize>i0 * <usize>N) << 2));
      for (let p = 0; p < panels; p++) {
        const j0 = p << 4;
        const nb = min(16, N - j0);
        stripPacked(rows, nb, kc, apack, ai, ars, aks, scratch + (<usize>(p * kc) << 6), 64, c + ((<usize>i0 * <usize>ldc + <usize>j0) << 2), ldc, acc, tmp);
      }
    }
  }
}

/** Scratch floats gemm needs for N columns. */
export function gemmScratch(N: i32): i32 {
  return KC * 16 * ((N + 15) >> 4) + MC * KC + 32;
}

// ---------------------------------------------------------------------------------------------
// Elementwise and row kernels.

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// exp(x) for f32x4: x = n ln2 + r with n = round(x log2 e) by the 1.5·2^23 "magic" addition
// (n lands in the low mantissa bits, so 2^n is (bits + 127) << 23 with no float-int conversion,
// as XNNPACK's exp kernels do), |r| <= ln2/2, and Cephes expf's degree-6 polynomial for e^r
// (relative error ~1e-7 on [-87, 88]; inputs below -87.3 give ~1e-38, not 0). The Horner
// steps are `madd`: fused in the relaxed build (fewer instructions, one rounding per step).
@inline function vexp(x0: v128): v128 {
  // pmin/pmax (b < a ? b : a): one instruction each on x86, where min/max's IEEE NaN rules
  // take V8 six; the same values for every input, NaN included (it stays in the first operand).
  const x1 = f32x4.pmax(f32x4.pmin(x0, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365478515625));
  const t = f32x4.add(f32x4.mul(x1, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0));
  const fx = f32x4.sub(t, f32x4.splat(12582912.0));
  let x = f32x4.sub(x1, f32x4.mul(fx, f32x4.splat(0.693359375)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(x, x);
  let y = f32x4.splat(1.9875691500e-4);
  y = madd(y, x, f32x4.splat(1.3981999507e-3));
  y = madd(y, x, f32x4.splat(8.3334519073e-3));
  y = madd(y, x, f32x4.splat(4.1665795894e-2));
  y = madd(y, x, f32x4.splat(1.6666665459e-1));
  y = madd(y, x, f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), x), f32x4.splat(1));
  return f32x4.mul(y, i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23));
}

/** Scalar exp with the same formula as vexp (tails of rows not a multiple of 4). */
@inline function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

/** exp(x) of n values (for tests of the approximation). */
export function expv(n: i32, x: usize, y: usize): void {
  mapUnary(n, x, y, OP_EXP);
}

// GELU(x) = x Φ(x) with Φ(x) = (1 + erf(x/√2))/2 and erf by Abramowitz & Stegun 7.1.26
// (|error| <= 1.5e-7): erfc(a) = t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) e^{-a²}, t = 1/(1 + p a),
// a = |x|/√2. e^{-a²} = e^{-x²/2} is also the normal pdf's exponential, shared with the
// derivative Φ(x) + x φ(x), φ(x) = e^{-x²/2}/√(2π).
const P_AS: f32 = 0.3275911;
const A1: f32 = 0.254829592;
const A2: f32 = -0.284496736;
const A3: f32 = 1.421413741;
const A4: f32 = -1.453152027;
const A5: f32 = 1.061405429;
const INV_SQRT2: f32 = 0.70710678118654752;
const INV_SQRT_2PI: f32 = 0.39894228040143268;

/** Φ(x) and e^{-x²/2} of 4 values. */
@inline function vcdf(x: v128, e: v128): v128 {
  const a = f32x4.mul(f32x4.abs(x), f32x4.splat(INV_SQRT2));
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(P_AS), a)));
  let p = f32x4.splat(A5);
  p = madd(p, t, f32x4.splat(A4));
  p = madd(p, t, f32x4.splat(A3));
  p = madd(p, t, f32x4.splat(A2));
  p = madd(p, t, f32x4.splat(A1));
  const half = f32x4.mul(f32x4.mul(f32x4.mul(p, t), e), f32x4.splat(0.5)); // erfc(a)/2 = Φ(-|x|)
  return v128.bitselect(f32x4.sub(f32x4.splat(1), half), half, f32x4.ge(x, f32x4.splat(0)));
}

@inline function vhalfsq(x: v128): v128 {
  return vexp(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5)));
}

const OP_EXP = 0;

@inline function unary(v: v128, op: i32): v128 {
  return op == OP_EXP ? vexp(v) : v;
}

/**
 * y = op(x) for n values, 4 vectors per iteration: independent chains hide the polynomials'
 * latency (1.8x faster than one vector per iteration, measured). Inlined with a constant op.
 */
@inline function mapUnary(n: i32, x: usize, y: usize, op: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2), q = y + (<usize>i << 2);
    const a = unary(v128.load(p), op), b = unary(v128.load(p, 16), op), c = unary(v128.load(p, 32), op), d = unary(v128.load(p, 48), op);
    v128.store(q, a); v128.store(q, b, 16); v128.store(q, c, 32); v128.store(q, d, 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), unary(v128.load(x + (<usize>i << 2)), op));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), f32x4.extract_lane(unary(f32x4.splat(load<f32>(x + (<usize>i << 2))), op), 0));
}

@inline function vgeluPrime(v: v128, e: v128, cdf: v128): v128 {
  return f32x4.add(cdf, f32x4.mul(v, f32x4.mul(e, f32x4.splat(INV_SQRT_2PI))));
}

/**
 * y = GELU(x) and g = GELU'(x) = Φ(x) + x φ(x), n values. The training forward keeps g instead
 * of x, so the backward pass is one multiply (mulv: dy · g, the same bits as geluBwd) instead
 * of the erf and exp again: the GELU's share of a 32 x 128 step went from ~10 ms to ~6.
 */
export function geluFwdGrad(n: i32, x: usize, y: usize, g: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const v0 = v128.load(x + o), v1 = v128.load(x + o, 16);
    const e0 = vhalfsq(v0), e1 = vhalfsq(v1);
    const c0 = vcdf(v0, e0), c1 = vcdf(v1, e1);
    v128.store(y + o, f32x4.mul(v0, c0)); v128.store(y + o, f32x4.mul(v1, c1), 16);
    v128.store(g + o, vgeluPrime(v0, e0, c0)); v128.store(g + o, vgeluPrime(v1, e1, c1), 16);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = f32x4.splat(load<f32>(x + o));
    const e = vhalfsq(v);
    const c = vcdf(v, e);
    store<f32>(y + o, f32x4.extract_lane(f32x4.mul(v, c), 0));
    store<f32>(g + o, f32x4.extract_lane(vgeluPrime(v, e, c), 0));
  }
}

/** y = a · b elementwise, n values. */
export function mulv(n: i32, a: usize, b: usize, y: usize): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    v128.store(y + o, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)), 16);
    v128.store(y + o, f32x4.mul(v128.load(a + o, 32), v128.load(b + o, 32)), 32);
    v128.store(y + o, f32x4.mul(v128.load(a + o, 48), v128.load(b + o, 48)), 48);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/**
 * LayerNorm over rows of h (Ba et al. 2016): y = (x - mean) rstd g + b, rstd = 1/sqrt(var + eps)
 * (biased variance, two passes). stats[r] = (mean, rstd) for the backward pass.
 */
export function layerNormFwd(rows: i32, h: i32, x: usize, g: usize, b: usize, eps: f32, y: usize, stats: usize): void {
  const hb = <usize>h << 2;
  const h4 = h & ~3;
  const inv = <f32>1 / <f32>h;
  for (let r = 0; r < rows; r++) {
    const px = x + <usize>r * hb;
    const py = y + <usize>r * hb;
    let vs = f32x4.splat(0);
    let j = 0;
    for (; j < h4; j += 4) vs = f32x4.add(vs, v128.load(px + (<usize>j << 2)));
    let s = hsum(vs);
    for (; j < h; j++) s += load<f32>(px + (<usize>j << 2));
    const mean = s * inv;
    const vm = f32x4.splat(mean);
    vs = f32x4.splat(0);
    j = 0;
    for (; j < h4; j += 4) {
      const d = f32x4.sub(v128.load(px + (<usize>j << 2)), vm);
      vs = f32x4.add(vs, f32x4.mul(d, d));
    }
    s = hsum(vs);
    for (; j < h; j++) {
      const d = load<f32>(px + (<usize>j << 2)) - mean;
      s += d * d;
    }
    const rstd = <f32>1 / sqrt<f32>(s * inv + eps);
    const vr = f32x4.splat(rstd);
    j = 0;
    for (; j < h4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
      v128.store(py + o, f32x4.add(f32x4.mul(xh, v128.load(g + o)), v128.load(b + o)));
    }
    for (; j < h; j++) {
      const o = <usize>j << 2;
      store<f32>(py + o, (load<f32>(px + o) - mean) * rstd * load<f32>(g + o) + load<f32>(b + o));
    }
    store<f32>(stats + (<usize>r << 3), mean);
    store<f32>(stats + (<usize>r << 3) + 4, rstd);
  }
}

/**
 * LayerNorm backward: xhat = (x - mean) rstd, dxhat = dy g,
 * dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dg = Σ_rows dy xhat, db = Σ_rows dy.
 */
export function layerNormBwd(rows: i32, h: i32, x: usize, stats: usize, g: usize, dy: usize, dx: usize, dg: usize, db: usize): void {
  const hb = <usize>h << 2;
  const h4 = h & ~3;
  const inv = <f32>1 / <f32>h;
  for (let j = 0; j < h; j++) {
    store<f32>(dg + (<usize>j << 2), 0);
    store<f32>(db + (<usize>j << 2), 0);
  }
  for (let r = 0; r < rows; r++) {
    const px = x + <usize>r * hb;
    const pdy = dy + <usize>r * hb;
    const pdx = dx + <usize>r * hb;
    const mean = load<f32>(stats + (<usize>r << 3));
    const rstd = load<f32>(stats + (<usize>r << 3) + 4);
    const vm = f32x4.splat(mean);
    const vr = f32x4.splat(rstd);
    let s1 = f32x4.splat(0), s2 = f32x4.splat(0);
    let j = 0;
    for (; j < h4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
      const d = v128.load(pdy + o);
      const dxh = f32x4.mul(d, v128.load(g + o));
      s1 = f32x4.add(s1, dxh);
      s2 = f32x4.add(s2, f32x4.mul(dxh, xh));
      v128.store(dg + o, f32x4.add(v128.load(dg + o), f32x4.mul(d, xh)));
      v128.store(db + o, f32x4.add(v128.load(db + o), d));
    }
    let m1 = hsum(s1), m2 = hsum(s2);
    for (; j < h; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(px + o) - mean) * rstd;
      const d = load<f32>(pdy + o);
      const dxh = d * load<f32>(g + o);
      m1 += dxh;
      m2 += dxh * xh;
      store<f32>(dg + o, load<f32>(dg + o) + d * xh);
      store<f32>(db + o, load<f32>(db + o) + d);
    }
    m1 *= inv;
    m2 *= inv;
    const v1 = f32x4.splat(m1), v2 = f32x4.splat(m2);
    j = 0;
    for (; j < h4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
      const dxh = f32x4.mul(v128.load(pdy + o), v128.load(g + o));
      v128.store(pdx + o, f32x4.mul(vr, f32x4.sub(f32x4.sub(dxh, v1), f32x4.mul(xh, v2))));
    }
    for (; j < h; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(px + o) - mean) * rstd;
      const dxh = load<f32>(pdy + o) * load<f32>(g + o);
      store<f32>(pdx + o, rstd * (dxh - m1 - xh * m2));
    }
  }
}

/** dst[j] = a[j] + b[j], j < n (dst may be a or b). */
@inline function addRow(n: i32, a: usize, b: usize, dst: usize): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** out[j] = Σ_r a[r, j] (bias gradients), rows in order. */
export function colSum(rows: i32, n: i32, a: usize, out: usize): void {
  const rb = <usize>n << 2;
  memory.fill(out, 0, rb);
  for (let r = 0; r < rows; r++) addRow(n, out, a + <usize>r * rb, out);
}

/** y[r] = x[r] + bias (bias [n]) + addend[r] (optional, 0 = none): a linear layer's output before the product is accumulated. */
export function rowInit(rows: i32, n: i32, bias: usize, addend: usize, y: usize): void {
  const n4 = n & ~3;
  const rb = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const py = y + <usize>r * rb;
    const pr = addend + <usize>r * rb;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      let v = bias ? v128.load(bias + o) : f32x4.splat(0);
      if (addend) v = f32x4.add(v128.load(pr + o), v);
      v128.store(py + o, v);
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let v: f32 = bias ? load<f32>(bias + o) : 0;
      if (addend) v = load<f32>(pr + o) + v;
      store<f32>(py + o, v);
    }
  }
}

/** x[n] = tok[ids[n]] + pos[n mod T] for n < rows (embedding lookup with learned positions). */
export function embedFwd(rows: i32, h: i32, T: i32, ids: usize, tok: usize, pos: usize, x: usize): void {
  const hb = <usize>h << 2;
  for (let n = 0; n < rows; n++) {
    addRow(h, tok + <usize>load<i32>(ids + (<usize>n << 2)) * hb, pos + <usize>(n % T) * hb, x + <usize>n * hb);
  }
}

/** Embedding backward: dtok[ids[n]] += dx[n] (scatter-add), dpos[n mod T] += dx[n]; rows in order. */
export function embedBwd(rows: i32, h: i32, T: i32, V: i32, P: i32, ids: usize, dx: usize, dtok: usize, dpos: usize): void {
  const hb = <usize>h << 2;
  memory.fill(dtok, 0, <usize>V * hb);
  memory.fill(dpos, 0, <usize>P * hb);
  for (let n = 0; n < rows; n++) {
    const pt = dtok + <usize>load<i32>(ids + (<usize>n << 2)) * hb;
    const pp = dpos + <usize>(n % T) * hb;
    const px = dx + <usize>n * hb;
    addRow(h, pt, px, pt);
    addRow(h, pp, px, pp);
  }
}

/**
 * Natural log of a positive normal float64 without lookup tables (the std library's log keeps
 * tables in a data segment, which would be written over the tfjs heap this module imports):
 * x = 2^e m with m in [√½, √2), log m = 2 atanh(u), u = (m - 1)/(m + 1), |u| <= 0.1716, by its
 * series to u^21 (truncation < 1e-18).
 */
function logF64(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  const u = (m - 1) / (m + 1);
  const u2 = u * u;
  let p: f64 = 1.0 / 21;
  p = p * u2 + 1.0 / 19;
  p = p * u2 + 1.0 / 17;
  p = p * u2 + 1.0 / 15;
  p = p * u2 + 1.0 / 13;
  p = p * u2 + 1.0 / 11;
  p = p * u2 + 1.0 / 9;
  p = p * u2 + 1.0 / 7;
  p = p * u2 + 1.0 / 5;
  p = p * u2 + 1.0 / 3;
  p = p * u2 + 1;
  return <f64>e * 0.6931471805599453 + 2 * u * p;
}

/** log(x) of n float64 values (for tests of logF64). */
export function logv(n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) store<f64>(y + (<usize>i << 3), logF64(load<f64>(x + (<usize>i << 3))));
}

/**
 * In place: row[0..n) <- softmax(row[0..n)) (max-subtracted), zeros in row[n..w). Returns the
 * log of the normaliser (max + log Σ exp), for the cross-entropy.
 */
function softmaxRow(p: usize, n: i32, w: i32): f32 {
  const n4 = n & ~3;
  let vm = f32x4.splat(<f32>-Infinity);
  let j = 0;
  for (; j < n4; j += 4) vm = f32x4.max(vm, v128.load(p + (<usize>j << 2)));
  let m = hmax(vm);
  for (; j < n; j++) m = max(m, load<f32>(p + (<usize>j << 2)));
  const vmax = f32x4.splat(m);
  let vs = f32x4.splat(0);
  j = 0;
  for (; j + 16 <= n; j += 16) {
    const q = p + (<usize>j << 2);
    const a = vexp(f32x4.sub(v128.load(q), vmax)), b = vexp(f32x4.sub(v128.load(q, 16), vmax));
    const c = vexp(f32x4.sub(v128.load(q, 32), vmax)), d = vexp(f32x4.sub(v128.load(q, 48), vmax));
    v128.store(q, a); v128.store(q, b, 16); v128.store(q, c, 32); v128.store(q, d, 48);
    vs = f32x4.add(f32x4.add(f32x4.add(f32x4.add(vs, a), b), c), d);
  }
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    const e = vexp(f32x4.sub(v128.load(p + o), vmax));
    v128.store(p + o, e);
    vs = f32x4.add(vs, e);
  }
  let s = hsum(vs);
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const e = sexp(load<f32>(p + o) - m);
    store<f32>(p + o, e);
    s += e;
  }
  const inv = <f32>1 / s;
  const vi = f32x4.splat(inv);
  j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    v128.store(p + o, f32x4.mul(v128.load(p + o), vi));
  }
  for (; j < n; j++) store<f32>(p + (<usize>j << 2), load<f32>(p + (<usize>j << 2)) * inv);
  if (w > n) memory.fill(p + (<usize>n << 2), 0, <usize>(w - n) << 2);
  return m + <f32>logF64(<f64>s);
}

/**
 * Mean softmax cross-entropy of logits [rows, V] against target ids; probs <- softmax(logits).
 * Returns the mean loss (sum in float64, rows in order).
 */
export function xentFwd(rows: i32, V: i32, logits: usize, targets: usize, probs: usize): f64 {
  const rb = <usize>V << 2;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const pl = logits + <usize>r * rb;
    const pp = probs + <usize>r * rb;
    const t = load<i32>(targets + (<usize>r << 2));
    const target = load<f32>(pl + (<usize>t << 2));
    if (pp != pl) memory.copy(pp, pl, rb);
    const lse = softmaxRow(pp, V, V);
    total += <f64>(lse - target);
  }
  return rows > 0 ? total / <f64>rows : 0;
}

/** dlogits = (probs - onehot(targets)) · scale. */
export function xentBwd(rows: i32, V: i32, probs: usize, targets: usize, scale: f32, dl: usize): void {
  const n = rows * V;
  const vs = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dl + o, f32x4.mul(v128.load(probs + o), vs));
  }
  for (; i < n; i++) store<f32>(dl + (<usize>i << 2), load<f32>(probs + (<usize>i << 2)) * scale);
  for (let r = 0; r < rows; r++) {
    const o = (<usize>r * <usize>V + <usize>load<i32>(targets + (<usize>r << 2))) << 2;
    store<f32>(dl + o, (load<f32>(probs + o) - 1) * scale);
  }
}

// ---------------------------------------------------------------------------------------------
// Causal multi-head attention on the fused projection qkv [B*T, 3h] (q | k | v, head hd in
// columns hd*d .. hd*d + d of each part), without splitting or transposing heads:
//   S = scale Q K^T (j <= i), P = softmax_j(S), ctx = P V  ->  ctx [B*T, h] at the head's columns.
// P [B, H, T, T] (zeros above the diagonal) is kept for the backward pass.

/** Pack opB = K^T (rows c < d, columns j < T) of one head into 16-column panels: [ceil(T/16)][d][16]. */
function packRowsT(src: usize, ld: i32, T: i32, d: i32, dst: usize, scale: f32): void {
  const panels = (T + 15) >> 4;
  for (let p = 0; p < panels; p++) packPanel(src, ld, true, 0, d, p << 4, min(16, T - (p << 4)), dst + (<usize>(p * d) << 6));
  if (scale != 1) {
    // The score scale folded into the packed keys (exact when it is a power of two, as 1/√16).
    const vs = f32x4.splat(scale);
    const end = dst + (<usize>(panels * d) << 6);
    for (let q = dst; q < end; q += 16) v128.store(q, f32x4.mul(v128.load(q), vs));
  }
}

/**
 * S rows [0, T) = scale · A · Bᵀ restricted to j <= i (causal), A rows stride lda, the packed
 * panels of B in `panels`; row i's entries beyond i are left unspecified (softmax ignores them).
 */
function causalScores(T: i32, d: i32, a: usize, lda: i32, panels: usize, s: usize, tmp: usize): void {
  const ars = <usize>lda << 2;
  for (let p = 0; p * 16 < T; p++) {
    const j0 = p << 4;
    const nb = min(16, T - j0);
    // Rows i >= j0 need this panel (causal: j <= i).
    strip(j0, T, nb, d, a, ars, 4, panels + (<usize>(p * d) << 6), 64, s + (<usize>j0 << 2), T, false, tmp);
  }
}

/**
 * Rows [0, T) of C (d columns, stride ldc) = P · Bm, or Pᵀ · Bm when `transposed`, for a
 * lower-triangular P [T, T] and Bm rows of stride ldb. P · Bm: row i sums k <= i, so a row
 * pair's k range stops at the pair's last row. Pᵀ · Bm: row j sums k = i >= j (P[i, j] = 0 for
 * i < j), so a pair's range starts at its first row. Columns go by 16 (packed when d is not a
 * multiple of 16).
 */
function triTimes(T: i32, d: i32, pm: usize, transposed: bool, bm: usize, ldb: i32, c: usize, ldc: i32, scratch: usize, tmp: usize): void {
  const tb = <usize>T << 2;
  for (let j0 = 0; j0 < d; j0 += 16) {
    const nb = min(16, d - j0);
    // Packed also when nb = 16: rows of the fused projection are not cache-line aligned (see gemm).
    packPanel(bm, ldb, false, 0, T, j0, nb, scratch);
    const pb = scratch;
    const bs: usize = 64;
    const pc = c + (<usize>j0 << 2);
    for (let r = 0; r < T; r += 2) {
      const r1 = min(T, r + 2);
      if (!transposed) strip(r, r1, nb, r1, pm, tb, 4, pb, bs, pc, ldc, false, tmp);
      // k from r: A(j, k) = P[k, j] at pm + k*T*4 + j*4.
      else strip(r, r1, nb, T - r, pm + <usize>r * tb, 4, tb, pb + <usize>r * bs, bs, pc, ldc, false, tmp);
    }
  }
}

/** scratch floats needed by attention kernels for sequence length T and head width d. */
export function attentionScratch(T: i32, d: i32): i32 {
  const tp = (T + 15) & ~15;
  return tp * max(d, 16) + T * T + max(T, d) * 16 + 32 + 64;
}

/** Forward: ctx [B*T, h] and P [B, H, T, T] from qkv [B*T, 3h]. */
export function attentionFwd(B: i32, T: i32, H: i32, d: i32, scale: f32, qkv: usize, ctx: usize, pAll: usize, scratch: usize): void {
  const h = H * d;
  const ld = 3 * h;
  const tp = (T + 15) & ~15;
  const panels = scratch;
  const pack2 = panels + (<usize>(tp * max(d, 16)) << 2);
  const tmp = pack2 + (<usize>(max(T, d) * 16) << 2);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < H; hd++) {
      const q = qkv + ((<usize>(b * T) * <usize>ld + <usize>(hd * d)) << 2);
      const k = q + (<usize>h << 2);
      const v = q + (<usize>(2 * h) << 2);
      const pm = pAll + (<usize>((b * H + hd) * T) * <usize>T << 2);
      packRowsT(k, ld, T, d, panels, scale);
      causalScores(T, d, q, ld, panels, pm, tmp);
      for (let i = 0; i < T; i++) softmaxRow(pm + (<usize>(i * T) << 2), i + 1, T);
      const c = ctx + ((<usize>(b * T) * <usize>h + <usize>(hd * d)) << 2);
      triTimes(T, d, pm, false, v, ld, c, h, pack2, tmp);
    }
  }
}

/**
 * Backward: dqkv [B*T, 3h] from dctx [B*T, h], qkv and P:
 *   dP = dctx V^T, dS = P ⊙ (dP - rowsum(P ⊙ dP)) · scale, dQ = dS K, dK = dS^T Q, dV = P^T dctx.
 */
export function attentionBwd(B: i32, T: i32, H: i32, d: i32, scale: f32, qkv: usize, pAll: usize, dctx: usize, dqkv: usize, scratch: usize): void {
  const h = H * d;
  const ld = 3 * h;
  const tp = (T + 15) & ~15;
  const panels = scratch;
  const ds = panels + (<usize>(tp * max(d, 16)) << 2);
  const pack2 = ds + (<usize>((T * T + 15) & ~15) << 2); // 64-byte aligned (the slack of attentionScratch)
  const tmp = pack2 + (<usize>(max(T, d) * 16) << 2);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < H; hd++) {
      const off = (<usize>(b * T) * <usize>ld + <usize>(hd * d)) << 2;
      const q = qkv + off;
      const k = q + (<usize>h << 2);
      const v = q + (<usize>(2 * h) << 2);
      const dq = dqkv + off;
      const dk = dq + (<usize>h << 2);
      const dv = dq + (<usize>(2 * h) << 2);
      const pm = pAll + (<usize>((b * H + hd) * T) * <usize>T << 2);
      const dO = dctx + ((<usize>(b * T) * <usize>h + <usize>(hd * d)) << 2);
      // dP (causal part) into ds
      packRowsT(v, ld, T, d, panels, 1);
      causalScores(T, d, dO, h, panels, ds, tmp);
      for (let i = 0; i < T; i++) {
        const pr = pm + (<usize>(i * T) << 2);
        const dr = ds + (<usize>(i * T) << 2);
        const n = i + 1;
        const n4 = n & ~3;
        let acc = f32x4.splat(0);
        let j = 0;
        for (; j < n4; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(pr + (<usize>j << 2)), v128.load(dr + (<usize>j << 2))));
        let dot = hsum(acc);
        for (; j < n; j++) dot += load<f32>(pr + (<usize>j << 2)) * load<f32>(dr + (<usize>j << 2));
        const vdot = f32x4.splat(dot);
        const vsc = f32x4.splat(scale);
        j = 0;
        for (; j < n4; j += 4) {
          const o = <usize>j << 2;
          v128.store(dr + o, f32x4.mul(f32x4.mul(v128.load(pr + o), f32x4.sub(v128.load(dr + o), vdot)), vsc));
        }
        for (; j < n; j++) {
          const o = <usize>j << 2;
          store<f32>(dr + o, load<f32>(pr + o) * (load<f32>(dr + o) - dot) * scale);
        }
        if (T > n) memory.fill(dr + (<usize>n << 2), 0, <usize>(T - n) << 2);
      }
      triTimes(T, d, ds, false, k, ld, dq, ld, pack2, tmp); // dQ = dS K
      triTimes(T, d, ds, true, q, ld, dk, ld, pack2, tmp); // dK = dS^T Q
      triTimes(T, d, pm, true, dO, h, dv, ld, pack2, tmp); // dV = P^T dO
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Optimiser.

/** Σ g² in float64 (two f64x2 lanes of partial sums, combined in a fixed order). */
export function sumSquares(n: i32, g: usize): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(g + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(g + (<usize>i << 2));
    s += x * x;
  }
  return s;
}

/**
 * Adam (Kingma & Ba 2015) with the bias corrections folded into stepSize and epsHat, decoupled
 * weight decay (AdamW, Loshchilov & Hutter 2019) on the pre-update weight, gradient scaled by
 * `clip`; mask (0 = none) zeroes pruned entries. wOut may be w.
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²;  w' = w - stepSize m / (sqrt(v) + epsHat) - lr wd w
 */
export function adam(
  n: i32, w: usize, g: usize, m: usize, v: usize, mask: usize, wOut: usize,
  clip: f32, b1: f32, b2: f32, stepSize: f32, epsHat: f32, lrWd: f32,
): void {
  const vc = f32x4.splat(clip), vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2);
  const vb1c = f32x4.splat(<f32>1 - b1), vb2c = f32x4.splat(<f32>1 - b2);
  const vstep = f32x4.splat(stepSize), veps = f32x4.splat(epsHat), vwd = f32x4.splat(lrWd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gj = f32x4.mul(v128.load(g + o), vc);
    const mj = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gj));
    const vj = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gj, gj)));
    v128.store(m + o, mj);
    v128.store(v + o, vj);
    const wj = v128.load(w + o);
    let nw = f32x4.sub(f32x4.sub(wj, f32x4.mul(vstep, f32x4.div(mj, f32x4.add(f32x4.sqrt(vj), veps)))), f32x4.mul(vwd, wj));
    if (mask) nw = v128.and(nw, f32x4.ne(v128.load(mask + o), f32x4.splat(0)));
    v128.store(wOut + o, nw);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gj = load<f32>(g + o) * clip;
    const mj = b1 * load<f32>(m + o) + (<f32>1 - b1) * gj;
    const vj = b2 * load<f32>(v + o) + (<f32>1 - b2) * (gj * gj);
    store<f32>(m + o, mj);
    store<f32>(v + o, vj);
    const wj = load<f32>(w + o);
    let nw = wj - stepSize * (mj / (sqrt<f32>(vj) + epsHat)) - lrWd * wj;
    if (mask && load<f32>(mask + o) == 0) nw = 0;
    store<f32>(wOut + o, nw);
  }
}

/** SGD with decoupled decay: w' = w - lr (clip g + wd w); mask zeroes pruned entries. */
export function sgd(n: i32, w: usize, g: usize, mask: usize, wOut: usize, clip: f32, lr: f32, wd: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const wj = load<f32>(w + o);
    let nw = wj - lr * (load<f32>(g + o) * clip + wd * wj);
    if (mask && load<f32>(mask + o) == 0) nw = 0;
    store<f32>(wOut + o, nw);
  }
}
