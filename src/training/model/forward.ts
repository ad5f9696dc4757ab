/**
 * The proxy causal transformer LM as a tfjs computation (pre-LayerNorm GPT-2 style block:
 * x += Attn(LN1(x)); x += MLP(LN2(x)); logits = LN_f(x) E^T with the tied embedding E).
 *
 * Written for speed on tfjs-wasm/cpu, where the per-op overhead dominates at this size:
 * - one matmul per projection over all batch*seq rows, biases fused into the matmul
 *   (`tf.fused.matMul`), q/k/v fused into one [3h, h] matmul (concatenated once per step);
 * - heads batched with one reshape/transpose, the 1/sqrt(d) scale folded into q;
 * - custom gradients (`tf.customGrad`) for LayerNorm, GELU, the embedding lookup (the wasm
 *   backend has no UnsortedSegmentSum, so `tf.gather`'s own gradient fails there) and the
 *   softmax cross-entropy, each a handful of ops instead of the autodiff graph.
 * Token batches are rows of seqLen + 1 tokens: inputs are tokens[0..T-1], targets [1..T].
 *
 * On the wasm backend the same model runs on airtune's SIMD kernels (src/training/kernels):
 * every projection is one `linear` kernel (bias and residual fused, both operand layouts of the
 * backward products handled without transposes), attention is one causal kernel reading q, k,
 * v in place from the fused projection, and LayerNorm, GELU, the embedding and the loss are one
 * kernel each way. The tfjs-op path below stays for the other backends (cpu, node).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients: register the ones this model needs (see gradients.ts).
import './gradients.js';
import type { Architecture } from '../../costs/architecture.js';
import * as K from '../kernels/index.js';

export interface TfLora {
  rank: number;
  alpha: number;
  /** `${param}.A` / `${param}.B` tensors. */
  t: Record<string, tf.Tensor>;
}

export interface TfParams {
  /** Base weights by name (see params.ts). */
  base: Record<string, tf.Tensor>;
  lora?: TfLora;
  /** 0/1 float masks by parameter name. */
  masks?: Record<string, tf.Tensor>;
}

export interface TfBatch {
  /** Input token ids, int32 [B*T]. */
  ids: tf.Tensor1D;
  /** Next-token target ids, int32 [B*T]. */
  targetIds: tf.Tensor1D;
  /** One-hot targets, float32 [B*T, V]: made only off the wasm backend (its loss kernel takes ids). */
  targets?: tf.Tensor2D;
  batch: number;
  seqLen: number;
}

/** Tensors for one batch of rows of `seqLen + 1` tokens. Caller disposes (or runs in tidy). */
export function makeBatch(
  arch: Architecture,
  tokens: Int32Array | Uint8Array | ArrayLike<number>,
  batch: number,
  seqLen: number,
): TfBatch {
  const row = seqLen + 1;
  if (tokens.length !== batch * row)
    throw new Error(
      `token batch has ${tokens.length} tokens, expected batch*(seqLen+1) = ${batch}*${row} = ${batch * row}`,
    );
  if (seqLen > arch.maxPositions) throw new Error(`seqLen ${seqLen} > maxPositions ${arch.maxPositions}`);
  const inp = new Int32Array(batch * seqLen);
  const tgt = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seqLen; t++) {
      const x = tokens[b * row + t]!;
      const y = tokens[b * row + t + 1]!;
      if (x < 0 || x >= arch.vocab || y < 0 || y >= arch.vocab)
        throw new Error(`token out of range [0, ${arch.vocab})`);
      inp[b * seqLen + t] = x;
      tgt[b * seqLen + t] = y;
    }
  }
  const targetIds = tf.tensor1d(tgt, 'int32');
  const out: TfBatch = { ids: tf.tensor1d(inp, 'int32'), targetIds, batch, seqLen };
  if (!K.kernelsActive()) out.targets = tf.tidy(() => tf.cast(tf.oneHot(targetIds, arch.vocab), 'float32') as tf.Tensor2D);
  return out;
}

