/**
 * The scenario's `model:` section: the *timing model* (which LLM the costs are computed for and
 * how much local work a client does per round). Independent of the tfjs proxy that is trained.
 *
 *   model:
 *     preset: llama-2-7b          # or architecture: { layers: .., hidden: .., ... }
 *     weights: bf16               # fp32 | bf16 | fp16 | int8 | int4
 *     seqLen: 512
 *     batchSize: 4
 *     localSteps: 10              # local optimizer steps per round
 *     optimizer: adam             # adam | sgd | sgd-momentum
 *     activationCheckpointing: false
 *     commPrecision: fp16         # optional; bytes per value on the wire
 */
import { z } from 'zod';
import { boundedCount, whenValid } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import type { Architecture } from './architecture.js';
import { getPreset, PRESET_IDS, unknownPresetMessage } from './presets.js';
import { OPTIMIZERS, PRECISIONS, type Optimizer, type Precision } from './precision.js';

/** What a client does per round, independent of the method. */
export interface LocalWork {
  /** Storage precision of the model weights. */
  weights: Precision;
  seqLen: number;
  batchSize: number;
  /** Local optimizer steps per round. */
  localSteps: number;
  optimizer: Optimizer;
  activationCheckpointing: boolean;
  /** Precision of values on the wire (default: see `commBytesPerValue`). */
  commPrecision?: Precision;
}

/** Parsed `model:` section. */
export interface TimingModel {
  arch: Architecture;
  work: LocalWork;
}

/** A positive integer of the model, bounded (src/scenario/limits.ts) so that FLOPs stay finite. */
const count = (max: number = LIMITS.width, what = 'units') => boundedCount(max, what);

/**
 * A custom architecture (the fields of `Architecture`). Omitted fields default to a LLaMA-style
 * decoder: name "custom", kvHeads = heads, gated FFN, rotary positions, RMSNorm, no biases,
 * untied head.
 */
export const architectureSchema = z
  .object({
    name: z.string().default('custom'),
    layers: count(LIMITS.layers, 'layers'),
    hidden: count(),
    heads: count(),
    kvHeads: count().optional(),
    ffn: count(),
    vocab: count(),
    maxPositions: boundedCount(LIMITS.seqLen, 'positions', 0).default(0),
    tiedEmbeddings: z.boolean().default(false),
    ffnKind: z.enum(['mlp', 'gated']).default('gated'),
    positional: z.enum(['learned', 'rotary']).default('rotary'),
    norm: z.enum(['layernorm', 'rmsnorm']).default('rmsnorm'),
    bias: z.boolean().default(false),
    kind: z.enum(['decoder', 'encoder']).default('decoder'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.hidden % a.heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['heads'], message: `hidden (${a.hidden}) must be a multiple of heads (${a.heads})`, input: a.heads });
    }
    const kv = a.kvHeads ?? a.heads;
    if (a.heads % kv !== 0) {
      ctx.addIssue({ code: 'custom', path: ['kvHeads'], message: `heads (${a.heads}) must be a multiple of kvHeads (${kv})`, input: kv });
    }
    if (a.positional === 'learned' && a.maxPositions === 0) {
      ctx.addIssue({ code: 'custom', path: ['maxPositions'], message: 'learned positions need maxPositions > 0', input: a.maxPositions });
    }
  }, whenValid('hidden', 'heads', 'kvHeads', 'positional', 'maxPositions'))
  .transform((a): Architecture => ({ ...a, kvHeads: a.kvHeads ?? a.heads }));

const precision = z.enum(PRECISIONS as [Precision, ...Precision[]]);

/** The `model:` section, parsed to `{ arch, work }`. */
export const modelSchema = z
  .object({
    // Checked on the field, not only in the refinement below (which does not run while a field it reads has a problem): an unknown preset is reported beside the other problems.
    preset: z
      .string()
      .superRefine((p, ctx) => {
        if (!PRESET_IDS.includes(p as never)) ctx.addIssue({ code: 'custom', message: unknownPresetMessage(p), input: p });
      })
      .optional()
      .describe(`An LLM whose costs the clock counts (give preset or architecture): ${PRESET_IDS.join(', ')}.`),
    architecture: architectureSchema.optional().describe('A custom architecture instead of a preset.'),
    weights: precision.default('bf16').describe('Storage precision of the weights.'),
    seqLen: count(LIMITS.seqLen, 'tokens per sequence').default(512).describe('Tokens per sample.'),
    batchSize: count(LIMITS.batchSize, 'sequences per batch').default(4).describe('Samples per local step.'),
    localSteps: count(LIMITS.localSteps, 'local steps per round (a work multiplier)').default(10).describe('Local optimizer steps per round.'),
    optimizer: z.enum(OPTIMIZERS as [Optimizer, ...Optimizer[]]).default('adam').describe('Optimizer (its state counts in memory).'),
    activationCheckpointing: z.boolean().default(false).describe('Recompute activations in the backward pass: less memory, one more forward pass of FLOPs.'),
    commPrecision: precision.optional().describe('Precision of values on the wire (default: see commBytesPerValue in src/costs).'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.preset === undefined) === (m.architecture === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['preset'], message: `give exactly one of "preset" (${PRESET_IDS.join(', ')}) or "architecture"`, input: m });
      return;
    }
    if (m.preset !== undefined && !PRESET_IDS.includes(m.preset as never)) return; // reported on the field
    const arch = m.architecture ?? getPreset(m.preset!);
    if (arch.positional === 'learned' && m.seqLen > arch.maxPositions) {
      ctx.addIssue({ code: 'custom', path: ['seqLen'], message: `seqLen ${m.seqLen} exceeds the ${arch.maxPositions} learned positions of ${arch.name}`, input: m.seqLen });
    }
  }, whenValid('preset', 'architecture', 'seqLen'))
  .transform((m): TimingModel => {
    const work: LocalWork = {
      weights: m.weights,
      seqLen: m.seqLen,
      batchSize: m.batchSize,
      localSteps: m.localSteps,
      optimizer: m.optimizer,
      activationCheckpointing: m.activationCheckpointing,
    };
    if (m.commPrecision) work.commPrecision = m.commPrecision;
    return { arch: m.architecture ?? getPreset(m.preset!), work };
  });

export type ModelInput = z.input<typeof modelSchema>;
