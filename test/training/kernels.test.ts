/**
 * airtune's SIMD training kernels (src/training/kernels) against float64 references written
 * here from the definitions (naive loops), on sizes that are not multiples of the SIMD tiles.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/training/backend.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from '../../src/training/kernels/binary.js';
import {
  adamUpdate,
  attention,
  currentKernels,
  embed,
  gelu,
  hasDataSection,
  kernelChoice,
  layerNorm,
  linear,
  softmaxCrossEntropy,
  sumSquares,
} from '../../src/training/kernels/index.js';
import { RandomStream } from '../../src/random/index.js';
// @ts-expect-error: a plain-JS build script without type declarations
import { binaryModuleText, compileKernels } from '../../scripts/build-kernels.mjs';

beforeAll(async () => {
  await initBackend('wasm');
});

const rs = RandomStream.of(5, 'kernels-test');
const randn = (n: number, std = 1) => Float32Array.from({ length: n }, () => rs.normal(0, std));
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const data = (t: tf.Tensor) => Array.from(t.dataSync());

function erf(x: number): number {
  // Maclaurin series (Abramowitz & Stegun 7.1.5), accurate in float64 for |x| < 5.
  if (Math.abs(x) >= 5) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 120; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('the compiled module', () => {
  it('binary.ts is the compile of the current AssemblyScript source (portable and relaxed builds), with no data segment', async () => {
    const portable: Uint8Array = await compileKernels(false);
    const relaxed: Uint8Array = await compileKernels(true);
    expect(hasDataSection(portable)).toBe(false);
    expect(hasDataSection(relaxed)).toBe(false);
    const { readFileSync } = await import('node:fs');
    const committed = readFileSync(new URL('../../src/training/kernels/binary.ts', import.meta.url), 'utf8');
    expect(committed, 'run `npm run build:kernels`').toBe(binaryModuleText(portable, relaxed));
    expect(Buffer.from(KERNELS_WASM_BASE64, 'base64').equals(Buffer.from(portable))).toBe(true);
    expect(Buffer.from(KERNELS_RELAXED_WASM_BASE64, 'base64').equals(Buffer.from(relaxed))).toBe(true);
    // The builds differ (relaxed_madd is in one only), so the choice between them is a real one.
    expect(Buffer.from(portable).equals(Buffer.from(relaxed))).toBe(false);
  }, 60_000);

  it('hasDataSection finds a data section', () => {
    // magic, version, then a data section (id 11) of size 1 holding 0 segments.
    expect(hasDataSection(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 11, 1, 0))).toBe(true);
    expect(hasDataSection(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0))).toBe(false);
  });
});

/**
 * Both builds on a memory of their own (independent of which one this process trains with):
 * every entry of C = opA(A) opB(B) (+ C) against a float64 sum, within the classical bound for
 * a float32 dot product computed in any order with or without fused steps (Higham 2002, Thm 3.5):
 * |fl(c + Σ a_k b_k) - (c + Σ a_k b_k)| <= γ_{K+1} (|c| + Σ |a_k b_k|), γ_n = n u / (1 - n u),
 * u = 2⁻²⁴.
 */
