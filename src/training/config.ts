/**
 * The scenario's `training:` section: real federated training of a small tfjs model beside the
 * timing simulation (the timing model of `model:` is unchanged; this gives the loss curves).
 *
 *   training:
 *     model: proxy                # a cost-model preset the tfjs proxy implements, or an architecture
 *     data: { source: generated-gsm8k, records: 2000, partition: { kind: dirichlet, alpha: 0.5 } }
 *     localSteps: 4               # local optimiser steps per round
 *     batchSize: 8                # sequences per local step
 *     seqLen: 32                  # tokens per sequence (bytes)
 *     lr: 0.003
 *     optimizer: adam             # adam | sgd
 *     clipNorm: 1                 # global gradient-norm clip (optional)
 *     pretrainSteps: 60           # centralised warm-up on generic text before FL (0 = none)
 *     pretrainLr: 0.003
 *     evalEvery: 1                # rounds between test-loss evaluations
 *     evalBatches: 4              # fixed held-out batches per evaluation
 *     targetTestLoss: 2.2         # time-to-target in summary.csv (optional)
 *     workers: 2                  # pool workers (0 = in-process); results identical for any count
 *     backend: auto               # auto | node | wasm | cpu
 *
 * Or losses measured elsewhere (e.g. a GPU run of the real LLM), placed on the simulated clock
 * (src/training/trace.ts):
 *
 *   training:
 *     source: trace
 *     file: losses.csv            # columns method, round, test_loss[, train_loss]
 *     targetTestLoss: 2.2
 */
import { z } from 'zod';
import { boundedCount, whenValid } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import type { Architecture } from '../costs/architecture.js';
import { getPreset, PRESET_IDS, unknownPresetMessage } from '../costs/presets.js';
import { didYouMean } from '../scenario/suggest.js';
import { architectureSchema } from '../costs/schema.js';
import { dataSchema } from './data/config.js';
import { checkSupported } from './model/params.js';
import { delegate } from '../scenario/fields.js';

/** A positive integer work multiplier, bounded (src/scenario/limits.ts; the run's tokens are also bounded as a whole). */
const count = (max: number, what: string) => boundedCount(max, what);

/** Resolve `model` (preset id or architecture) to an architecture, or a reason it cannot be used. */
function resolveModel(model: string | Architecture): Architecture | string {
  let arch: Architecture;
  if (typeof model === 'string') {
    if (!PRESET_IDS.includes(model as never)) return unknownPresetMessage(model);
    arch = getPreset(model);
  } else arch = model;
  try {
    checkSupported(arch);
  } catch (e) {
    return (e as Error).message;
  }
  return arch;
}

export const trainingSchema = z
  .object({
    /** `proxy`: train the tfjs proxy (this schema); `trace`: read the losses from a file (traceTrainingSchema). */
    source: z.literal('proxy').default('proxy'),
    // An unknown preset is checked on the field (not only in the refinement below, which runs only when every field is valid).
    model: z
      .union([
        z.string().superRefine((p, ctx) => {
          if (!PRESET_IDS.includes(p as never)) ctx.addIssue({ code: 'custom', message: unknownPresetMessage(p), input: p });
        }),
        architectureSchema,
      ])
      .default('proxy'),
    data: dataSchema.default(dataSchema.parse({})),
    localSteps: count(LIMITS.localSteps, 'local steps per round').default(4),
    batchSize: count(LIMITS.batchSize, 'sequences per batch').default(8),
    seqLen: count(LIMITS.seqLen, 'tokens per sequence').default(32),
    lr: z.number().positive().default(0.003),
    optimizer: z.enum(['adam', 'sgd']).default('adam'),
    clipNorm: z.number().positive().optional(),
    pretrainSteps: boundedCount(LIMITS.localSteps, 'pretraining steps', 0).default(60),
    pretrainLr: z.number().positive().default(0.003),
    evalEvery: count(LIMITS.rounds, 'rounds').default(1),
    evalBatches: count(LIMITS.localSteps, 'batches').default(4),
    targetTestLoss: z.number().positive().optional(),
    /** Pool worker threads (0 = in-process); default min(2, cores). */
    workers: boundedCount(64, 'worker threads', 0).optional(),
    backend: z.enum(['auto', 'node', 'wasm', 'cpu']).default('auto'),
  })
  .strict()
  .superRefine((t, ctx) => {
    const arch = resolveModel(t.model as string | Architecture);
    if (typeof arch === 'string') {
      ctx.addIssue({ code: 'custom', path: ['model'], message: arch, input: t.model });
      return;
    }
    if (t.seqLen > arch.maxPositions) {
      ctx.addIssue({
        code: 'custom',
        path: ['seqLen'],
        message: `seqLen ${t.seqLen} exceeds the ${arch.maxPositions} learned positions of ${arch.name}`,
        input: t.seqLen,
      });
    }
    if (arch.vocab < 256) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: `the byte tokenizer needs vocab >= 256, ${arch.name} has ${arch.vocab}`, input: t.model });
    }
  }, whenValid('model', 'seqLen'))
  .transform((t) => ({ ...t, arch: resolveModel(t.model as string | Architecture) as Architecture }));

export type TrainingConfig = z.output<typeof trainingSchema>;
export type TrainingInput = z.input<typeof trainingSchema>;

/** `training: { source: trace, file }`: losses from a file, no training (src/training/trace.ts). */
export const traceTrainingSchema = z
  .object({
    source: z.literal('trace'),
    /** CSV with columns method, round, test_loss[, train_loss]; relative to the scenario file. */
    file: z.string().min(1),
    targetTestLoss: z.number().positive().optional(),
  })
  .strict();

export type TraceTrainingConfig = z.output<typeof traceTrainingSchema>;

/** The scenario's `training:` section: the proxy (default) or a loss trace, by `source`. */
export const trainingSectionSchema = delegate<TrainingConfig | TraceTrainingConfig>((v) => {
  const source = v !== null && typeof v === 'object' ? (v as { source?: unknown }).source : undefined;
  if (source === 'trace') return traceTrainingSchema;
  if (source === undefined || source === 'proxy') return trainingSchema;
  return `source: expected "proxy" (train the tfjs proxy) or "trace" (losses from a file), found ${JSON.stringify(source)}${typeof source === 'string' ? didYouMean(source, ['proxy', 'trace']) : ''}`;
});
