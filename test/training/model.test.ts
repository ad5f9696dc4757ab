import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { initBackend } from '../../src/training/backend.js';
import {
  blockCount,
  blockOf,
  defaultProxy,
  initLora,
  initWeights,
  magnitudeMask,
  maskSparsity,
  mergeLora,
  paramNames,
  paramShapes,
  proxyParamCount,
  type Weights,
} from '../../src/training/model/index.js';
import { lossOn } from '../../src/training/train/index.js';
import { referenceLoss, to64 } from '../helpers/reference-lm.js';
import { RandomStream } from '../../src/random/index.js';

const tiny: Architecture = {
  name: 'tiny',
  layers: 2,
  hidden: 8,
  heads: 2,
  kvHeads: 2,
  ffn: 12,
  vocab: 11,
  maxPositions: 6,
  tiedEmbeddings: true,
  ffnKind: 'mlp',
  positional: 'learned',
  norm: 'layernorm',
  bias: true,
  kind: 'decoder',
};

/** Random weights larger than the init, so every nonlinearity matters. */
function randomWeights(arch: Architecture, seed: number): Weights {
  const rs = RandomStream.of(seed, 'test-weights');
  const w: Weights = {};
  for (const [name, shape] of Object.entries(paramShapes(arch))) {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    const leaf = name.split('.').pop()!;
    for (let i = 0; i < a.length; i++) a[i] = leaf === 'g' ? 1 + rs.normal(0, 0.2) : rs.normal(0, leaf.startsWith('b') ? 0.1 : 0.4);
    w[name] = a;
  }
  return w;
}

function tokensFor(arch: Architecture, batch: number, seqLen: number, seed: number): Int32Array {
  const rs = RandomStream.of(seed, 'test-tokens');
  return Int32Array.from({ length: batch * (seqLen + 1) }, () => rs.int(arch.vocab));
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('parameters', () => {
  it('proxy parameter count matches the closed-form count', () => {
    const a = defaultProxy();
    const { hidden: h, ffn: f, vocab: V, maxPositions: P, layers: L } = a;
    const perLayer = 2 * (2 * h) + 4 * (h * h + h) + (h * f + f) + (f * h + h);
    expect(proxyParamCount(a)).toBe(L * perLayer + 2 * h + V * h + P * h);
    expect(proxyParamCount(a)).toBe(124_672);
  });

  it('names, shapes and blocks', () => {
    const a = defaultProxy();
    const names = paramNames(a);
    expect(names).toContain('l0.attn.wq');
    expect(names).toContain('l1.mlp.b2');
    expect(paramShapes(a)['l0.mlp.w1']).toEqual([256, 64]);
    expect(blockOf('tok_emb')).toBe(0);
    expect(blockOf('pos_emb')).toBe(0);
    expect(blockOf('l0.attn.wv')).toBe(1);
    expect(blockOf('l1.ln2.g')).toBe(2);
    expect(blockOf('ln_f.b', a)).toBe(3);
    expect(blockCount(a)).toBe(4);
    expect(() => blockOf('nope')).toThrow();
  });

  it('init is deterministic per seed with the GPT-2 scales', () => {
    const a = defaultProxy();
    const w1 = initWeights(a, 7);
    const w2 = initWeights(a, 7);
    const w3 = initWeights(a, 8);
    expect(w1['l0.attn.wq']).toEqual(w2['l0.attn.wq']);
    expect(w1['l0.attn.wq']).not.toEqual(w3['l0.attn.wq']);
    expect(Array.from(w1['l0.ln1.g']!).every((v) => v === 1)).toBe(true);
    expect(Array.from(w1['l0.attn.bq']!).every((v) => v === 0)).toBe(true);
    // Sample std of n normals: standard error sigma / sqrt(2n); allow 5 SE.
    const e = w1['tok_emb']!;
    const std = Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length);
    expect(Math.abs(std - 0.02)).toBeLessThan((5 * 0.02) / Math.sqrt(2 * e.length));
  });
});