describe('the portable and the relaxed build', () => {
  const builds = { portable: KERNELS_WASM_BASE64, relaxed: KERNELS_RELAXED_WASM_BASE64 } as const;
  type Gemm = (M: number, N: number, K: number, a: number, lda: number, tA: number, b: number, ldb: number, tB: number, c: number, ldc: number, accum: number, scratch: number) => void;
  const instance = (b64: string) => {
    const memory = new WebAssembly.Memory({ initial: 64 });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(b64, 'base64')), { env: { memory } }).exports as unknown as { gemm: Gemm };
    return { memory, gemm: exports.gemm };
  };
  const u = 2 ** -24;
  const gamma = (n: number) => (n * u) / (1 - n * u);

  for (const [name, b64] of Object.entries(builds)) {
    it(`${name}: gemm within the float32 dot-product bound, misaligned operands, every transpose`, () => {
      const { memory, gemm } = instance(b64);
      const f = new Float32Array(memory.buffer);
      const rnd = RandomStream.of(11, `gemm-${name}`);
      let checked = 0;
      for (const [M, N, Kd] of [[7, 19, 300], [34, 33, 64], [5, 16, 1], [64, 48, 257]] as const)
        for (const tA of [0, 1])
          for (const tB of [0, 1])
            for (const accum of [0, 1]) {
              // Byte offsets 4 mod 64 (tensors on the tfjs heap are not cache-line aligned).
              const aAt = 4100, bAt = aAt + 4 * M * Kd + 68, cAt = bAt + 4 * Kd * N + 132, scratch = cAt + 4 * M * N + 256;
              const a = Float32Array.from({ length: M * Kd }, () => rnd.normal(0, 1));
              const b = Float32Array.from({ length: Kd * N }, () => rnd.normal(0, 1));
              const c0 = Float32Array.from({ length: M * N }, () => rnd.normal(0, 1));
              f.set(a, aAt / 4);
              f.set(b, bAt / 4);
              f.set(c0, cAt / 4);
              gemm(M, N, Kd, aAt, tA ? M : Kd, tA, bAt, tB ? Kd : N, tB, cAt, N, accum, scratch);
              for (let i = 0; i < M; i++)
                for (let j = 0; j < N; j++) {
                  let exact = accum ? c0[i * N + j]! : 0;
                  let magnitude = Math.abs(exact);
                  for (let k = 0; k < Kd; k++) {
                    const p = a[tA ? k * M + i : i * Kd + k]! * b[tB ? j * Kd + k : k * N + j]!;
                    exact += p;
                    magnitude += Math.abs(p);
                  }
                  const got = f[cAt / 4 + i * N + j]!;
                  expect(Math.abs(got - exact), `${M}x${N}x${Kd} tA ${tA} tB ${tB} accum ${accum} (${i}, ${j})`).toBeLessThanOrEqual(gamma(Kd + 1) * magnitude);
                  checked++;
                }
            }
      expect(checked).toBeGreaterThan(10_000);
    });
  }

  it('the relaxed build fuses c + a·b on this CPU exactly when kernelChoice says so; the portable one never does', () => {
    // a = b = 1 + 2⁻¹², c = -(1 + 2⁻¹¹) = -fl(a·b): exactly c + a·b = 2⁻²⁴ (fused), 0 when a·b is rounded first.
    const run = (b64: string) => {
      const { memory, gemm } = instance(b64);
      const f = new Float32Array(memory.buffer);
      f[16] = 1 + 2 ** -12;
      f[20] = 1 + 2 ** -12;
      f[24] = -(1 + 2 ** -11);
      gemm(1, 1, 1, 64, 1, 0, 80, 1, 0, 96, 1, 1, 128);
      return f[24]!;
    };
    expect(run(KERNELS_WASM_BASE64)).toBe(0);
    const relaxed = run(KERNELS_RELAXED_WASM_BASE64);
    expect([0, 2 ** -24]).toContain(relaxed);
    const choice = kernelChoice();
    if (choice.build === 'relaxed') expect(choice.fused).toBe(relaxed === 2 ** -24);
    else expect(choice.fused).toBe(false);
  });
});

