/**
 * airtune's SIMD training kernels for the tfjs wasm backend (an edge of the system, like
 * backend.ts): the WebAssembly module compiled from assembly/kernels.ts (AssemblyScript, see
 * scripts/build-kernels.mjs) is instantiated on the tfjs-backend-wasm heap itself (it imports
 * the backend's WebAssembly.Memory), and its functions are registered as tfjs kernels
 * (`tf.registerKernel`, backend 'wasm'), so they run in place on tensors' memory, inside
 * tf.tidy / tf.valueAndGrads like any other op, with no copy in or out.
 *
 * Why: tfjs-backend-wasm runs only untransposed, unbatched matmuls on XNNPACK; transposed or
 * batched ones (every attention product and every weight gradient) take a scalar loop at ~1.3
 * GFLOP/s, transposes cost ~12 ns per element, Exp/Erf ~13/19 ns per element and Sum over
 * rows ~13 ns per element (measured, bench/training.ts). The kernels here are: a 2x16-tile
 * SIMD GEMM on packed panels with either operand transposed (~31 GFLOP/s in the portable build,
 * ~40 with fused multiply-adds in the relaxed one, against XNNPACK's ~20 here; KernelBuild), a
 * causal attention that reads q, k, v in place from the fused projection, LayerNorm, GELU (its
 * derivative kept from the forward pass) and
 * softmax cross-entropy with their backward passes, the embedding lookup with a scatter-add
 * backward, bias column sums and a fused Adam/SGD update.
 *
 * Ops (for forward.ts): linear, layerNorm, gelu, attention, embed, softmaxCrossEntropy; each
 * carries its hand-written gradient (Ba et al. 2016 for LayerNorm, Hendrycks & Gimpel 2016
 * for GELU, the softmax/attention Jacobians). The optimiser helpers (sumSquares, adamUpdate,
 * sgdUpdate) work on tensors directly.
 */
