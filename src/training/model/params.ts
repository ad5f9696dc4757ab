/**
 * Parameters of the proxy causal transformer LM as plain named Float32Arrays.
 *
 * Orientation convention (PyTorch `nn.Linear`): a projection weight is stored row-major with
 * shape [out, in] and applied as y = x W^T + b. Embedding tables are [rows, hidden].
 * Names: `tok_emb` [V,h], `pos_emb` [P,h], per layer i `l{i}.ln1.g|b`, `l{i}.attn.wq|bq|wk|bk|
 * wv|bv|wo|bo`, `l{i}.ln2.g|b`, `l{i}.mlp.w1|b1|w2|b2` (+ `w3|b3`, the up projection, for gated
 * FFNs, where w1 is the gate), `ln_f.g|b`, and `head` [V,h] when embeddings are not tied.
 */
import { PROXY } from '../../costs/presets.js';
import type { Architecture } from '../../costs/architecture.js';
import { RandomStream } from '../../random/index.js';

export type Weights = Record<string, Float32Array>;
export type Shape = readonly number[];
export type ShapeTable = Record<string, Shape>;

/** The default proxy: the cost model's `proxy` preset (byte-level, 2 layers, width 64; 124,672 parameters). */
export function defaultProxy(): Architecture {
  return { ...PROXY };
}

/**
 * Default local batch (sequences) and sequence length: 8 x 32 = 256 tokens per local step.
 * On the wasm kernels (src/training/kernels, relaxed build) the cost per token hardly depends
 * on the shape: measured per CPU-second (this machine, bench/training.ts) 4x128 ~26k, 8x64
 * ~28-30k, 8x32 ~25k, 16x32 ~27k, 32x16 ~32k tokens/s. 32 bytes is kept as a usable context;
 * 8 rows keep a quickstart (3 methods x 5 clients x 5 rounds x 4 steps = 300 steps = 77k
 * tokens) at ~3 CPU-seconds.
 */
export const DEFAULT_LOCAL_BATCH = 8;
export const DEFAULT_SEQ_LEN = 32;

/** Throws when the architecture is outside what the tfjs proxy implements. */
export function checkSupported(arch: Architecture): void {
  const problems: string[] = [];
  if (arch.positional !== 'learned' || arch.maxPositions <= 0)
    problems.push('only learned positions are implemented');
  if (arch.kvHeads !== arch.heads) problems.push('grouped-query attention (kvHeads < heads) is not implemented');
  if (arch.hidden % arch.heads !== 0) problems.push('hidden must be divisible by heads');
  if (arch.kind !== 'decoder') problems.push('only causal decoders are implemented');
  if (problems.length > 0)
    throw new Error(`architecture ${arch.name} not supported by the tfjs proxy: ${problems.join('; ')}`);
}

/** Projection names of one layer that can carry LoRA / masks. */
export const PROJECTIONS = ['wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3'] as const;
export type Projection = (typeof PROJECTIONS)[number];

/** Full parameter name of projection `p` in layer `layer`. */
export function projectionName(layer: number, p: Projection): string {
  return p.startsWith('w') && p.length === 2 && 'qkvo'.includes(p[1]!)
    ? `l${layer}.attn.${p}`
    : `l${layer}.mlp.${p}`;
}

/** Shapes of every parameter, in a fixed canonical order (insertion order of the object). */
export function paramShapes(arch: Architecture): ShapeTable {
  const h = arch.hidden;
  const f = arch.ffn;
  const s: Record<string, Shape> = {};
  s['tok_emb'] = [arch.vocab, h];
  if (arch.positional === 'learned' && arch.maxPositions > 0) s['pos_emb'] = [arch.maxPositions, h];
  const kvDim = (h / arch.heads) * arch.kvHeads;
  const norm = (prefix: string) => {
    s[`${prefix}.g`] = [h];
    if (arch.norm === 'layernorm') s[`${prefix}.b`] = [h];
  };
  const linear = (prefix: string, w: string, out: number, inp: number) => {
    s[`${prefix}.w${w}`] = [out, inp];
    if (arch.bias) s[`${prefix}.b${w}`] = [out];
  };
  for (let i = 0; i < arch.layers; i++) {
    norm(`l${i}.ln1`);
    linear(`l${i}.attn`, 'q', h, h);
    linear(`l${i}.attn`, 'k', kvDim, h);
    linear(`l${i}.attn`, 'v', kvDim, h);
    linear(`l${i}.attn`, 'o', h, h);
    norm(`l${i}.ln2`);
    linear(`l${i}.mlp`, '1', f, h);
    if (arch.ffnKind === 'gated') linear(`l${i}.mlp`, '3', f, h);
    linear(`l${i}.mlp`, '2', h, f);
  }
  norm('ln_f');
  if (!arch.tiedEmbeddings) s['head'] = [arch.vocab, h];
  return s;
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Number of parameters of the proxy model (tied head counted once). */
export function proxyParamCount(arch: Architecture): number {
  return Object.values(paramShapes(arch)).reduce((a, s) => a + sizeOf(s), 0);
}

/** Parameter names in canonical order. */
export function paramNames(arch: Architecture): string[] {
  return Object.keys(paramShapes(arch));
}

/**
 * Block partition used by block-coordinate methods (FedCyBGD, BlockLLM): 0 = embeddings
 * (tok_emb, pos_emb), 1..L = transformer layer L-1, L+1 = final norm (and untied head).
 */
export function blockOf(paramName: string, arch?: Architecture): number {
  const m = /^l(\d+)\./.exec(paramName);
  if (m) return Number(m[1]) + 1;
  if (paramName === 'tok_emb' || paramName === 'pos_emb') return 0;
  if (paramName.startsWith('ln_f.') || paramName === 'head') {
    if (!arch) throw new Error(`blockOf(${paramName}) needs the architecture (final block = layers + 1)`);
    return arch.layers + 1;
  }
  throw new Error(`unknown parameter name: ${paramName}`);
}

/** Number of blocks of the partition of `blockOf` (L + 2). */
export function blockCount(arch: Architecture): number {
  return arch.layers + 2;
}

/**
 * Deterministic GPT-2 style init from `seed` (one named stream per parameter, so the init of
 * a parameter does not depend on which others exist): weights N(0, 0.02), output projections
 * (wo, w2) N(0, 0.02/sqrt(2L)) (GPT-2, Radford et al. 2019), biases 0, norm gains 1.
 */
export function initWeights(arch: Architecture, seed: number): Weights {
  checkSupported(arch);
  const shapes = paramShapes(arch);
  const w: Weights = {};
  const residualStd = 0.02 / Math.sqrt(2 * arch.layers);
  for (const [name, shape] of Object.entries(shapes)) {
    const a = new Float32Array(sizeOf(shape));
    const leaf = name.split('.').pop()!;
    if (leaf === 'g') a.fill(1);
    else if (leaf.startsWith('b')) {
      // bias or LayerNorm beta: zero
    } else {
      const std = leaf === 'wo' || leaf === 'w2' ? residualStd : 0.02;
      const rs = RandomStream.of(seed, 'init', name);
      for (let i = 0; i < a.length; i++) a[i] = rs.normal(0, std);
    }
    w[name] = a;
  }
  return w;
}

/** Deep copy of a weight map. */
export function cloneWeights(w: Weights): Weights {
  const out: Weights = {};
  for (const [k, v] of Object.entries(w)) out[k] = v.slice();
  return out;
}
