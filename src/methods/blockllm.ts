/**
 * BlockLLM (Ramesh et al. 2024, "BlockLLM: Memory-Efficient Adaptation of LLMs by Selecting and
 * Optimizing the Right Coordinate Blocks"), federated: each client trains the parameter tensors
 * with the largest (Adam-preconditioned) gradient norms until a fraction 1 - sparsity of the
 * parameters is selected; the rest is frozen. Gradients, master copy and optimizer state exist only
 * for the selected tensors. Selecting needs the full gradient's norms: `selectionSteps` steps per
 * round compute all weight gradients (norms are reduced on the fly, no extra memory).
 * Upload: selected values + indices (one per selected tensor, BlockLLM's selection unit, or one
 * per value with `indices: element`). Download: the values changed by the other clients, at most
 * min(N, clients·P_sel) (disjoint selections; worst case), with indices of the same granularity.
 * Selected tensors can be anywhere, so the backward pass reaches every layer.
 *   P_sel  = floor((1 - sparsity)·N)
 *   flops  = steps·tokens·(fwd + input grads + 2·P_sel) (+ full weight grads in selection steps)
 *   memory = N·weight bytes + P_sel·(grad + master + optimizer) + activations
 *   up = P_sel·B_wire + indices
 */
import { z } from 'zod';
import { headMatmulParams, layerMatmulParams, paramCount, parameterTensors } from '../costs/params.js';
import { trainingCost, type TrainingPlan } from '../costs/training.js';
import { fraction } from '../scenario/fields.js';
import type { Architecture } from '../costs/architecture.js';
import { arrayBytes, type LocalTraining, type TrainingRule } from '../training/federated/types.js';
import { paramNames, paramShapes, sizeOf, type Weights } from '../training/model/params.js';
import { selectTensors, updateStall, type BlockSelectionState } from '../training/rules/block-selection.js';
import { mean, SenderAverage } from '../training/rules/common.js';
import { gradNorms, trainSteps, type TokenBatch } from '../training/train/index.js';
import { INDEX_BYTES, wireBytes } from './common.js';
import type { Method } from './types.js';

export const blockllmParams = z
  .object({
    /** Fraction of parameters frozen; 0.95 trains 5%. */
    sparsity: fraction().refine((v) => v < 1, 'sparsity must be < 1').default(0.95),
    indices: z.enum(['tensor', 'element']).default('tensor'),
    /** Steps per round that compute all weight gradients to (re)select tensors. */
    selectionSteps: z.number().int().nonnegative().default(1),
    /** Training side: reselect after this many rounds without loss improvement. */
    patience: z.number().int().positive().default(1),
    /** Training side: an improvement is a relative drop of the round's mean loss by more than this. */
    stallTolerance: z.number().nonnegative().default(0.01),
  })
  .strict();
export type BlockLlmParams = z.output<typeof blockllmParams>;

/** Server state: each client's selection state, keyed by client index. */
export interface BlockLlmState {
  clients: Record<number, BlockSelectionState>;
}

export interface BlockLlmConfig {
  client: number;
  round: number;
  weights: Weights;
  batches: TokenBatch[];
  local: LocalTraining;
  seed: number;
  /** The client's selection state from earlier rounds (absent on its first round). */
  selection?: BlockSelectionState;
}

export interface BlockLlmUpdate {
  /**
   * What is sent: 'tensor' indices are positions in the canonical parameter order (paramNames),
   * each followed by the whole tensor's values; 'element' indices are flat offsets into the
   * concatenation of all parameters in that order, one per value.
   */
  indices: Int32Array;
  values: Float32Array;
  /** Device-local selection state, stored by the server for the client's next round (not sent). */
  selection: BlockSelectionState;
}

/** Flat layout of the parameters: canonical names, sizes and offsets. */
function layout(arch: Architecture) {
  const shapes = paramShapes(arch);
  const names = paramNames(arch);
  const sizes: Record<string, number> = {};
  const offsets: number[] = [];
  let at = 0;
  for (const n of names) {
    sizes[n] = sizeOf(shapes[n]!);
    offsets.push(at);
    at += sizes[n]!;
  }
  return { names, sizes, offsets, total: at };
}

/** Values budget of a client: floor((1 - sparsity)·N), as the cost model's P_sel. */
export const blockllmBudget = (arch: Architecture, sparsity: number): number =>
  keptCount(sparsity, layout(arch).total, Math.floor);

/**
 * `round((1 - sparsity)·n)` by `floor` or `ceil` in exact arithmetic: 1 - 0.9 is
 * 0.09999999999999998 in binary floating point, so a plain floor of (1 - 0.9)·2000 gave 199,
 * not 200 (test/costs/exact-terms.test.ts). A product within 1e-12 (relative) of an integer is
 * that integer.
 */
function keptCount(sparsity: number, n: number, round: (x: number) => number): number {
  const x = (1 - sparsity) * n;
  const nearest = Math.round(x);
  return Math.abs(x - nearest) <= 1e-12 * Math.max(1, x) ? nearest : round(x);
}

/**
 * Training side. Client: on its first round, or after `patience` rounds whose mean training loss
 * did not improve by `stallTolerance`, it computes the gradient norms of every tensor on its first
 * max(1, selectionSteps) batches and reselects tensors (block-selection.ts: norm / sqrt(1 + visits),
 * greedy under the (1 - sparsity)·N budget); it then trains only the selected tensors for
 * `local.steps` steps and uploads their values with indices. Server: each value becomes the
 * weighted mean over the clients that sent it; the selection state is kept per client.
 */