import * as tf from '@tensorflow/tfjs-core';
// Evaluated first, so that the wasm backend's own kernels are registered before the override below.
import '@tensorflow/tfjs-backend-wasm';
import v8 from 'node:v8';
import { UsageError } from '../../core/errors.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './binary.js';

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
interface WasmBackend {
  wasm: { asm: { memory: object }; _malloc(bytes: number): number; _free(ptr: number): void; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** The module's exports (pointers are byte offsets in the tfjs heap). */
interface Exports {
  gemm(M: number, N: number, K: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number, c: number, ldc: number, accum: number, scratch: number): void;
  gemmInit(M: number, N: number, K: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number, c: number, bias: number, res: number, scratch: number): void;
  gemmScratch(N: number): number;
  expv(n: number, x: number, y: number): void;
  logv(n: number, x: number, y: number): void;
  geluFwdGrad(n: number, x: number, y: number, g: number): void;
  mulv(n: number, a: number, b: number, y: number): void;
  layerNormFwd(rows: number, h: number, x: number, g: number, b: number, eps: number, y: number, stats: number): void;
  layerNormBwd(rows: number, h: number, x: number, stats: number, g: number, dy: number, dx: number, dg: number, db: number): void;
  colSum(rows: number, n: number, a: number, out: number): void;
  embedFwd(rows: number, h: number, T: number, ids: number, tok: number, pos: number, x: number): void;
  embedBwd(rows: number, h: number, T: number, V: number, P: number, ids: number, dx: number, dtok: number, dpos: number): void;
  xentFwd(rows: number, V: number, logits: number, targets: number, probs: number): number;
  xentBwd(rows: number, V: number, probs: number, targets: number, scale: number, dl: number): void;
  attentionScratch(T: number, d: number): number;
  attentionFwd(B: number, T: number, H: number, d: number, scale: number, qkv: number, ctx: number, p: number, scratch: number): void;
  attentionBwd(B: number, T: number, H: number, d: number, scale: number, qkv: number, p: number, dctx: number, dqkv: number, scratch: number): void;
  sumSquares(n: number, g: number): number;
  adam(n: number, w: number, g: number, m: number, v: number, mask: number, wOut: number, clip: number, b1: number, b2: number, stepSize: number, epsHat: number, lrWd: number): void;
  sgd(n: number, w: number, g: number, mask: number, wOut: number, clip: number, lr: number, wd: number): void;
}

/** True when a WebAssembly module has a data section (id 11), which would write over the heap it imports. */
export function hasDataSection(bytes: Uint8Array): boolean {
  let at = 8; // magic + version
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const size = leb();
    if (id === 11) return true;
    at += size;
  }
  return false;
}

/**
 * Which of the two builds of the kernels runs (scripts/build-kernels.mjs):
 * - `relaxed`: WebAssembly relaxed SIMD, whose f32x4.relaxed_madd is one fused multiply-add
 *   instruction where the CPU has one (x86-64 with FMA3, every arm64). The matrix tiles are
 *   bound by instructions retired, not by the multipliers, so this is 1.3x the portable tiles
 *   (40 vs 31 GFLOP/s on the 2-core dev machine, `npm run bench` kernel profile). Relaxed SIMD
 *   is in the WebAssembly standard and on by default from Node 22 (V8 11.4); Node 20's V8 11.3
 *   has it behind --experimental-wasm-relaxed-simd, which is switched on here, before the
 *   module is compiled, only when the module does not validate without it.
 * - `portable`: SIMD 128 only (a multiply then an add): the results every runtime computes.
 * Sums run in the same order in both; the fused product rounds once instead of twice, so the
 * two builds agree to float32 rounding (test/training/kernels.test.ts), not bit for bit. Any
 * one machine gives the same bits whatever the worker count. `AIRTUNE_KERNELS=portable` (or
 * `relaxed`) forces a build; the build in use is printed by `airtune doctor` and recorded in a
 * run's meta.json (the backend line).
 */
export type KernelBuild = 'relaxed' | 'portable';

export interface KernelChoice {
  build: KernelBuild;
  /** The relaxed build's multiply-add is fused on this machine (checked on a value where it shows). */
  fused: boolean;
  /** Why the portable build runs, when it does. */
  reason?: string;
}

const bytesOf = (b64: string) => Uint8Array.from(Buffer.from(b64, 'base64'));
let choice: { module: object; info: KernelChoice } | undefined;

/** True when the runtime validates relaxed SIMD, switching Node 20's flag on if needed. */
function relaxedSimdAvailable(bytes: Uint8Array): boolean {
  if (WebAssembly.validate(bytes)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

/**
 * c + a·b through the module's gemm (1 x 1 x 1, accumulating) with a = b = 1 + 2⁻¹² and
 * c = -fl(a·b) = -(1 + 2⁻¹¹): a fused multiply-add gives the product's rounding error 2⁻²⁴,
 * a multiply then an add gives 0.
 */
function isFused(module: object): boolean {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
  const f = new Float32Array(memory.buffer);
  f[16] = 1 + 2 ** -12; // a at byte 64
  f[20] = 1 + 2 ** -12; // b at byte 80
  f[24] = -(1 + 2 ** -11); // c at byte 96
  k.gemm(1, 1, 1, 64, 1, 0, 80, 1, 0, 96, 1, 1, 128);
  return f[24] !== 0;
}

/** The build of the kernels this process runs (decided once; see KernelBuild). */
export function kernelChoice(): KernelChoice {
  return chosen().info;
}

/** The build asked for in the environment (AIRTUNE_KERNELS), or undefined; a bad value is a UsageError. */
export function askedKernelBuild(): KernelBuild | undefined {
  const asked = process.env['AIRTUNE_KERNELS'];
  if (asked === undefined || asked === '') return undefined;
  if (asked !== 'relaxed' && asked !== 'portable')
    throw new UsageError(`environment variable AIRTUNE_KERNELS: expected relaxed or portable (or unset), found "${asked}"`);
  return asked;
}

function chosen(): { module: object; info: KernelChoice } {
  if (choice) return choice;
  const asked = askedKernelBuild();
  const relaxed = bytesOf(KERNELS_RELAXED_WASM_BASE64);
  let info: KernelChoice;
  let bytes: Uint8Array;
  if (asked === 'portable') {
    info = { build: 'portable', fused: false, reason: 'AIRTUNE_KERNELS=portable' };
    bytes = bytesOf(KERNELS_WASM_BASE64);
  } else if (relaxedSimdAvailable(relaxed)) {
    info = { build: 'relaxed', fused: false };
    bytes = relaxed;
  } else {
    info = { build: 'portable', fused: false, reason: 'this runtime has no WebAssembly relaxed SIMD' };
    bytes = bytesOf(KERNELS_WASM_BASE64);
  }
  if (hasDataSection(bytes)) throw new Error('airtune kernels: the module has a data segment; it would overwrite the tfjs heap');
  const module = new WebAssembly.Module(bytes);
  if (info.build === 'relaxed') info.fused = isFused(module);
  choice = { module, info };
  return choice;
}

function wasmModule(): object {
  return chosen().module;
}

/** The kernels instantiated on one wasm backend's heap, with a growing scratch area. */
class Kernels {
  readonly k: Exports;
  private scratchPtr = 0;
  private scratchFloats = 0;

  constructor(readonly backend: WasmBackend) {
    const instance = new WebAssembly.Instance(wasmModule(), { env: { memory: backend.wasm.asm.memory } });
    this.k = instance.exports as unknown as Exports;
  }

  /** Byte offset of a tensor's data in the heap. */
  ptr(t: tf.TensorInfo): number {
    const d = this.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('airtune kernels: tensor is not on the wasm backend');
    return d.memoryOffset;
  }

  out(shape: number[], dtype: tf.DataType = 'float32'): { info: tf.TensorInfo; ptr: number } {
    const info = this.backend.makeOutput(shape, dtype);
    return { info, ptr: this.ptr(info) };
  }

  /** A scratch area of at least `floats` floats (64-byte aligned), reused between calls. */
  scratch(floats: number): number {
    if (floats > this.scratchFloats) {
      if (this.scratchPtr) this.backend.wasm._free(this.scratchPtr);
      this.scratchFloats = Math.max(floats, 2 * this.scratchFloats);
      this.scratchPtr = this.backend.wasm._malloc(this.scratchFloats * 4 + 64);
      if (!this.scratchPtr) throw new Error('airtune kernels: out of wasm memory for scratch');
    }
    // Cache-line aligned: the packed GEMM panels are read 64 bytes per k step.
    return (this.scratchPtr + 63) & ~63;
  }

  /** C = opA(A) · opB(B) (+ C when accum). */
  gemm(M: number, N: number, K: number, a: number, lda: number, transA: boolean, b: number, ldb: number, transB: boolean, c: number, ldc: number, accum: boolean): void {
    this.k.gemm(M, N, K, a, lda, transA ? 1 : 0, b, ldb, transB ? 1 : 0, c, ldc, accum ? 1 : 0, this.scratch(this.k.gemmScratch(N)));
  }
}

const instances = new WeakMap<object, Kernels>();

/** The kernels of a wasm backend (instantiated on first use). */
function kernelsOf(backend: unknown): Kernels {
  let k = instances.get(backend as object);
  if (!k) {
    k = new Kernels(backend as WasmBackend);
    instances.set(backend as object, k);
  }
  return k;
}

/** True when the current tfjs backend is wasm, i.e. the kernels here can run. */
export function kernelsActive(): boolean {
  return tf.getBackend() === 'wasm';
}

/** The kernels on the current (wasm) backend, for direct calls (optimiser, tests). */
export function currentKernels(): Kernels {
  if (!kernelsActive()) throw new Error(`airtune kernels need the wasm backend (current: ${tf.getBackend()})`);
  return kernelsOf(tf.backend());
}

// ---------------------------------------------------------------------------------------------
// tfjs kernel registrations (backend 'wasm').

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

const LINEAR = 'AirtuneLinear';
const MATMUL = 'AirtuneMatMul';
const COLSUM = 'AirtuneColSum';
const LAYERNORM = 'AirtuneLayerNorm';
const LAYERNORM_GRAD = 'AirtuneLayerNormGrad';
const GELU = 'AirtuneGelu';
const GELU_GRAD = 'AirtuneGeluGrad';
const ATTENTION = 'AirtuneAttention';
const ATTENTION_GRAD = 'AirtuneAttentionGrad';
const EMBED = 'AirtuneEmbed';
const EMBED_GRAD = 'AirtuneEmbedGrad';
const XENT = 'AirtuneSoftmaxXent';
const XENT_GRAD = 'AirtuneSoftmaxXentGrad';

function register(kernelName: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): void {
  if (tf.getKernel(kernelName, 'wasm')) return;
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** y [N, out] = x [N, in] · Wᵀ (W [out, in], nn.Linear orientation) + b + r (optional). */
register(LINEAR, ({ inputs, backend }) => {
  const K = kernelsOf(backend);
  const { x, w, b, r } = inputs as Record<string, tf.TensorInfo | undefined>;
  const [n, inp] = x!.shape as [number, number];
  const out = w!.shape[0]!;
  const y = K.out([n, out]);
  K.k.gemmInit(n, out, inp, K.ptr(x!), inp, 0, K.ptr(w!), inp, 1, y.ptr, b ? K.ptr(b) : 0, r ? K.ptr(r) : 0, K.scratch(K.k.gemmScratch(out)));
  return y.info;
});

/** C = opA(a) · opB(b) for 2-D a, b. */
register(MATMUL, ({ inputs, backend, attrs }) => {
  const K = kernelsOf(backend);
  const { a, b } = inputs as Record<string, tf.TensorInfo>;
  const tA = Boolean(attrs!['transposeA']);
  const tB = Boolean(attrs!['transposeB']);
  const [ar, ac] = a!.shape as [number, number];
  const [br, bc] = b!.shape as [number, number];
  const M = tA ? ac : ar;
  const Kd = tA ? ar : ac;
  const N = tB ? br : bc;
  if ((tB ? bc : br) !== Kd) throw new Error(`${MATMUL}: inner dimensions ${Kd} and ${tB ? bc : br} differ`);
  const c = K.out([M, N]);
  K.gemm(M, N, Kd, K.ptr(a!), ac, tA, K.ptr(b!), bc, tB, c.ptr, N, false);
  return c.info;
});

register(COLSUM, ({ inputs, backend }) => {
  const K = kernelsOf(backend);
  const x = inputs['x']!;
  const [rows, n] = x.shape as [number, number];
  const o = K.out([n]);
  K.k.colSum(rows, n, K.ptr(x), o.ptr);
  return o.info;
});

register(LAYERNORM, ({ inputs, backend, attrs }) => {
  const K = kernelsOf(backend);
  const { x, g, b } = inputs as Record<string, tf.TensorInfo>;
  const [rows, h] = x!.shape as [number, number];
  const y = K.out([rows, h]);
  const stats = K.out([rows, 2]);
  K.k.layerNormFwd(rows, h, K.ptr(x!), K.ptr(g!), K.ptr(b!), attrs!['eps'] as number, y.ptr, stats.ptr);
  return [y.info, stats.info];
});

register(LAYERNORM_GRAD, ({ inputs, backend }) => {
  const K = kernelsOf(backend);
  const { x, stats, g, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, h] = x!.shape as [number, number];
  const dx = K.out([rows, h]);
  const dg = K.out([h]);
  const db = K.out([h]);
  K.k.layerNormBwd(rows, h, K.ptr(x!), K.ptr(stats!), K.ptr(g!), K.ptr(dy!), dx.ptr, dg.ptr, db.ptr);
  return [dx.info, dg.info, db.info];
});

/** y = GELU(x) and g = GELU'(x) (kept for the backward pass instead of x). */
register(GELU, ({ inputs, backend }) => {
  const K = kernelsOf(backend);
  const x = inputs['x']!;
  const y = K.out(x.shape.slice());
  const g = K.out(x.shape.slice());
  K.k.geluFwdGrad(tf.util.sizeFromShape(x.shape), K.ptr(x), y.ptr, g.ptr);
  return [y.info, g.info];
});

/** dx = dy · g, g = GELU'(x) from the forward pass. */
register(GELU_GRAD, ({ inputs, backend }) => {
  const K = kernelsOf(backend);
  const { g, dy } = inputs as Record<string, tf.TensorInfo>;
  const dx = K.out(g!.shape.slice());
  K.k.mulv(tf.util.sizeFromShape(g!.shape), K.ptr(dy!), K.ptr(g!), dx.ptr);
  return dx.info;
});

function attentionDims(qkv: tf.TensorInfo, attrs: tf.NamedAttrMap) {
  const B = attrs['batch'] as number;
  const T = attrs['seqLen'] as number;
  const H = attrs['heads'] as number;
  const h = qkv.shape[1]! / 3;
  return { B, T, H, h, d: h / H };
}

register(ATTENTION, ({ inputs, backend, attrs }) => {
  const K = kernelsOf(backend);
  const qkv = inputs['qkv']!;
  const { B, T, H, h, d } = attentionDims(qkv, attrs!);
  const ctx = K.out([B * T, h]);
  const p = K.out([B, H, T, T]);
  const scratch = K.scratch(K.k.attentionScratch(T, d));
  K.k.attentionFwd(B, T, H, d, 1 / Math.sqrt(d), K.ptr(qkv), ctx.ptr, p.ptr, scratch);
  return [ctx.info, p.info];
});

register(ATTENTION_GRAD, ({ inputs, backend, attrs }) => {
  const K = kernelsOf(backend);
  const { qkv, p, dctx } = inputs as Record<string, tf.TensorInfo>;
  const { B, T, H, d } = attentionDims(qkv!, attrs!);
  const dqkv = K.out(qkv!.shape.slice());
  const scratch = K.scratch(K.k.attentionScratch(T, d));
  K.k.attentionBwd(B, T, H, d, 1 / Math.sqrt(d), K.ptr(qkv!), K.ptr(p!), K.ptr(dctx!), dqkv.ptr, scratch);
  return dqkv.info;
});

register(EMBED, ({ inputs, backend, attrs }) => {
  const K = kernelsOf(backend);
  const { tok, pos, ids } = inputs as Record<string, tf.TensorInfo>;
  const n = ids!.shape[0]!;
  const h = tok!.shape[1]!;
  const x = K.out([n, h]);
  K.k.embedFwd(n, h, attrs!['seqLen'] as number, K.ptr(ids!), K.ptr(tok!), K.ptr(pos!), x.ptr);
  return x.info;
});

register(EMBED_GRAD, ({ inputs, backend, attrs }) => {
  const K = kernelsOf(backend);
  const { ids, dx } = inputs as Record<string, tf.TensorInfo>;
  const [n, h] = dx!.shape as [number, number];
  const V = attrs!['vocab'] as number;
  const P = attrs!['positions'] as number;
  const dtok = K.out([V, h]);
  const dpos = K.out([P, h]);
  K.k.embedBwd(n, h, attrs!['seqLen'] as number, V, P, K.ptr(ids!), K.ptr(dx!), dtok.ptr, dpos.ptr);
  return [dtok.info, dpos.info];
});

register(XENT, ({ inputs, backend }) => {
  const K = kernelsOf(backend);
  const { logits, targets } = inputs as Record<string, tf.TensorInfo>;
  const [rows, V] = logits!.shape as [number, number];
  const probs = K.out([rows, V]);
  const loss = K.out([]);
  const mean = K.k.xentFwd(rows, V, K.ptr(logits!), K.ptr(targets!), probs.ptr);
  K.backend.wasm.HEAPF32[loss.ptr >>> 2] = mean;
  return [loss.info, probs.info];
});

register(XENT_GRAD, ({ inputs, backend }) => {
  const K = kernelsOf(backend);
  const { probs, targets, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, V] = probs!.shape as [number, number];
  const dl = K.out([rows, V]);
  const scale = K.backend.wasm.HEAPF32[K.ptr(dy!) >>> 2]! / rows;
  K.k.xentBwd(rows, V, K.ptr(probs!), K.ptr(targets!), scale, dl.ptr);
  return dl.info;
});

// tfjs saves every tensor a gradient needs through `clone` (the Identity kernel), and
// tfjs-backend-wasm's Identity copies the data (tfjs-backend-cpu's shares it): 52 copies per
// proxy step, ~3.5% of the step at 32 x 128 (bench kernel profile). Tensors are immutable, so
// sharing the data with a reference count, as the cpu backend and wasm's own Reshape do, is the
// same result without the copy. (Nothing in airtune writes into a tensor another op can see:
// the optimiser's moments are never given to an op and its new weights are new tensors.)
if (tf.getKernel(tf.Identity, 'wasm')) tf.unregisterKernel(tf.Identity, 'wasm');
tf.registerKernel({
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend }: KernelArgs) => {
    const x = inputs['x']!;
    (backend as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }) as unknown as tf.KernelFunc,
});

const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];

function matMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  return run(MATMUL, { a, b }, { transposeA, transposeB }) as tf.Tensor2D;
}