describe('choosing the build (AIRTUNE_KERNELS)', () => {
  const saved = process.env['AIRTUNE_KERNELS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['AIRTUNE_KERNELS'];
    else process.env['AIRTUNE_KERNELS'] = saved;
    vi.resetModules();
  });
  const fresh = async () => {
    vi.resetModules();
    return import('../../src/training/kernels/index.js');
  };

  it('portable is honoured, relaxed is the default where the runtime validates relaxed SIMD (Node 20: behind its flag, switched on)', async () => {
    process.env['AIRTUNE_KERNELS'] = 'portable';
    expect((await fresh()).kernelChoice()).toEqual({ build: 'portable', fused: false, reason: 'AIRTUNE_KERNELS=portable' });
    delete process.env['AIRTUNE_KERNELS'];
    const auto = (await fresh()).kernelChoice();
    expect(auto.build).toBe('relaxed');
    expect(WebAssembly.validate(Buffer.from(KERNELS_RELAXED_WASM_BASE64, 'base64'))).toBe(true);
  });

  it('a bad value is a usage error naming the variable, what is allowed and what was found', async () => {
    process.env['AIRTUNE_KERNELS'] = 'fast';
    const k = await fresh();
    const { UsageError } = await import('../../src/core/errors.js');
    expect(() => k.kernelChoice()).toThrow(UsageError);
    expect(() => k.kernelChoice()).toThrow('environment variable AIRTUNE_KERNELS: expected relaxed or portable (or unset), found "fast"');
  });
});

describe('gemm', () => {
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`C (+)= op(A) op(B), transA ${tA}, transB ${tB}, odd sizes and k beyond one block`, () => {
      const K = currentKernels();
      for (const [M, N, Kd] of [
        [7, 19, 300],
        [1, 16, 5],
        [34, 33, 64],
        [5, 3, 1],
      ] as const) {
        const a = randn(M * Kd);
        const b = randn(Kd * N);
        const c0 = randn(M * N);
        const ta = tf.tensor(a);
        const tb = tf.tensor(b);
        for (const accum of [false, true]) {
          const tc = tf.tensor(c0);
          K.gemm(M, N, Kd, K.ptr(ta), tA ? M : Kd, tA, K.ptr(tb), tB ? Kd : N, tB, K.ptr(tc), N, accum);
          const ref = new Float64Array(M * N);
          for (let i = 0; i < M; i++)
            for (let j = 0; j < N; j++) {
              let s = accum ? c0[i * N + j]! : 0;
              for (let k = 0; k < Kd; k++) s += a[tA ? k * M + i : i * Kd + k]! * b[tB ? j * Kd + k : k * N + j]!;
              ref[i * N + j] = s;
            }
          // float32 sums of Kd products of unit normals: error ~ Kd * 2^-24 * sqrt(Kd).
          expect(maxAbs(data(tc), ref)).toBeLessThan(1e-6 * Kd * Math.sqrt(Kd) + 1e-6);
          tc.dispose();
        }
        tf.dispose([ta, tb]);
      }
    });
  }

  it('linear: y = x Wᵀ + b + r, and its gradients', () => {
    const [n, inp, out] = [9, 13, 21];
    const x = tf.tensor2d(randn(n * inp), [n, inp]);
    const w = tf.tensor2d(randn(out * inp), [out, inp]);
    const b = tf.tensor1d(randn(out));
    const r = tf.tensor2d(randn(n * out), [n, out]);
    const dy = tf.tensor2d(randn(n * out), [n, out]);
    const [X, W, Bv, R, D] = [x, w, b, r, dy].map((t) => Array.from(t.dataSync()));
    const y = linear(x, w, b, r);
    const ref = Array.from({ length: n * out }, (_, k) => {
      const i = Math.floor(k / out);
      const o = k % out;
      let s = Bv![o]! + R![k]!;
      for (let j = 0; j < inp; j++) s += X![i * inp + j]! * W![o * inp + j]!;
      return s;
    });
    expect(maxAbs(data(y), ref)).toBeLessThan(1e-5);
    const g = tf.grads((xi, wi, bi, ri) => linear(xi as tf.Tensor2D, wi!, bi, ri as tf.Tensor2D))([x, w, b, r], dy);
    const dx = Array.from({ length: n * inp }, (_, k) => {
      const i = Math.floor(k / inp);
      const j = k % inp;
      let s = 0;
      for (let o = 0; o < out; o++) s += D![i * out + o]! * W![o * inp + j]!;
      return s;
    });
    const dw = Array.from({ length: out * inp }, (_, k) => {
      const o = Math.floor(k / inp);
      const j = k % inp;
      let s = 0;
      for (let i = 0; i < n; i++) s += D![i * out + o]! * X![i * inp + j]!;
      return s;
    });
    const db = Array.from({ length: out }, (_, o) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += D![i * out + o]!;
      return s;
    });
    expect(maxAbs(data(g[0]!), dx)).toBeLessThan(1e-5);
    expect(maxAbs(data(g[1]!), dw)).toBeLessThan(1e-5);
    expect(maxAbs(data(g[2]!), db)).toBeLessThan(1e-5);
    expect(maxAbs(data(g[3]!), D!)).toBe(0);
    tf.dispose([x, w, b, r, dy, y, ...g]);
  });
});