export function disposeBatch(b: TfBatch): void {
  b.ids.dispose();
  b.targetIds.dispose();
  b.targets?.dispose();
}

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
/** `tf.customGrad` with the inputs typed per call (tfjs types them as a variadic union). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function customGrad(f: (...args: any[]) => { value: tf.Tensor; gradFunc: GradFn }) {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (...args: tf.Tensor[]) => tf.Tensor;
}

const LN_EPS = 1e-5;

/** LayerNorm over the last axis of x [N, h] with a hand-written backward (Ba et al. 2016). */
function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  const f = customGrad((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = tf.moments(xi, -1, true);
    const rstd = tf.rsqrt(tf.add(variance, LN_EPS));
    const xhat = tf.mul(tf.sub(xi, mean), rstd);
    save([xhat, rstd, gi]);
    return {
      value: tf.add(tf.mul(xhat, gi), bi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dxhat = tf.mul(dy, gg);
        // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
        const m1 = tf.mean(dxhat, -1, true);
        const m2 = tf.mean(tf.mul(dxhat, xh), -1, true);
        const dx = tf.mul(rs, tf.sub(tf.sub(dxhat, m1), tf.mul(xh, m2)));
        return [dx, tf.sum(tf.mul(dy, xh), 0), tf.sum(dy, 0)];
      },
    };
  });
  return f(x, g, b) as tf.Tensor2D;
}

/** RMSNorm (Zhang & Sennrich 2019) via autodiff (not used by the default proxy). */
function rmsNorm(x: tf.Tensor2D, g: tf.Tensor1D): tf.Tensor2D {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, LN_EPS))), g);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Exact GELU x Φ(x) (Hendrycks & Gimpel 2016); d/dx = Φ(x) + x φ(x). */
function gelu(x: tf.Tensor): tf.Tensor {
  const f = customGrad((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(xi, SQRT1_2))));
    save([xi, cdf]);
    return {
      value: tf.mul(xi, cdf),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, c] = saved as [tf.Tensor, tf.Tensor];
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI);
        return [tf.mul(dy, tf.add(c, tf.mul(xs, pdf)))];
      },
    };
  });
  return f(x);
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** Embedding lookup with the scatter-add gradient written as onehot^T · dy (one matmul). */
function embed(table: tf.Tensor2D, ids: tf.Tensor1D, vocab: number): tf.Tensor2D {
  const f = customGrad((tab: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.gather(tab, ids),
      gradFunc: (dy: tf.Tensor) => {
        // onehot^T built directly as [V, N] (oneHot of ids then an explicit transpose).
        const ohT = tf.transpose(tf.cast(tf.oneHot(ids, vocab), 'float32')) as tf.Tensor2D;
        return [tf.matMul(ohT, dy as tf.Tensor2D)];
      },
    };
  });
  return f(table) as tf.Tensor2D;
}

/**
 * Mean softmax cross-entropy of logits [N, V] vs one-hot targets; gradient (softmax - y)/N.
 * The softmax is computed once and kept for the backward pass; the log is taken only of the
 * N target probabilities (floored at 1e-30 against underflow), which avoids two exp passes
 * over [N, V] (exp is among the slowest wasm kernels).
 */
function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  const n = logits.shape[0];
  const f = customGrad((lg: tf.Tensor, save: tf.GradSaveFunc) => {
    const probs = tf.softmax(lg);
    save([probs]);
    const pTarget = tf.sum(tf.mul(probs, targets), -1);
    return {
      value: tf.div(tf.neg(tf.sum(tf.log(tf.maximum(pTarget, 1e-30)))), n),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [pr] = saved as [tf.Tensor];
        return [tf.mul(tf.sub(pr, targets), tf.div(dy, n))];
      },
    };
  });
  return f(logits) as tf.Scalar;
}

/** The effective weight of `name`: (W + (alpha/r) B A) ⊙ M. */
function effective(p: TfParams, name: string): tf.Tensor {
  let w = p.base[name];
  if (!w) throw new Error(`missing parameter ${name}`);
  const A = p.lora?.t[`${name}.A`];
  if (A) {
    const B = p.lora!.t[`${name}.B`]!;
    w = tf.add(w, tf.mul(tf.matMul(B as tf.Tensor2D, A as tf.Tensor2D), p.lora!.alpha / p.lora!.rank));
  }
  const m = p.masks?.[name];
  if (m) w = tf.mul(w, m);
  return w;
}

