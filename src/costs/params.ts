/**
 * Parameter layout of an `Architecture`: every parameter tensor, grouped into blocks (embedding,
 * layer.0 .. layer.{L-1}, head), and the linear projections of a layer (LoRA targets).
 *
 * Layout (pre-LN decoder, GPT-2 / OPT / LLaMA; post-LN encoder, RoBERTa):
 *   embedding: token table [vocab, hidden]; learned position table [maxPositions, hidden] when
 *     `positional = 'learned'`; for encoders the embedding LayerNorm (post-LN models normalise
 *     the embedding output instead of the last layer's output).
 *   layer l: norm1; q [h, heads·hd], k [h, kvHeads·hd], v [h, kvHeads·hd], o [heads·hd, h];
 *     norm2; ffn: gated (SwiGLU: gate [h, ffn], up [h, ffn], down [ffn, h]) or mlp (up, down).
 *     Linear layers carry a bias [out] when `bias`. LayerNorm = weight + bias, RMSNorm = weight.
 *   head: decoder: final norm, then logits = x · W_head^T with W_head = the token table when
 *     tied (no new parameters) or its own [vocab, hidden] (no bias, as in GPT-2/OPT/LLaMA).
 *     encoder: RoBERTa's masked-LM head: dense [h, h] (+ bias), LayerNorm, decoder (tied or own
 *     [vocab, hidden]) and a vocab bias when `bias`.
 */
import type { Architecture } from './architecture.js';