describe('elementwise approximations', () => {
  it('exp: relative error below 4e-7 on [-80, 80]', () => {
    const K = currentKernels();
    const n = 4003;
    const xs = Float32Array.from({ length: n }, (_, i) => -80 + (160 * i) / (n - 1));
    const x = tf.tensor(xs);
    const y = tf.zeros([n]);
    K.k.expv(n, K.ptr(x), K.ptr(y));
    const got = y.dataSync();
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! / Math.exp(xs[i]!) - 1));
    expect(worst).toBeLessThan(4e-7);
    tf.dispose([x, y]);
  });

  it('log (float64, no tables): relative error below 1e-15', () => {
    const K = currentKernels();
    const xs = Float64Array.from({ length: 1000 }, (_, i) => Math.exp(-300 + 0.6 * i) * (1 + (i % 7) / 10));
    const bytes = xs.length * 8;
    const p = K.scratch((2 * bytes) / 4 + 4);
    const heap = new Float64Array(((K.backend.wasm as unknown as { HEAPF64: Float64Array }).HEAPF64).buffer);
    heap.set(xs, p / 8);
    K.k.logv(xs.length, p, p + bytes);
    const got = heap.slice(p / 8 + xs.length, p / 8 + 2 * xs.length);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(got[i]! - Math.log(xs[i]!)) / Math.max(1, Math.abs(Math.log(xs[i]!))));
    expect(worst).toBeLessThan(1e-15);
  });

  it('GELU and its derivative against the exact erf form (A&S 7.1.26: |erf error| <= 1.5e-7)', () => {
    const n = 2001;
    const xs = Float32Array.from({ length: n }, (_, i) => -8 + (16 * i) / (n - 1));
    const x = tf.tensor(xs);
    const dy = tf.tensor(randn(n));
    const D = dy.dataSync();
    const y = gelu(x);
    const dx = tf.grad((t) => gelu(t))(x, dy);
    const cdf = (v: number) => 0.5 * (1 + erf(v / Math.SQRT2));
    const ref = Array.from(xs, (v) => v * cdf(v));
    const dref = Array.from(xs, (v, i) => D[i]! * (cdf(v) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI)));
    const ys = y.dataSync();
    // |Φ error| <= 0.75e-7 (half the erf bound) plus float32 evaluation of the polynomial (a few
    // ulp of values below 1): |GELU error| <= |x| (0.75e-7 + 0.75e-7) + 1e-7.
    for (let i = 0; i < n; i++) expect(Math.abs(ys[i]! - ref[i]!), `x = ${xs[i]}`).toBeLessThan(1.5e-7 * Math.abs(xs[i]!) + 1e-7);
    expect(maxAbs(data(dx), dref)).toBeLessThan(1e-6);
    tf.dispose([x, dy, y, dx]);
  });
});

