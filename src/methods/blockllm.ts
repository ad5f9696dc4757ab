/**
 * BlockLLM (Ramesh et al. 2024, "BlockLLM: Memory-Efficient Adaptation of LLMs by Selecting and
 * Optimizing the Right Coordinate Blocks", arXiv 2406.17296), federated: each client runs the
 * official optimiser's selection (github.com/RAmruthaVignesh/blockllm, commit 4a629f44,
 * blockllm_torch/blockllm.py, class BlockLLM; the rules are in
 * src/training/rules/block-selection.ts) and trains only its selected tensors; embeddings and the
 * LM head are never selected. Gradients, master copy and optimizer state exist only for the
 * selected tensors. No step computes the full gradient: reselection uses the norms recorded while
 * tensors were trained, plus one randomly sampled inactive tensor whose weight gradient is
 * computed (not applied) at every step (`numBottomToSample`).
 * Upload: selected values + indices (one per selected tensor, BlockLLM's selection unit, or one
 * per value with `indices: element`). Download: the values changed by the other clients, at most
 * min(N_sel, clients·P_sel) (disjoint selections; worst case; embeddings and head never change),
 * with indices of the same granularity (at most the #selectable tensors).
 * Selected tensors can be anywhere, so the backward pass reaches every layer.
 *   N_sel  = parameters of the selectable tensors (all but embeddings and the LM head)
 *   P_sel  = floor((1 - sparsity)·N_sel)   (official num_params_to_keep)
 *   flops  = steps·tokens·(fwd + input grads + 2·min(P_sel, selectable matmul weights) + 2·m·w̄)
 *            w̄ = selectable matmul weights / #selectable tensors: the expected matmul weights of
 *            the sampled tensor, drawn uniformly from the selectable ones (norms, biases: 0)
 *   memory = N·weight bytes + P_sel·(grad + master + optimizer) + m·largest selectable tensor·grad + activations
 *   up = P_sel·B_wire + indices      (m = numBottomToSample)
 *   down = min(N_sel, clients·P_sel)·B_wire + indices
 */
import { z } from 'zod';
import { parameterTensors, type ParamTensor } from '../costs/params.js';
import { computeBytesPerValue } from '../costs/precision.js';
import { tokensPerStep, trainingCost } from '../costs/training.js';
import { boundedCount, fraction } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import type { Architecture } from '../costs/architecture.js';
import { arrayBytes, type LocalTraining, type TrainingRule } from '../training/federated/types.js';
import { paramNames, paramShapes, sizeOf, type Weights } from '../training/model/params.js';
import {
  BLOCKLLM_DEFAULTS,
  initialSelection,
  initialVisits,
  reselect,
  sampleInactive,
  shouldReselect,
  type BlockSelectionState,
} from '../training/rules/block-selection.js';
import { RandomStream } from '../random/index.js';
import { mean, SenderAverage } from '../training/rules/common.js';
import { gradNorms, trainSteps, type TokenBatch } from '../training/train/index.js';
import { INDEX_BYTES, wireBytes } from './common.js';
import type { Method } from './types.js';

