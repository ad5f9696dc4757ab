/**
 * The tfjs proxy's gradients (hand-written backward passes in src/training/model/forward.ts and
 * the kernel gradients ported in gradients.ts) against central differences of an independent
 * float64 reference (test/helpers/reference-lm.ts, which imports no model code), on every
 * entry of every parameter kind: embeddings, positions, q/k/v/o weights and biases, MLP (GELU)
 * and gated FFN (SiLU, w3), LayerNorm and RMSNorm gains and biases, tied and untied heads,
 * LoRA A and B, and masks (alone and on a LoRA-adapted weight). Two tiny architectures keep
 * this to about a second.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { initBackend } from '../../src/training/backend.js';
import { lossAndGrads, lossOn } from '../../src/training/train/index.js';
import { RandomStream } from '../../src/random/index.js';
import { referenceLoss, to64, type RefOptions, type W64 } from '../helpers/reference-lm.js';

const base = {
  layers: 2,
  hidden: 8,
  heads: 2,
  kvHeads: 2,
  ffn: 12,
  vocab: 11,
  maxPositions: 6, // > seqLen: the position table is sliced (Slice gradient)
  positional: 'learned',
  bias: true,
  kind: 'decoder',
} as const;

/** GPT-2 style: LayerNorm, GELU MLP, tied head. */
const gpt: Architecture = { ...base, name: 'tiny-gpt', norm: 'layernorm', ffnKind: 'mlp', tiedEmbeddings: true };
/** Llama style (with biases kept to test them): RMSNorm, SwiGLU FFN, untied head. */
const llama: Architecture = { ...base, name: 'tiny-llama', norm: 'rmsnorm', ffnKind: 'gated', tiedEmbeddings: false };

/** Shapes written here from the naming convention (params.ts header), not read from the model code. */
function shapes(a: Architecture): Record<string, [number, number] | [number]> {
  const { hidden: h, ffn: f, vocab: V } = a;
  const s: Record<string, [number, number] | [number]> = { tok_emb: [V, h], pos_emb: [a.maxPositions, h] };
  const normP = (p: string) => {
    s[`${p}.g`] = [h];
    if (a.norm === 'layernorm') s[`${p}.b`] = [h];
  };
  for (let l = 0; l < a.layers; l++) {
    normP(`l${l}.ln1`);
    for (const x of ['q', 'k', 'v', 'o']) {
      s[`l${l}.attn.w${x}`] = [h, h];
      s[`l${l}.attn.b${x}`] = [h];
    }
    normP(`l${l}.ln2`);
    s[`l${l}.mlp.w1`] = [f, h];
    s[`l${l}.mlp.b1`] = [f];
    if (a.ffnKind === 'gated') {
      s[`l${l}.mlp.w3`] = [f, h];
      s[`l${l}.mlp.b3`] = [f];
    }
    s[`l${l}.mlp.w2`] = [h, f];
    s[`l${l}.mlp.b2`] = [h];
  }
  normP('ln_f');
  if (!a.tiedEmbeddings) s['head'] = [V, h];
  return s;
}

/** Weights larger than the init so every nonlinearity (and every norm gain) matters. */
function randomWeights(a: Architecture, seed: number): Record<string, Float32Array> {
  const rs = RandomStream.of(seed, 'test', 'grad-ref-weights');
  const w: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(shapes(a))) {
    const n = shape.reduce((x, y) => x * y, 1);
    const leaf = name.split('.').pop()!;
    w[name] = Float32Array.from({ length: n }, () =>
      leaf === 'g' ? 1 + rs.normal(0, 0.2) : rs.normal(0, leaf.startsWith('b') ? 0.2 : 0.4),
    );
  }
  return w;
}

function tokens(a: Architecture, batch: number, seqLen: number, seed: number): Int32Array {
  const rs = RandomStream.of(seed, 'test', 'grad-ref-tokens');
  return Int32Array.from({ length: batch * (seqLen + 1) }, () => rs.int(a.vocab));
}

const B = 2;
const T = 5;

interface Case {
  arch: Architecture;
  weights: Record<string, Float32Array>;
  toks: Int32Array;
  lora?: { rank: number; alpha: number; weights: Record<string, Float32Array> };
  masks?: Record<string, Uint8Array>;
}

function gptCase(): Case {
  return { arch: gpt, weights: randomWeights(gpt, 1), toks: tokens(gpt, B, T, 2) };
}

/** Llama case with LoRA (A and B both nonzero, so both get nonzero gradients) and masks. */
function llamaCase(): Case {
  const arch = llama;
  const weights = randomWeights(arch, 3);
  const rank = 2;
  const rs = RandomStream.of(4, 'test', 'grad-ref-lora');
  const lw: Record<string, Float32Array> = {};
  const sh = shapes(arch);
  for (let l = 0; l < arch.layers; l++) {
    for (const p of ['attn.wq', 'attn.wv', 'attn.wo', 'mlp.w1', 'mlp.w2', 'mlp.w3']) {
      const name = `l${l}.${p}`;
      const [out, inp] = sh[name] as [number, number];
      lw[`${name}.A`] = Float32Array.from({ length: rank * inp }, () => rs.normal(0, 0.4));
      lw[`${name}.B`] = Float32Array.from({ length: out * rank }, () => rs.normal(0, 0.4));
    }
  }
  const mrs = RandomStream.of(5, 'test', 'grad-ref-masks');
  const mask = (name: string) => Uint8Array.from({ length: weights[name]!.length }, () => (mrs.uniform01() < 0.4 ? 0 : 1));
  // A mask alone (wk, w2, head) and a mask on a LoRA-adapted weight (l1 wq).
  const masks = { 'l0.attn.wk': mask('l0.attn.wk'), 'l1.mlp.w2': mask('l1.mlp.w2'), head: mask('head'), 'l1.attn.wq': mask('l1.attn.wq') };
  return { arch, weights, toks: tokens(arch, B, T, 6), lora: { rank, alpha: 3, weights: lw }, masks };
}