describe('row kernels', () => {
  it('LayerNorm forward and backward (central differences of a float64 reference)', () => {
    const [rows, h] = [5, 7];
    const xs = randn(rows * h, 2);
    const gs = randn(h, 0.5).map((v) => 1 + v);
    const bs = randn(h, 0.3);
    const rr = randn(rows * h);
    const ref = (x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>) => {
      let loss = 0;
      const y = new Float64Array(rows * h);
      for (let r = 0; r < rows; r++) {
        let mu = 0;
        for (let j = 0; j < h; j++) mu += x[r * h + j]! / h;
        let v = 0;
        for (let j = 0; j < h; j++) v += (x[r * h + j]! - mu) ** 2 / h;
        for (let j = 0; j < h; j++) {
          y[r * h + j] = ((x[r * h + j]! - mu) / Math.sqrt(v + 1e-5)) * g[j]! + b[j]!;
          loss += y[r * h + j]! * rr[r * h + j]!;
        }
      }
      return { y, loss };
    };
    const x = tf.tensor2d(xs, [rows, h]);
    const g = tf.tensor1d(gs);
    const b = tf.tensor1d(bs);
    expect(maxAbs(data(layerNorm(x, g, b, 1e-5)), ref(xs, gs, bs).y)).toBeLessThan(2e-6);
    const grads = tf.grads((a, c, d) => layerNorm(a as tf.Tensor2D, c as tf.Tensor1D, d as tf.Tensor1D, 1e-5))([x, g, b], tf.tensor2d(rr, [rows, h]));
    const fd = (arr: Float32Array, which: 0 | 1 | 2) =>
      Array.from(arr, (_, i) => {
        const up = [Float64Array.from(xs), Float64Array.from(gs), Float64Array.from(bs)];
        const down = [Float64Array.from(xs), Float64Array.from(gs), Float64Array.from(bs)];
        up[which]![i]! += 1e-6;
        down[which]![i]! -= 1e-6;
        return (ref(up[0]!, up[1]!, up[2]!).loss - ref(down[0]!, down[1]!, down[2]!).loss) / 2e-6;
      });
    expect(maxAbs(data(grads[0]!), fd(xs, 0))).toBeLessThan(2e-5);
    expect(maxAbs(data(grads[1]!), fd(gs, 1))).toBeLessThan(2e-5);
    expect(maxAbs(data(grads[2]!), fd(bs, 2))).toBeLessThan(2e-5);
  });

  it('softmax cross-entropy: loss and (softmax - onehot)/N', () => {
    const [n, V] = [6, 11];
    const ls = randn(n * V, 3);
    const ids = Int32Array.from({ length: n }, (_, i) => (i * 4) % V);
    let loss = 0;
    const dref = new Float64Array(n * V);
    for (let r = 0; r < n; r++) {
      const row = Array.from(ls.subarray(r * V, (r + 1) * V));
      const m = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      loss += m + Math.log(z) - row[ids[r]!]!;
      for (let j = 0; j < V; j++) dref[r * V + j] = (Math.exp(row[j]! - m) / z - (j === ids[r] ? 1 : 0)) / n;
    }
    const lg = tf.tensor2d(ls, [n, V]);
    const t = tf.tensor1d(ids, 'int32');
    expect(softmaxCrossEntropy(lg, t).dataSync()[0]).toBeCloseTo(loss / n, 5);
    expect(maxAbs(data(tf.grad((a) => softmaxCrossEntropy(a as tf.Tensor2D, t))(lg)), dref)).toBeLessThan(1e-7);
  });

  it('embedding: lookup plus positions; scatter-add backward', () => {
    const [V, P, h, B, T] = [5, 4, 6, 2, 3];
    const tok = tf.tensor2d(randn(V * h), [V, h]);
    const pos = tf.tensor2d(randn(P * h), [P, h]);
    const idv = Int32Array.of(1, 1, 4, 0, 1, 2);
    const ids = tf.tensor1d(idv, 'int32');
    const E = tok.dataSync();
    const Pp = pos.dataSync();
    const y = embed(tok, pos, ids, T).dataSync();
    for (let n = 0; n < B * T; n++) for (let c = 0; c < h; c++) expect(y[n * h + c]).toBeCloseTo(E[idv[n]! * h + c]! + Pp[(n % T) * h + c]!, 6);
    const dy = randn(B * T * h);
    const [dtok, dpos] = tf.grads((a, b) => embed(a as tf.Tensor2D, b as tf.Tensor2D, ids, T))([tok, pos], tf.tensor2d(dy, [B * T, h]));
    const rt = new Float64Array(V * h);
    const rp = new Float64Array(P * h);
    for (let n = 0; n < B * T; n++)
      for (let c = 0; c < h; c++) {
        rt[idv[n]! * h + c] += dy[n * h + c]!;
        rp[(n % T) * h + c] += dy[n * h + c]!;
      }
    expect(maxAbs(data(dtok!), rt)).toBeLessThan(1e-6);
    expect(maxAbs(data(dpos!), rp)).toBeLessThan(1e-6);
  });
});