export const blockllmParams = z
  .object({
    /** Fraction of the selectable parameters frozen (official `sparsity_level`, default 0.9). */
    sparsity: fraction().refine((v) => v < 1, 'sparsity must be < 1').default(BLOCKLLM_DEFAULTS.sparsity).describe('Fraction of the selectable parameters frozen (official sparsity_level, 0.9).'),
    /** Upload indices per tensor (BlockLLM's selection unit) or per value. */
    indices: z.enum(['tensor', 'element']).default('tensor'),
    /** Steps between reselection checks (official `update_freq`). */
    updateFreq: boundedCount(LIMITS.localSteps, 'steps').default(BLOCKLLM_DEFAULTS.updateFreq),
    /** Losses averaged by the stall test (official `patience`). */
    patience: boundedCount(LIMITS.localSteps, 'losses').default(BLOCKLLM_DEFAULTS.patience),
    /** Steps between samplings of an inactive tensor (official `param_update_interval`). */
    paramUpdateInterval: boundedCount(LIMITS.localSteps, 'steps').default(BLOCKLLM_DEFAULTS.paramUpdateInterval),
    /** Inactive tensors observed at a time (official `num_bottom_to_sample`; the cost model charges their weight gradients). */
    numBottomToSample: boundedCount(LIMITS.layers, 'tensors (a work multiplier)', 0).default(BLOCKLLM_DEFAULTS.numBottomToSample),
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

/** Values budget of a proxy client: floor((1 - sparsity)·N_sel), as the cost model's P_sel. */
export function blockllmBudget(arch: Architecture, sparsity: number): number {
  const { sizes } = layout(arch);
  return keptCount(sparsity, blockllmEligibleProxy(arch).reduce((a, n) => a + sizes[n]!, 0), Math.floor);
}

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
 * Cost-side tensors BlockLLM may select: all but the embedding block and the LM head (RoBERTa's
 * whole `lm_head.*`; a decoder's final norm stays selectable, as LLaMA's `model.norm` does).
 */
export function blockllmEligibleTensors(arch: Architecture): ParamTensor[] {
  return parameterTensors(arch).filter((t) => t.block !== 'embedding' && !t.name.startsWith('head.'));
}

/** Proxy tensors BlockLLM may select: all but the embeddings and an untied head (the official `embed` / `lm_head` exclusion). */
export function blockllmEligibleProxy(arch: Architecture): string[] {
  return paramNames(arch).filter((n) => n !== 'tok_emb' && n !== 'pos_emb' && n !== 'head');
}

/**
 * Training side (the official optimiser's rules, block-selection.ts, run per client across
 * rounds: its selection state lives on the device and the server keeps it between rounds). The
 * client's first round selects max(1, int((1 - s)·#eligible)) random tensors. Each round it trains
 * the selected tensors for `local.steps` steps; the step losses, the last gradient norm of every
 * trained tensor and the step count t accumulate in its state. Every `paramUpdateInterval` steps
 * one random inactive tensor is sampled; its gradient norm is measured on the batch of the step
 * its window ends (or the round ends) at the weights reached by then. At steps t with
 * t % updateFreq = 0 the stall test may reselect by score (the training is split there, so the
 * steps after a reselection train the new tensors). The client uploads every tensor it changed
 * this round (values + indices). Server: each value becomes the weighted mean over the clients
 * that sent it. Adam state restarts at each round and at each reselection check (the official
 * optimiser keeps it across steps until a reselection).
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
    const eligible = blockllmEligibleProxy(arch);
    const budget = blockllmBudget(arch, params.sparsity);
    const stream = (...tags: (string | number)[]) => RandomStream.of(config.seed, 'blockllm', config.client, ...tags);
    const prev = config.selection;
    const st: BlockSelectionState = prev
      ? { ...prev, selected: [...prev.selected], visits: { ...prev.visits }, gradNorms: { ...prev.gradNorms }, losses: [...prev.losses] }
      : {
          selected: initialSelection(eligible, 1 - params.sparsity, stream('init')),
          visits: initialVisits(eligible),
          gradNorms: {},
          losses: [],
          step: 0,
          sampled: null,
          reselections: 0,
        };
    let weights: Weights = config.weights;
    const changed = new Set<string>();
    const losses: number[] = [];
    const measure = (name: string, batch: TokenBatch) => {
      st.gradNorms[name] = gradNorms(arch, weights, batch).byParam[name]!;
    };
    let i = 0;
    while (i < config.batches.length) {
      const len = Math.min(params.updateFreq - (st.step % params.updateFreq), config.batches.length - i);
      const segment = config.batches.slice(i, i + len);
      const r = trainSteps({
        arch,
        weights,
        trainable: st.selected,
        batches: segment,
        lr: config.local.lr,
        optimizer: config.local.optimizer,
        clipNorm: config.local.clipNorm,
        seed: config.seed,
      });
      weights = { ...weights, ...r.weights };
      for (const n of st.selected) {
        changed.add(n);
        st.gradNorms[n] = Math.sqrt(r.lastGradSqNormByParam[n]!);
      }
      // Sampling windows: at each step t with t % interval = 0 the observed inactive tensor changes.
      for (let k = 0; k < len; k++) {
        const t = st.step + k + 1;
        if (t % params.paramUpdateInterval !== 0) continue;
        if (st.sampled) measure(st.sampled, segment[k]!);
        st.sampled = sampleInactive(eligible, st.selected, stream('sample', t));
      }
      if (st.sampled) measure(st.sampled, segment[len - 1]!);
      st.losses.push(...r.losses);
      losses.push(...r.losses);
      st.step += len;
      i += len;
      if (shouldReselect(st.losses, st.step, params.updateFreq, params.patience)) {
        const next = reselect(eligible, sizes, st, budget, stream('reselect', st.step));
        st.selected = next.selected;
        st.visits = next.visits;
        st.losses = [];
        st.sampled = null;
        st.reselections++;
      }
    }
    const sent = names.filter((n) => changed.has(n));
    const count = sent.reduce((a, n) => a + sizes[n]!, 0);
    const values = new Float32Array(count);
    const indices = new Int32Array(params.indices === 'tensor' ? sent.length : count);
    let at = 0;
    sent.forEach((n, k) => {
      const v = weights[n]!;
      values.set(v, at);
      const t = names.indexOf(n);
      if (params.indices === 'tensor') indices[k] = t;
      else for (let j = 0; j < v.length; j++) indices[at + j] = offsets[t]! + j;
      at += v.length;
    });
    return {
      client: config.client,
      update: { indices, values, selection: st },
      uploadBytes: arrayBytes([indices, values]),
      trainLoss: mean(losses),
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
  title: 'BlockLLM: block selection by ||g|| / exp(f / t) (Ramesh et al. 2024)',
  paramsSchema: blockllmParams,
  formula: 'P_sel = (1 - sparsity)·N_sel (no embeddings/head); optimizer state for P_sel only; + one sampled tensor\'s weight gradient; up = P_sel·B_wire + indices',
  load({ arch, work, clients }, params) {
    const eligible = blockllmEligibleTensors(arch);
    const selectable = eligible.reduce((a, t) => a + t.params, 0);
    const selected = keptCount(params.sparsity, selectable, Math.floor);
    // Only selectable matmul weights get 2-FLOP weight gradients (the head is never selected).
    const selectableMatmul = eligible.filter((t) => t.kind === 'linear').reduce((a, t) => a + t.params, 0);
    const meanMatmul = selectableMatmul / Math.max(eligible.length, 1);
    const largest = Math.max(0, ...eligible.map((t) => t.params));
    const cost = trainingCost(arch, work, {
      trainedBaseParams: selected,
      trainedBaseMatmulParams: Math.min(selected, selectableMatmul),
      backpropFromLayer: 0,
    });
    // The sampled inactive tensor(s): a weight gradient every step, no optimizer state.
    const sampledFlops = work.localSteps * tokensPerStep(work) * 2 * params.numBottomToSample * meanMatmul;
    const sampledMemory = params.numBottomToSample * largest * computeBytesPerValue(work.weights);

    const selectedTensors = keptCount(params.sparsity, eligible.length, Math.ceil);
    // Embeddings and head never change: at most the selectable values and tensors come down.
    const downValues = Math.min(selectable, Math.max(clients, 1) * selected);
    const upIndices = params.indices === 'tensor' ? selectedTensors : selected;
    const downIndices = params.indices === 'tensor' ? Math.min(eligible.length, Math.max(clients, 1) * selectedTensors) : downValues;
    return {
      flops: cost.flops + sampledFlops,
      memoryBytes: cost.memoryBytes + sampledMemory,
      uploadBytes: selected * wireBytes(work) + upIndices * INDEX_BYTES,
      downloadBytes: downValues * wireBytes(work) + downIndices * INDEX_BYTES,
      trainedParams: selected,
      memoryTrafficBytes: cost.memoryTrafficBytes,
    };
  },
  training: blockllmTraining,
};
