/**
 * Architecture presets as data. Shapes are the published Hugging Face configs of each model;
 * `paramCount` reproduces the published parameter counts (test/costs/params.test.ts).
 */
import type { Architecture } from './architecture.js';
import { didYouMean } from '../scenario/suggest.js';

/**
 * The tfjs training proxy (src/training builds exactly this layout; parameter order below).
 *
 * Byte-level decoder: vocab 256, 2 layers, hidden 64, 4 heads (head dim 16), ffn 256, 128 learned
 * positions, LayerNorm with weight and bias, every linear layer has a bias, tied output head.
 * Parameter layout (shapes are [in, out] for linear weights):
 *   token embedding  wte [256, 64]                                    16,384
 *   position embed.  wpe [128, 64]                                     8,192
 *   per layer l = 0, 1 (pre-LN, GPT-2 style):
 *     ln1.w [64], ln1.b [64]                                             128
 *     attention q, k, v, o: each w [64, 64] + b [64] (q,k,v may be
 *       fused as one [64, 192] + [192]; same count)                   16,640
 *     ln2.w [64], ln2.b [64]                                             128
 *     ffn up   w [64, 256] + b [256]                                  16,640
 *     ffn down w [256, 64] + b [64]                                   16,448
 *     layer total                                                     49,984
 *   final ln.w [64], ln.b [64]                                           128
 *   head: logits = h · wte^T (tied, no bias)                               0
 *   total 16,384 + 8,192 + 2 × 49,984 + 128 = 124,672
 */
export const PROXY: Architecture = {
  name: 'proxy',
  layers: 2,
  hidden: 64,
  heads: 4,
  kvHeads: 4,
  ffn: 256,
  vocab: 256,
  maxPositions: 128,
  tiedEmbeddings: true,
  ffnKind: 'mlp',
  positional: 'learned',
  norm: 'layernorm',
  bias: true,
  kind: 'decoder',
};

/** The LLaMA family's shared layout: SwiGLU FFN, rotary positions, RMSNorm, no biases, decoder. */
function llama(a: Pick<Architecture, 'name' | 'layers' | 'hidden' | 'heads' | 'kvHeads' | 'ffn' | 'vocab'> & { tiedEmbeddings?: boolean }): Architecture {
  return { maxPositions: 0, ffnKind: 'gated', positional: 'rotary', norm: 'rmsnorm', bias: false, kind: 'decoder', ...a, tiedEmbeddings: a.tiedEmbeddings ?? false };
}

export const PRESETS = {
  /** GPT-2 small (Radford et al. 2019), HF `gpt2`: 124,439,808 parameters. */
  'gpt2-124m': {
    name: 'gpt2-124m',
    layers: 12,
    hidden: 768,
    heads: 12,
    kvHeads: 12,
    ffn: 3072,
    vocab: 50257,
    maxPositions: 1024,
    tiedEmbeddings: true,
    ffnKind: 'mlp',
    positional: 'learned',
    norm: 'layernorm',
    bias: true,
    kind: 'decoder',
  },
  /**
   * OPT-1.3B (Zhang et al. 2022), HF `facebook/opt-1.3b`: 1,315,758,080 parameters. The learned
   * position table has 2048 + 2 rows (OPT offsets positions by 2).
   */
  'opt-1.3b': {
    name: 'opt-1.3b',
    layers: 24,
    hidden: 2048,
    heads: 32,
    kvHeads: 32,
    ffn: 8192,
    vocab: 50272,
    maxPositions: 2050,
    tiedEmbeddings: true,
    ffnKind: 'mlp',
    positional: 'learned',
    norm: 'layernorm',
    bias: true,
    kind: 'decoder',
  },
  /** LLaMA-2-7B (Touvron et al. 2023), HF `meta-llama/Llama-2-7b-hf`: 6,738,415,616 parameters. */
  'llama-2-7b': llama({ name: 'llama-2-7b', layers: 32, hidden: 4096, heads: 32, kvHeads: 32, ffn: 11008, vocab: 32000 }),
  /** LLaMA-3.2-1B, HF `meta-llama/Llama-3.2-1B` (GQA 32/8, tied): 1,235,814,400 parameters. */
  'llama-3.2-1b': llama({ name: 'llama-3.2-1b', layers: 16, hidden: 2048, heads: 32, kvHeads: 8, ffn: 8192, vocab: 128256, tiedEmbeddings: true }),
  /** LLaMA-3-8B, HF `meta-llama/Meta-Llama-3-8B` (GQA 32/8): 8,030,261,248 parameters. */
  'llama-3-8b': llama({ name: 'llama-3-8b', layers: 32, hidden: 4096, heads: 32, kvHeads: 8, ffn: 14336, vocab: 128256 }),
  /**
   * RoBERTa-base (Liu et al. 2019), HF `roberta-base`, post-LN encoder with 514 learned
   * positions. Counted with its masked-LM head (dense + LayerNorm + tied decoder + vocab bias):
   * 124,696,665 parameters; the published 124.6M (`RobertaModel`, pooler instead of LM head,
   * plus a 768-value token-type table) and 125M figures are both within 0.3%.
   */
  'roberta-base': {
    name: 'roberta-base',
    layers: 12,
    hidden: 768,
    heads: 12,
    kvHeads: 12,
    ffn: 3072,
    vocab: 50265,
    maxPositions: 514,
    tiedEmbeddings: true,
    ffnKind: 'mlp',
    positional: 'learned',
    norm: 'layernorm',
    bias: true,
    kind: 'encoder',
  },
  proxy: PROXY,
} satisfies Record<string, Architecture>;

export type PresetId = keyof typeof PRESETS;
export const PRESET_IDS = Object.keys(PRESETS) as PresetId[];

/** `unknown preset "x"; valid presets: ...` with the closest preset when one is close (`llama2-7b` -> `llama-2-7b`). */
export function unknownPresetMessage(id: string): string {
  return `unknown preset ${JSON.stringify(id)}; valid presets: ${PRESET_IDS.join(', ')}${didYouMean(id, PRESET_IDS)}`;
}

/** The preset `id`; throws an error listing the valid ids. */
export function getPreset(id: string): Architecture {
  const arch = (PRESETS as Record<string, Architecture>)[id];
  if (!arch) throw new Error(`model ${unknownPresetMessage(id)}`);
  return arch;
}