describe('causal attention', () => {
  /** Σ ctx ⊙ R of the naive float64 causal attention on qkv [B*T, 3h]. */
  function refAttention(qkv: ArrayLike<number>, B: number, T: number, H: number, d: number, R: ArrayLike<number>) {
    const h = H * d;
    const ctx = new Float64Array(B * T * h);
    for (let b = 0; b < B; b++)
      for (let hd = 0; hd < H; hd++)
        for (let i = 0; i < T; i++) {
          const q = (t: number, c: number) => qkv[(b * T + t) * 3 * h + hd * d + c]!;
          const k = (t: number, c: number) => qkv[(b * T + t) * 3 * h + h + hd * d + c]!;
          const v = (t: number, c: number) => qkv[(b * T + t) * 3 * h + 2 * h + hd * d + c]!;
          const s: number[] = [];
          for (let j = 0; j <= i; j++) {
            let dot = 0;
            for (let c = 0; c < d; c++) dot += q(i, c) * k(j, c);
            s.push(dot / Math.sqrt(d));
          }
          const m = Math.max(...s);
          const e = s.map((z) => Math.exp(z - m));
          const z = e.reduce((a, c) => a + c, 0);
          for (let j = 0; j <= i; j++) for (let c = 0; c < d; c++) ctx[(b * T + i) * h + hd * d + c]! += (e[j]! / z) * v(j, c);
        }
    let loss = 0;
    for (let i = 0; i < ctx.length; i++) loss += ctx[i]! * R[i]!;
    return { ctx, loss };
  }

  for (const [B, T, H, d] of [
    [2, 37, 2, 4],
    [1, 33, 3, 20],
    [2, 16, 1, 16],
  ] as const) {
    it(`B=${B} T=${T} H=${H} d=${d}: forward, and backward against central differences`, () => {
      const h = H * d;
      const qs = randn(B * T * 3 * h);
      const R = randn(B * T * h);
      const qkv = tf.tensor2d(qs, [B * T, 3 * h]);
      const { ctx } = refAttention(qs, B, T, H, d, R);
      expect(maxAbs(data(attention(qkv, B, T, H)), ctx)).toBeLessThan(2e-6);
      const g = tf.grad((x) => attention(x as tf.Tensor2D, B, T, H))(qkv, tf.tensor2d(R, [B * T, h])).dataSync();
      const q64 = Float64Array.from(qs);
      const pick = RandomStream.of(T, 'attention-fd');
      for (let s = 0; s < 24; s++) {
        const i = pick.int(qs.length);
        const o = q64[i]!;
        q64[i] = o + 1e-5;
        const up = refAttention(q64, B, T, H, d, R).loss;
        q64[i] = o - 1e-5;
        const down = refAttention(q64, B, T, H, d, R).loss;
        q64[i] = o;
        const fd = (up - down) / 2e-5;
        expect(Math.abs(g[i]! - fd), `dqkv[${i}]`).toBeLessThan(1e-4 + 1e-4 * Math.abs(fd));
      }
      qkv.dispose();
    });
  }
});