/**
 * a [M, K] · b [K, N] (+ bias [N]) with a hand-written backward that uses only untransposed
 * 2-D matmuls plus explicit transposes: tfjs-wasm runs untransposed, unbatched matmuls on
 * XNNPACK (~10 GFLOP/s measured) but transposed or batched ones on a naive loop (~0.5 GFLOP/s),
 * and a 2-D transpose of these sizes costs ~0.1 ms.
 */
function dense(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor): tf.Tensor2D {
  if (bias) {
    const f = customGrad((x: tf.Tensor, w: tf.Tensor, bb: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x, w]);
      return {
        value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: bb }),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
          const d = dy as tf.Tensor2D;
          return [tf.matMul(d, tf.transpose(ws)), tf.matMul(tf.transpose(xs), d), tf.sum(d, 0)];
        },
      };
    });
    return f(a, b, bias) as tf.Tensor2D;
  }
  const f = customGrad((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        return [tf.matMul(d, tf.transpose(ws)), tf.matMul(tf.transpose(xs), d)];
      },
    };
  });
  return f(a, b) as tf.Tensor2D;
}

/** y = x W^T + b for x [N, in], W [out, in] (W transposed once, then an untransposed matmul). */
function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor2D {
  return dense(x, tf.transpose(w) as tf.Tensor2D, b);
}

/** Additive causal mask [T, T]: 0 on and below the diagonal, -1e9 above. */
function causalMask(t: number): tf.Tensor2D {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = -1e9;
  return tf.tensor2d(m, [t, t]);
}

/** Logits [B*T, V] of the LM. Call inside tf.tidy (or a gradient function). */
export function lmLogits(arch: Architecture, p: TfParams, batch: TfBatch): tf.Tensor2D {
  return K.kernelsActive() ? lmLogitsKernels(arch, p, batch) : lmLogitsOps(arch, p, batch);
}

/** The LM on airtune's wasm kernels (same model, same parameters as lmLogitsOps). */
function lmLogitsKernels(arch: Architecture, p: TfParams, batch: TfBatch): tf.Tensor2D {
  const { batch: B, seqLen: T } = batch;
  const bias = (name: string) => (arch.bias ? p.base[name] : undefined);
  const norm = (x: tf.Tensor2D, prefix: string) =>
    arch.norm === 'layernorm'
      ? K.layerNorm(x, p.base[`${prefix}.g`] as tf.Tensor1D, p.base[`${prefix}.b`] as tf.Tensor1D, LN_EPS)
      : rmsNorm(x, p.base[`${prefix}.g`] as tf.Tensor1D);
  const tokEmb = effective(p, 'tok_emb') as tf.Tensor2D;
  let x = K.embed(tokEmb, p.base['pos_emb'] as tf.Tensor2D, batch.ids, T);
  for (let l = 0; l < arch.layers; l++) {
    const a = `l${l}.attn`;
    const wqkv = tf.concat([effective(p, `${a}.wq`), effective(p, `${a}.wk`), effective(p, `${a}.wv`)], 0);
    const bqkv = arch.bias ? tf.concat([p.base[`${a}.bq`]!, p.base[`${a}.bk`]!, p.base[`${a}.bv`]!], 0) : undefined;
    const qkv = K.linear(norm(x, `l${l}.ln1`), wqkv, bqkv); // [N, 3h]
    x = K.linear(K.attention(qkv, B, T, arch.heads), effective(p, `${a}.wo`), bias(`${a}.bo`), x);
    const m = `l${l}.mlp`;
    const xn2 = norm(x, `l${l}.ln2`);
    const inner =
      arch.ffnKind === 'gated'
        ? tf.mul(silu(K.linear(xn2, effective(p, `${m}.w1`), bias(`${m}.b1`))), K.linear(xn2, effective(p, `${m}.w3`), bias(`${m}.b3`)))
        : K.gelu(K.linear(xn2, effective(p, `${m}.w1`), bias(`${m}.b1`)));
    x = K.linear(inner as tf.Tensor2D, effective(p, `${m}.w2`), bias(`${m}.b2`), x);
  }
  const head = arch.tiedEmbeddings ? tokEmb : effective(p, 'head');
  return K.linear(norm(x, 'ln_f'), head); // [N, V]
}