describe('forward and gradients against a float64 reference', () => {
  const w = randomWeights(tiny, 1);
  const B = 2;
  const T = 5;
  const tokens = tokensFor(tiny, B, T, 2);

  it('loss equals the naive implementation', () => {
    const ref = referenceLoss(tiny, to64(w), tokens, B, T);
    expect(ref).toBeGreaterThan(1);
    expect(lossOn(tiny, w, tokens, B, T)).toBeCloseTo(ref, 4);
  });

  it('loss at init is close to ln(vocab) for the proxy', () => {
    const a = defaultProxy();
    const toks = tokensFor(a, 2, 16, 3);
    expect(Math.abs(lossOn(a, initWeights(a, 1), toks, 2, 16) - Math.log(256))).toBeLessThan(0.05);
  });
  // Gradients of every parameter kind: test/training/gradients-reference.test.ts.
});

describe('LoRA and masks', () => {
  const w = randomWeights(tiny, 4);
  const tokens = tokensFor(tiny, 2, 5, 5);

  it('fresh adapters (B = 0) leave the loss unchanged', () => {
    const lora = initLora(tiny, { rank: 2, targets: ['wq', 'wv'] }, 1);
    expect(lora.weights['l0.attn.wq.A']!.length).toBe(2 * 8);
    expect(lora.weights['l1.attn.wv.B']!.every((v) => v === 0)).toBe(true);
    expect(lossOn(tiny, w, tokens, 2, 5, { lora })).toBe(lossOn(tiny, w, tokens, 2, 5));
  });

  it('merged weights equal W + (alpha/r) B A and give the same loss', () => {
    const lora = initLora(tiny, { rank: 2, alpha: 6, targets: ['wq', 'wv', 'w1'] }, 1);
    const rs = RandomStream.of(9, 'lora-b');
    for (const k of Object.keys(lora.weights)) if (k.endsWith('.B')) lora.weights[k] = lora.weights[k]!.map(() => rs.normal(0, 0.3));
    const merged = mergeLora(tiny, w, lora);
    // Entry (i, j) of l0.mlp.w1 [12, 8]: W + 3 * sum_k B[i,k] A[k,j].
    const A = lora.weights['l0.mlp.w1.A']!;
    const Bm = lora.weights['l0.mlp.w1.B']!;
    const i = 5;
    const j = 3;
    const expected = w['l0.mlp.w1']![i * 8 + j]! + 3 * (Bm[i * 2]! * A[j]! + Bm[i * 2 + 1]! * A[8 + j]!);
    expect(merged['l0.mlp.w1']![i * 8 + j]).toBeCloseTo(expected, 6);
    expect(merged['l0.attn.wk']).toBe(w['l0.attn.wk']);
    expect(lossOn(tiny, merged, tokens, 2, 5)).toBeCloseTo(lossOn(tiny, w, tokens, 2, 5, { lora }), 5);
    expect(lossOn(tiny, merged, tokens, 2, 5)).not.toBeCloseTo(lossOn(tiny, w, tokens, 2, 5), 3);
  });

  it('masked forward equals the forward of the zeroed weights', () => {
    const m = magnitudeMask(w['l0.attn.wq']!, 0.5);
    expect(maskSparsity(m)).toBe(0.5);
    const zeroed = { ...w, 'l0.attn.wq': w['l0.attn.wq']!.map((v, k) => (m[k] ? v : 0)) };
    expect(lossOn(tiny, w, tokens, 2, 5, { masks: { 'l0.attn.wq': m } })).toBeCloseTo(lossOn(tiny, zeroed, tokens, 2, 5), 6);
    // The kept half has the largest magnitudes.
    const kept = Array.from(w['l0.attn.wq']!).filter((_, k) => m[k]).map(Math.abs);
    const pruned = Array.from(w['l0.attn.wq']!).filter((_, k) => !m[k]).map(Math.abs);
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...pruned));
  });

  it('rejects batches of the wrong size', () => {
    expect(() => lossOn(tiny, w, new Int32Array(10), 2, 5)).toThrow(/batch\*\(seqLen\+1\)/);
  });
});