export const blockllmTraining: TrainingRule<BlockLlmParams, BlockLlmConfig, BlockLlmUpdate, BlockLlmState> = {
  init(base) {
    return { weights: base, state: { clients: {} } };
  },
  configure(global, round, plan, ctx) {
    return {
      client: plan.client,
      round,
      weights: global.weights,
      batches: ctx.batches(plan.client, round),
      local: ctx.local,
      seed: ctx.seed,
      selection: global.state?.clients[plan.client],
    };
  },
  clientWork(config, params, arch) {
    const { names, sizes, offsets } = layout(arch);
    let selection = config.selection;
    if (!selection || selection.stale >= params.patience) {
      const probe = config.batches.slice(0, Math.max(1, params.selectionSteps));
      const norms = gradNorms(arch, config.weights, probe).byParam;
      const visits = { ...(selection?.visits ?? {}) };
      const selected = selectTensors(names, sizes, norms, visits, blockllmBudget(arch, params.sparsity));
      for (const n of selected) visits[n] = (visits[n] ?? 0) + 1;
      selection = { selected, visits, bestLoss: selection?.bestLoss ?? Infinity, stale: 0 };
    }
    const r = trainSteps({
      arch,
      weights: config.weights,
      trainable: selection.selected,
      batches: config.batches,
      lr: config.local.lr,
      optimizer: config.local.optimizer,
      clipNorm: config.local.clipNorm,
      seed: config.seed,
    });
    const trainLoss = mean(r.losses);
    const count = selection.selected.reduce((a, n) => a + sizes[n]!, 0);
    const values = new Float32Array(count);
    const indices = new Int32Array(params.indices === 'tensor' ? selection.selected.length : count);
    let at = 0;
    selection.selected.forEach((n, k) => {
      const v = r.weights[n]!;
      values.set(v, at);
      const t = names.indexOf(n);
      if (params.indices === 'tensor') indices[k] = t;
      else for (let i = 0; i < v.length; i++) indices[at + i] = offsets[t]! + i;
      at += v.length;
    });
    return {
      client: config.client,
      update: { indices, values, selection: { ...selection, ...updateStall(selection, trainLoss, params.stallTolerance) } },
      uploadBytes: arrayBytes([indices, values]),
      trainLoss,
    };
  },
  aggregate(global, _round, updates, ctx, params) {
    const { names, sizes, offsets } = layout(ctx.arch);
    const avg = new SenderAverage();
    const clients = { ...(global.state?.clients ?? {}) };
    for (const { weight, update } of updates) {
      const { indices, values, selection } = update.update;
      clients[update.client] = selection;
      if (params.indices === 'tensor') {
        let at = 0;
        for (const t of indices) {
          const n = names[t]!;
          avg.add(n, sizes[n]!, values.subarray(at, at + sizes[n]!), weight);
          at += sizes[n]!;
        }
      } else {
        // Flat offsets: split the (ascending within each tensor) run by tensor.
        let k = 0;
        while (k < indices.length) {
          let t = 0;
          while (t + 1 < offsets.length && offsets[t + 1]! <= indices[k]!) t++;
          let end = k;
          while (end < indices.length && indices[end]! >= offsets[t]! && indices[end]! < offsets[t]! + sizes[names[t]!]!) end++;
          if (end === k) throw new Error(`blockllm: element index ${indices[k]} outside the model`);
          const local = Int32Array.from(indices.subarray(k, end), (i) => i - offsets[t]!);
          avg.add(names[t]!, sizes[names[t]!]!, values.subarray(k, end), weight, local);
          k = end;
        }
      }
    }
    const weights: Weights = { ...global.weights };
    for (const n of avg.names()) weights[n] = avg.apply(n, global.weights[n]!);
    return { ...global, weights, state: { clients } };
  },
};

export const blockllm: Method<BlockLlmParams> = {
  id: 'blockllm',
  title: 'BlockLLM: gradient-norm block selection (Ramesh et al. 2024)',
  paramsSchema: blockllmParams,
  formula: 'P_sel = (1 - sparsity)·N; optimizer state for P_sel only; up = P_sel·B_wire + indices',
  load({ arch, work, clients }, params) {
    const n = paramCount(arch);
    const tensors = parameterTensors(arch).length;
    const selected = keptCount(params.sparsity, n, Math.floor);
    const allMatmul = arch.layers * layerMatmulParams(arch) + headMatmulParams(arch);
    const plan: TrainingPlan = {
      trainedBaseParams: selected,
      trainedBaseMatmulParams: Math.min(selected, allMatmul),
      backpropFromLayer: 0,
    };
    const sparse = trainingCost(arch, work, plan);
    const full = trainingCost(arch, work, { ...plan, trainedBaseMatmulParams: allMatmul });
    const selectionSteps = Math.min(params.selectionSteps, work.localSteps);
    const perStep = (c: typeof sparse) => c.flops / work.localSteps;
    const flops = (work.localSteps - selectionSteps) * perStep(sparse) + selectionSteps * perStep(full);

    const selectedTensors = keptCount(params.sparsity, tensors, Math.ceil);
    const downValues = Math.min(n, Math.max(clients, 1) * selected);
    const upIndices = params.indices === 'tensor' ? selectedTensors : selected;
    const downIndices = params.indices === 'tensor' ? Math.min(tensors, Math.max(clients, 1) * selectedTensors) : downValues;
    return {
      flops,
      memoryBytes: sparse.memoryBytes,
      uploadBytes: selected * wireBytes(work) + upIndices * INDEX_BYTES,
      downloadBytes: downValues * wireBytes(work) + downIndices * INDEX_BYTES,
      trainedParams: selected,
    };
  },
  training: blockllmTraining,
};