export type ProjectionName = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';
export const PROJECTION_NAMES: readonly ProjectionName[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/** One linear projection of a transformer layer. */
export interface Projection {
  name: ProjectionName;
  inFeatures: number;
  outFeatures: number;
  /** Weight values in × out. */
  weightParams: number;
  /** Bias values (out, or 0 without biases). */
  biasParams: number;
}

export type TensorKind = 'token-embedding' | 'position-embedding' | 'norm' | 'linear' | 'bias' | 'head';

/** One parameter tensor. `block` is 'embedding', 'layer.<i>' or 'head'. */
export interface ParamTensor {
  name: string;
  block: string;
  kind: TensorKind;
  params: number;
}

export interface Block {
  name: string;
  params: number;
}

export const headDim = (arch: Architecture): number => arch.hidden / arch.heads;

/** Values in one norm: LayerNorm has a weight and a bias, RMSNorm a weight only. */
export const normParams = (arch: Architecture): number => (arch.norm === 'layernorm' ? 2 : 1) * arch.hidden;

/** The linear projections of one layer, in order q, k, v, o, [gate], up, down. */
export function linearProjections(arch: Architecture): Projection[] {
  const h = arch.hidden;
  const hd = headDim(arch);
  const qOut = arch.heads * hd;
  const kvOut = arch.kvHeads * hd;
  const shapes: [ProjectionName, number, number][] = [
    ['q', h, qOut],
    ['k', h, kvOut],
    ['v', h, kvOut],
    ['o', qOut, h],
  ];
  if (arch.ffnKind === 'gated') shapes.push(['gate', h, arch.ffn]);
  shapes.push(['up', h, arch.ffn], ['down', arch.ffn, h]);
  return shapes.map(([name, inFeatures, outFeatures]) => ({
    name,
    inFeatures,
    outFeatures,
    weightParams: inFeatures * outFeatures,
    biasParams: arch.bias ? outFeatures : 0,
  }));
}

// The layout is a pure function of the architecture and the simulator asks for it per client and
// round (method loads): cached per architecture object (1,000 clients x 100 rounds of LLaMA-2-7B
// spent most of their time rebuilding its 291 tensors).
const tensorsCache = new WeakMap<Architecture, ParamTensor[]>();
const countCache = new WeakMap<Architecture, number>();

/** Every parameter tensor of the model, embedding first, head last (a shared array: do not modify it). */
export function parameterTensors(arch: Architecture): ParamTensor[] {
  let hit = tensorsCache.get(arch);
  if (!hit) {
    hit = buildParameterTensors(arch);
    tensorsCache.set(arch, hit);
  }
  return hit;
}

function buildParameterTensors(arch: Architecture): ParamTensor[] {
  const h = arch.hidden;
  const out: ParamTensor[] = [];
  const norm = (block: string, name: string) => {
    out.push({ name: `${name}.weight`, block, kind: 'norm', params: h });
    if (arch.norm === 'layernorm') out.push({ name: `${name}.bias`, block, kind: 'norm', params: h });
  };
  out.push({ name: 'embed.tokens', block: 'embedding', kind: 'token-embedding', params: arch.vocab * h });
  if (arch.positional === 'learned' && arch.maxPositions > 0) {
    out.push({ name: 'embed.positions', block: 'embedding', kind: 'position-embedding', params: arch.maxPositions * h });
  }
  if (arch.kind === 'encoder') norm('embedding', 'embed.norm');
  for (let l = 0; l < arch.layers; l++) {
    const block = `layer.${l}`;
    const projections = linearProjections(arch);
    norm(block, `${block}.norm1`);
    const attention = new Set<ProjectionName>(['q', 'k', 'v', 'o']);
    for (const p of projections) if (attention.has(p.name)) pushLinear(out, block, p);
    norm(block, `${block}.norm2`);
    for (const p of projections) if (!attention.has(p.name)) pushLinear(out, block, p);
  }
  if (arch.kind === 'decoder') {
    norm('head', 'final.norm');
    if (!arch.tiedEmbeddings) out.push({ name: 'head.weight', block: 'head', kind: 'head', params: arch.vocab * h });
  } else {
    out.push({ name: 'head.dense.weight', block: 'head', kind: 'linear', params: h * h });
    if (arch.bias) out.push({ name: 'head.dense.bias', block: 'head', kind: 'bias', params: h });
    norm('head', 'head.norm');
    if (!arch.tiedEmbeddings) out.push({ name: 'head.weight', block: 'head', kind: 'head', params: arch.vocab * h });
    if (arch.bias) out.push({ name: 'head.bias', block: 'head', kind: 'bias', params: arch.vocab });
  }
  return out;
}

function pushLinear(out: ParamTensor[], block: string, p: Projection): void {
  out.push({ name: `${block}.${p.name}.weight`, block, kind: 'linear', params: p.weightParams });
  if (p.biasParams > 0) out.push({ name: `${block}.${p.name}.bias`, block, kind: 'bias', params: p.biasParams });
}

/** Total parameters (tied head counted once). */
export function paramCount(arch: Architecture): number {
  let n = countCache.get(arch);
  if (n === undefined) {
    n = parameterTensors(arch).reduce((s, t) => s + t.params, 0);
    countCache.set(arch, n);
  }
  return n;
}

/** Parameters per block, in order: embedding, layer.0 .. layer.{L-1}, head. */
export function blockParams(arch: Architecture): Block[] {
  const map = new Map<string, number>();
  for (const t of parameterTensors(arch)) map.set(t.block, (map.get(t.block) ?? 0) + t.params);
  return [...map].map(([name, params]) => ({ name, params }));
}

/** Parameters of one transformer layer (all layers are identical). */
export function layerParams(arch: Architecture): number {
  return (
    2 * normParams(arch) + linearProjections(arch).reduce((s, p) => s + p.weightParams + p.biasParams, 0)
  );
}

/** Linear weight values of one layer (the matmul weights; excludes biases and norms). */
export function layerMatmulParams(arch: Architecture): number {
  return linearProjections(arch).reduce((s, p) => s + p.weightParams, 0);
}

/**
 * Weight values the output head multiplies per token (vocab × hidden, plus RoBERTa's dense
 * hidden × hidden): these cost FLOPs even when tied to the embedding, which costs none.
 */
export function headMatmulParams(arch: Architecture): number {
  return arch.vocab * arch.hidden + (arch.kind === 'encoder' ? arch.hidden * arch.hidden : 0);
}

/** All matmul weight values touched per token: layers plus head. */
export function matmulParams(arch: Architecture): number {
  return arch.layers * layerMatmulParams(arch) + headMatmulParams(arch);
}