// The linear layer's gradient, registered so that tfjs only evaluates the parts backprop needs
// (a frozen weight gets no dW product; tfjs prunes inputs that do not lead to the trainables).
if (!tf.getGradient(LINEAR)) {
  tf.registerGradient({
    kernelName: LINEAR,
    inputsToSave: ['x', 'w'],
    gradFunc: (dy, saved) => {
      const [x, w] = saved as [tf.Tensor2D, tf.Tensor2D];
      const d = dy as tf.Tensor2D;
      return {
        x: () => matMul(d, w, false, false), // dX = dY W
        w: () => matMul(d, x, true, false), // dW = dYᵀ X
        b: () => run(COLSUM, { x: d }) as tf.Tensor,
        r: () => tf.reshape(d, d.shape),
      };
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Ops for forward.ts (wasm backend only; call kernelsActive() first).

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function customGrad(f: (...args: any[]) => { value: tf.Tensor; gradFunc: GradFn }) {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (...args: tf.Tensor[]) => tf.Tensor;
}

/** y = x Wᵀ + b (+ residual): one kernel, the bias and the residual added before the product is accumulated. */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor, residual?: tf.Tensor2D): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = { x, w };
  if (b) inputs['b'] = b;
  if (residual) inputs['r'] = residual;
  return run(LINEAR, inputs) as tf.Tensor2D;
}

/** LayerNorm over the last axis (Ba et al. 2016) with its hand-written backward. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor2D {
  const f = customGrad((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, stats] = run(LAYERNORM, { x: xi, g: gi, b: bi }, { eps }) as [tf.Tensor, tf.Tensor];
    save([xi, stats, gi]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, st, gs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return run(LAYERNORM_GRAD, { x: xs, stats: st, g: gs, dy }) as tf.Tensor[];
      },
    };
  });
  return f(x, g, b) as tf.Tensor2D;
}

/** Exact GELU x Φ(x) (Hendrycks & Gimpel 2016), erf to 1.5e-7 (Abramowitz & Stegun 7.1.26). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const f = customGrad((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, g] = run(GELU, { x: xi }) as [tf.Tensor, tf.Tensor];
    save([g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [run(GELU_GRAD, { g: saved[0]!, dy }) as tf.Tensor],
    };
  });
  return f(x);
}

/**
 * Causal multi-head self-attention (Vaswani et al. 2017) on the fused projection
 * qkv [B*T, 3h] = [q | k | v]: ctx [B*T, h] = concat_heads softmax(q kᵀ/√d + causal mask) v.
 */
export function attention(qkv: tf.Tensor2D, batch: number, seqLen: number, heads: number): tf.Tensor2D {
  const attrs = { batch, seqLen, heads };
  const f = customGrad((q: tf.Tensor, save: tf.GradSaveFunc) => {
    const [ctx, p] = run(ATTENTION, { qkv: q }, attrs) as [tf.Tensor, tf.Tensor];
    save([q, p]);
    return {
      value: ctx,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [run(ATTENTION_GRAD, { qkv: saved[0]!, p: saved[1]!, dctx: dy }, attrs) as tf.Tensor],
    };
  });
  return f(qkv) as tf.Tensor2D;
}

/** x [B*T, h] = tok[ids] + pos[t] (learned positions); backward: scatter-add into tok, sum into pos. */
export function embed(tok: tf.Tensor2D, pos: tf.Tensor2D, ids: tf.Tensor1D, seqLen: number): tf.Tensor2D {
  const attrs = { seqLen, vocab: tok.shape[0], positions: pos.shape[0] };
  const f = customGrad((t: tf.Tensor, p: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: run(EMBED, { tok: t, pos: p, ids }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => run(EMBED_GRAD, { ids, dx: dy }, attrs) as tf.Tensor[],
    };
  });
  return f(tok, pos) as tf.Tensor2D;
}

/** Mean softmax cross-entropy (nats) of logits [N, V] against target ids [N] (int32); gradient (softmax - onehot)/N. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const f = customGrad((lg: tf.Tensor, save: tf.GradSaveFunc) => {
    const [loss, probs] = run(XENT, { logits: lg, targets }) as [tf.Tensor, tf.Tensor];
    save([probs]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [run(XENT_GRAD, { probs: saved[0]!, targets, dy }) as tf.Tensor],
    };
  });
  return f(logits) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// Optimiser steps on tensors (direct calls; no tfjs kernel dispatch per parameter).

/** Σ x² (float64 accumulation) of a float32 tensor on the wasm backend. */
export function sumSquares(t: tf.Tensor): number {
  const K = currentKernels();
  return K.k.sumSquares(t.size, K.ptr(t));
}

/** A fresh float32 tensor of `shape` whose data the caller fills through its heap offset. */
function freshTensor(K: Kernels, shape: number[]): { t: tf.Tensor; ptr: number } {
  const o = K.out(shape);
  return { t: tf.engine().makeTensorFromTensorInfo(o.info), ptr: o.ptr };
}

export interface AdamStep {
  clip: number;
  beta1: number;
  beta2: number;
  /** lr·sqrt(1 - beta2^t)/(1 - beta1^t): the bias corrections folded in. */
  stepSize: number;
  /** eps·sqrt(1 - beta2^t). */
  epsHat: number;
  /** lr·weightDecay (decoupled, on the pre-update weight). */
  lrWd: number;
}

/**
 * One Adam step of parameter `w` with gradient `g`: the moments `m`, `v` (float32 tensors owned
 * by the caller, never given to a tfjs op) are updated in place; the new weights come back as a
 * new tensor (a new tensor id, so nothing cached on the old one can go stale). `mask` (0/1,
 * optional) zeroes pruned entries.
 */
export function adamUpdate(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, mask: tf.Tensor | undefined, s: AdamStep): tf.Tensor {
  const K = currentKernels();
  const out = freshTensor(K, w.shape);
  K.k.adam(w.size, K.ptr(w), K.ptr(g), K.ptr(m), K.ptr(v), mask ? K.ptr(mask) : 0, out.ptr, s.clip, s.beta1, s.beta2, s.stepSize, s.epsHat, s.lrWd);
  return out.t;
}

/** One SGD step (w - lr (clip g + wd w), pruned entries zeroed) as a new tensor. */
export function sgdUpdate(w: tf.Tensor, g: tf.Tensor, mask: tf.Tensor | undefined, clip: number, lr: number, wd: number): tf.Tensor {
  const K = currentKernels();
  const out = freshTensor(K, w.shape);
  K.k.sgd(w.size, K.ptr(w), K.ptr(g), mask ? K.ptr(mask) : 0, out.ptr, clip, lr, wd);
  return out.t;
}