describe('optimiser', () => {
  it('Adam step, squared norms and masks against float64 formulas', () => {
    const n = 23;
    const w = randn(n);
    const g = randn(n);
    const m = randn(n, 0.1);
    const v = randn(n, 0.1).map(Math.abs);
    const mask = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const s = { clip: 0.7, beta1: 0.9, beta2: 0.999, stepSize: 0.01, epsHat: 1e-8, lrWd: 1e-3 };
    const [tw, tg, tm, tv, tmask] = [w, g, m, v, mask].map((a) => tf.tensor(a));
    expect(sumSquares(tg!)).toBeCloseTo(g.reduce((a, x) => a + x * x, 0), 10);
    const out = adamUpdate(tw!, tg!, tm!, tv!, tmask, s).dataSync();
    const mo = tm!.dataSync();
    const vo = tv!.dataSync();
    for (let i = 0; i < n; i++) {
      const gi = g[i]! * s.clip;
      const mi = s.beta1 * m[i]! + (1 - s.beta1) * gi;
      const vi = s.beta2 * v[i]! + (1 - s.beta2) * gi * gi;
      const wi = mask[i] === 0 ? 0 : w[i]! - (s.stepSize * mi) / (Math.sqrt(vi) + s.epsHat) - s.lrWd * w[i]!;
      expect(mo[i]).toBeCloseTo(mi, 6);
      expect(vo[i]).toBeCloseTo(vi, 6);
      expect(out[i]).toBeCloseTo(wi, 6);
      if (mask[i] === 0) expect(out[i]).toBe(0);
    }
    expect(Array.from(tw!.dataSync())).toEqual(Array.from(w)); // the old weights are untouched
  });

  it('tf.clone shares the data (wasm Identity override) and stays correct after the source is disposed', () => {
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
  });
});

describe('the kernel path and the tfjs-op path', () => {
  it('give the same loss and gradients on a small model (wasm kernels vs cpu-backend ops)', async () => {
    const { lossAndGrads } = await import('../../src/training/train/index.js');
    const { initWeights, paramNames } = await import('../../src/training/model/index.js');
    const arch = { name: 'small', layers: 2, hidden: 12, heads: 3, kvHeads: 3, ffn: 20, vocab: 29, maxPositions: 9, tiedEmbeddings: false, ffnKind: 'mlp', positional: 'learned', norm: 'layernorm', bias: true, kind: 'decoder' } as const;
    const w = initWeights(arch, 3);
    for (const k of Object.keys(w)) w[k] = w[k]!.map((v) => v * 10 + (k.endsWith('.g') ? 0 : 0.01));
    const tokens = Int32Array.from({ length: 3 * 8 }, (_, i) => (i * 7 + 3) % arch.vocab);
    const names = paramNames(arch);
    const onKernels = lossAndGrads(arch, w, tokens, 3, 7, names);
    await initBackend('cpu');
    try {
      const onOps = lossAndGrads(arch, w, tokens, 3, 7, names);
      expect(onKernels.loss).toBeCloseTo(onOps.loss, 5);
      for (const n of names) {
        if (n.endsWith('.bk')) {
          // Exactly 0: adding bk to every key adds q·bk to a whole row of scores, which softmax
          // ignores; both paths return float rounding noise.
          expect(Math.max(...Array.from(onKernels.grads[n]!, Math.abs))).toBeLessThan(1e-5);
          continue;
        }
        const scale = Math.max(1e-3, ...Array.from(onOps.grads[n]!, Math.abs));
        expect(maxAbs(onKernels.grads[n]!, onOps.grads[n]!) / scale, n).toBeLessThan(1e-4);
      }
    } finally {
      await initBackend('wasm');
    }
  });
});