/** The LM as tfjs ops (backends other than wasm). */
function lmLogitsOps(arch: Architecture, p: TfParams, batch: TfBatch): tf.Tensor2D {
  const { batch: B, seqLen: T } = batch;
  const h = arch.hidden;
  const H = arch.heads;
  const d = h / H;
  const N = B * T;
  const bias = (name: string) => (arch.bias ? p.base[name] : undefined);
  const norm = (x: tf.Tensor2D, prefix: string) =>
    arch.norm === 'layernorm'
      ? layerNorm(x, p.base[`${prefix}.g`] as tf.Tensor1D, p.base[`${prefix}.b`] as tf.Tensor1D)
      : rmsNorm(x, p.base[`${prefix}.g`] as tf.Tensor1D);

  const tokEmb = effective(p, 'tok_emb') as tf.Tensor2D;
  let pos = p.base['pos_emb'] as tf.Tensor2D;
  if (T < arch.maxPositions) pos = tf.slice(pos, [0, 0], [T, h]);
  let x = tf.reshape(
    tf.add(tf.reshape(embed(tokEmb, batch.ids, arch.vocab), [B, T, h]), pos),
    [N, h],
  ) as tf.Tensor2D;
  const mask = causalMask(T);
  const scale = 1 / Math.sqrt(d);

  for (let l = 0; l < arch.layers; l++) {
    const a = `l${l}.attn`;
    // --- attention: one fused QKV matmul, heads batched as [B*H, T, d]
    const xn = norm(x, `l${l}.ln1`);
    const wqkv = tf.concat([effective(p, `${a}.wq`), effective(p, `${a}.wk`), effective(p, `${a}.wv`)], 0);
    const bqkv = arch.bias ? tf.concat([p.base[`${a}.bq`]!, p.base[`${a}.bk`]!, p.base[`${a}.bv`]!], 0) : undefined;
    const qkv = linear(xn, wqkv, bqkv); // [N, 3h]: one matmul for q, k and v
    const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, d]), [0, 2, 1, 3]); // [B, 3H, T, d]
    const [q4, k4, v4] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const q = tf.reshape(tf.mul(q4, scale), [B * H, T, d]) as tf.Tensor3D;
    const k = tf.reshape(k4, [B * H, T, d]) as tf.Tensor3D;
    const v = tf.reshape(v4, [B * H, T, d]) as tf.Tensor3D;
    const att = tf.softmax(tf.add(tf.matMul(q, k, false, true), mask)); // [B*H, T, T]
    const ctx = tf.reshape(
      tf.transpose(tf.reshape(tf.matMul(att, v), [B, H, T, d]), [0, 2, 1, 3]),
      [N, h],
    ) as tf.Tensor2D;
    x = tf.add(x, linear(ctx, effective(p, `${a}.wo`), bias(`${a}.bo`)));
    // --- feed-forward
    const m = `l${l}.mlp`;
    const xn2 = norm(x, `l${l}.ln2`);
    let inner: tf.Tensor2D;
    if (arch.ffnKind === 'gated') {
      const gate = silu(linear(xn2, effective(p, `${m}.w1`), bias(`${m}.b1`)));
      inner = tf.mul(gate, linear(xn2, effective(p, `${m}.w3`), bias(`${m}.b3`)));
    } else {
      inner = gelu(linear(xn2, effective(p, `${m}.w1`), bias(`${m}.b1`))) as tf.Tensor2D;
    }
    x = tf.add(x, linear(inner, effective(p, `${m}.w2`), bias(`${m}.b2`)));
  }
  const xf = norm(x, 'ln_f');
  const head = arch.tiedEmbeddings ? tokEmb : (effective(p, 'head') as tf.Tensor2D);
  return dense(xf, tf.transpose(head) as tf.Tensor2D); // [N, V]
}

/** Mean next-token cross-entropy (nats) of the batch. */
export function lmLoss(arch: Architecture, p: TfParams, batch: TfBatch): tf.Scalar {
  if (K.kernelsActive()) return K.softmaxCrossEntropy(lmLogits(arch, p, batch), batch.targetIds);
  const targets = batch.targets ?? (tf.cast(tf.oneHot(batch.targetIds, arch.vocab), 'float32') as tf.Tensor2D);
  return softmaxCrossEntropy(lmLogits(arch, p, batch), targets);
}