/** Central differences of the reference for every entry of `name` (base or LoRA factor). */
function centralDifferences(c: Case, w64: W64, opts: RefOptions, name: string): Float64Array {
  const target = opts.lora?.weights[name] ?? w64[name]!;
  const eps = 1e-5;
  const out = new Float64Array(target.length);
  for (let i = 0; i < target.length; i++) {
    const orig = target[i]!;
    target[i] = orig + eps;
    const up = referenceLoss(c.arch, w64, c.toks, B, T, opts);
    target[i] = orig - eps;
    const down = referenceLoss(c.arch, w64, c.toks, B, T, opts);
    target[i] = orig;
    out[i] = (up - down) / (2 * eps);
  }
  return out;
}

/**
 * Compare analytic and numerical gradients of every parameter. Tolerance: float32 forward and
 * backward in tfjs against a float64 reference: 1e-4 of the tensor's largest gradient plus
 * 1e-6 absolute (observed errors are ~2e-6 of the largest; a wrong factor or sign is O(1)).
 */
function checkAll(c: Case, zeroGradient: (name: string) => boolean = () => false): string[] {
  const opts: RefOptions = {};
  if (c.lora) opts.lora = { rank: c.lora.rank, alpha: c.lora.alpha, weights: to64(c.lora.weights) };
  if (c.masks) opts.masks = c.masks;
  const w64 = to64(c.weights);
  const names = [...Object.keys(shapes(c.arch)), ...Object.keys(c.lora?.weights ?? {})];
  const { loss, grads } = lossAndGrads(c.arch, c.weights, c.toks, B, T, names, {
    lora: c.lora,
    masks: c.masks,
  });
  expect(loss).toBeCloseTo(referenceLoss(c.arch, w64, c.toks, B, T, opts), 4);
  const problems: string[] = [];
  for (const name of names) {
    const g = grads[name]!;
    const fd = centralDifferences(c, w64, opts, name);
    let scale = 0;
    for (const v of fd) scale = Math.max(scale, Math.abs(v));
    if (zeroGradient(name)) {
      // True gradient exactly 0: only float noise is allowed.
      for (let i = 0; i < g.length; i++) if (Math.abs(g[i]!) > 1e-5) problems.push(`${name}[${i}] = ${g[i]}, expected 0`);
      continue;
    }
    // Every other tensor must have a gradient worth checking (no vacuous comparison).
    if (scale < 1e-3) problems.push(`${name}: largest |gradient| ${scale} is too small to test`);
    const tol = 1e-4 * scale + 1e-6;
    for (let i = 0; i < g.length; i++) {
      const err = Math.abs(g[i]! - fd[i]!);
      if (err > tol) problems.push(`${name}[${i}]: tfjs ${g[i]} vs central difference ${fd[i]}`);
    }
    // Masked base entries get exactly zero gradient (W ⊙ M).
    const m = c.masks?.[name];
    if (m) for (let i = 0; i < g.length; i++) if (m[i] === 0 && g[i] !== 0) problems.push(`${name}[${i}] masked but gradient ${g[i]}`);
  }
  return problems;
}

/**
 * The key bias has a zero gradient in exact arithmetic: it adds q_i·b_k to every score of
 * query i, and the softmax over keys is invariant to that shift. It is checked to be ~0.
 */
const keyBias = (name: string) => /\.attn\.bk$/.test(name);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('gradients against central differences of an independent float64 reference', () => {
  it('the reference loss equals the tfjs loss (both architectures, with LoRA and masks)', () => {
    for (const c of [gptCase(), llamaCase()]) {
      const opts: RefOptions = c.lora ? { lora: { ...c.lora, weights: to64(c.lora.weights) }, masks: c.masks } : {};
      const ref = referenceLoss(c.arch, to64(c.weights), c.toks, B, T, opts);
      expect(ref).toBeGreaterThan(1);
      expect(lossOn(c.arch, c.weights, c.toks, B, T, { lora: c.lora, masks: c.masks })).toBeCloseTo(ref, 4);
    }
  });

  it('LayerNorm, GELU MLP, tied head, biases: every entry of every parameter', () => {
    expect(checkAll(gptCase(), keyBias)).toEqual([]);
  });

  it('RMSNorm, gated FFN, untied head, LoRA A and B, masks: every entry of every parameter', () => {
    expect(checkAll(llamaCase(), keyBias)).toEqual([]);
  });

  it('the masks and LoRA change the loss (the case is not vacuous)', () => {
    const c = llamaCase();
    const plain = lossOn(c.arch, c.weights, c.toks, B, T);
    expect(Math.abs(lossOn(c.arch, c.weights, c.toks, B, T, { masks: c.masks }) - plain)).toBeGreaterThan(1e-3);
    expect(Math.abs(lossOn(c.arch, c.weights, c.toks, B, T, { lora: c.lora }) - plain)).toBeGreaterThan(1e-3);
  });
});
