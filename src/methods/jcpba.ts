/**
 * JCPBA: joint client-specific pruning and bandwidth allocation, on airtune's RECONSTRUCTION of
 * its model (JCPBA's equations are not public; docs/jcpba-model.md states the model and sources).
 * Base method (our choice, documented): pruned FULL fine-tuning. The prunable part is the linear
 * projection weights of the transformer layers (q, k, v, o, [gate], up, down:
 * P = L·Σ in·out); embeddings, norms, biases and the head are never pruned. Client k prunes a
 * fraction rho_k of P:
 * - structured (default): whole heads / FFN channels are removed, so the prunable FLOPs (forward,
 *   input and weight gradients, recompute: 6 or 8 FLOPs per prunable weight per token), memory
 *   (weight + grad + master + optimizer bytes of P) and upload (P values) all scale by (1 - rho);
 * - unstructured: the same (1 - rho) scaling (assumes a sparse kernel) plus a bitmask of one bit
 *   per prunable weight in the fixed upload.
 * Attention-score FLOPs and activations are kept in the fixed part (conservative). The download
 * is the dense global model (the spec's d_k does not depend on rho).
 *   C = C0 + (1 - rho)·C1, S = S0 + (1 - rho)·S1, M = M0 + (1 - rho)·M1; rho = 0 is FedAvg.
 */
import { z } from 'zod';
import type { ClientRoundBase } from '../training/federated/types.js';
import { SOLVER_NAMES } from '../../solvers/jcpba/types.js';
import { layerMatmulParams, paramCount } from '../costs/params.js';
import { bytesPerValue, trainingStateBytesPerParam } from '../costs/precision.js';
import { tokensPerStep, trainingCost } from '../costs/training.js';
import { boundedCount, fraction } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import { fullFineTuningPlan, wireBytes } from './common.js';
import type { LoadSplit, Method } from './types.js';
import { layerProjectionWeights, localArgs, mean, weightedAverage } from '../training/federated/common.js';
import { compact, expand, maskedAverage, packBits, rowKeepFlags, rowMask, unpackBits } from '../training/federated/pruning.js';
import { arrayBytes, type TrainingRule } from '../training/federated/types.js';
import { magnitudeMask } from '../training/model/masks.js';
import { cloneWeights, paramNames, paramShapes, type Weights } from '../training/model/params.js';
import { trainSteps, type TokenBatch } from '../training/train/index.js';

/** Constants of the rounds model R(rhobar) = A / (epsilon - beta rhobar) (solvers/README.md). */
// Bounded so that R = A / (epsilon - beta rhobar) cannot overflow through its parameters alone
// (the same bounds as the `rounds` of an `airtune solve` instance, solvers/jcpba/schema.ts).
export const roundsConstantsSchema = z
  .object({ A: z.number().positive().max(1e9), epsilon: z.number().min(1e-6).max(1e6), beta: z.number().min(0).max(1e6) })
  .strict();
export type RoundsConstants = z.output<typeof roundsConstantsSchema>;

/**
 * The constants airtune assumes when a scenario gives none. Nobody calibrated them: JCPBA's
 * equations are not public (solvers/README.md), so every output calls them "assumed"; use
 * `roundsModel: calibrated` or `airtune calibrate` to measure them on the proxy.
 */
export const ASSUMED_ROUNDS_MODEL: RoundsConstants = { A: 50, epsilon: 1, beta: 0.8 };

export const jcpbaParams = z
  .object({
    pruning: z.enum(['structured', 'unstructured']).default('structured').describe('structured: whole rows pruned (the load shrinks); unstructured: single weights.'),
    /** Largest pruning rate the solver may choose. */
    rhoMax: fraction().refine((v) => v < 1, 'rhoMax must be < 1').default(0.8).describe('Largest pruning rate the solver may give a client, in [0, 1).'),
    /**
     * Which allocator chooses rho and the bandwidth every round (solvers/jcpba): `exact` (global
     * optimum), `bcd` (BCD on the reconstructed model, docs/jcpba-model.md), or a baseline: `equal`,
     * `bandwidth-only`, `uniform-pruning`, `pruning-only`.
     */
    solver: z.enum(SOLVER_NAMES).default('exact').describe('Allocator of pruning rates and bandwidth each round: exact (global optimum), bcd, or a baseline (solvers/README.md).'),
    /**
     * `solver: bcd` only: where the descent starts (solvers/README.md, "Why BCD stops at
     * bandwidth-only"): `floors` (as stated: memory floors, equal split, bandwidth block first),
     * `pruning-first` (same start, pruning block first) or `exact` (the exact solver's allocation).
     */
    bcdStart: z.enum(['floors', 'pruning-first', 'exact']).default('floors').describe('solver bcd only: where the descent starts.'),
    /**
     * Rounds model R(rho) = A / (epsilon - beta * rhobar) of the solver's objective: constants
     * `{ A, epsilon, beta }`, `calibrated` (measured on the training proxy before the run:
     * src/calibration), or absent (ASSUMED_ROUNDS_MODEL, labelled "assumed" in every output).
     */
    roundsModel: z.union([z.literal('calibrated'), roundsConstantsSchema]).optional().describe("Rounds model R(rho) = A / (epsilon - beta rhobar) of the solver's objective: { A, epsilon, beta }, calibrated (measured on the proxy), or absent (assumed constants)."),
    /** How `roundsModel: calibrated` measures (src/calibration): pruning rates trained, round cap per rate. */
    calibration: z
      .object({
        rates: z.array(z.number().min(0).lt(1)).min(2).optional(),
        maxRounds: boundedCount(LIMITS.rounds, 'rounds').default(60),
      })
      .strict()
      .optional(),
    /**
     * What the solver plans with: `ergodic` (large-scale gains and the Rayleigh ergodic rate
     * b E[log2(1 + p g X / (N0 b))], the rate a transfer spanning many coherence blocks realises;
     * solvers/jcpba rateModel 'rayleigh-ergodic'), `instant` (Shannon rate at this round's fading at
     * its start) or `average` (Shannon rate at the large-scale gain).
     */
    gains: z.enum(['ergodic', 'instant', 'average']).default('ergodic').describe('What the solver plans with: ergodic (Rayleigh ergodic rate), instant (this round\'s fading) or average (large-scale gain).'),
    /** Pruning rate used when the context gives none (e.g. a fixed-rate baseline). */
    rho: fraction().default(0),
  })
  .strict();
export type JcpbaParams = z.output<typeof jcpbaParams>;

/** The rounds-model constants the solver uses; a `calibrated` model must have been resolved first. */
export function roundsConstants(params: Pick<JcpbaParams, 'roundsModel'>): RoundsConstants {
  if (params.roundsModel === 'calibrated') throw new Error('jcpba: roundsModel "calibrated" must be calibrated before planning (src/calibration)');
  return params.roundsModel ?? ASSUMED_ROUNDS_MODEL;
}

/** Where constants written in the scenario, or the assumed ones, come from (outputs' rounds_model). */
export function describeRoundsConstants(params: Pick<JcpbaParams, 'roundsModel'>): string {
  const c = roundsConstants(params);
  const abc = `A = ${c.A}, epsilon = ${c.epsilon}, beta = ${c.beta}`;
  return params.roundsModel === undefined ? `assumed: ${abc} (airtune's defaults, not calibrated)` : `given: ${abc} (scenario constants, not calibrated)`;
}

/** The fixed/prunable split of one client's round (independent of rho). */
export function jcpbaSplit(ctx: Parameters<Method<JcpbaParams>['load']>[0], params: JcpbaParams): LoadSplit {
  const { arch, work } = ctx;
  const n = paramCount(arch);
  const prunable = arch.layers * layerMatmulParams(arch);
  const dense = trainingCost(arch, work, fullFineTuningPlan(arch));
  // Per prunable weight per token: forward 2, input gradient 2, weight gradient 2, recompute 2.
  const perWeight = 6 + (work.activationCheckpointing ? 2 : 0);
  const prunableFlops = work.localSteps * tokensPerStep(work) * perWeight * prunable;
  const prunableMemory = prunable * (bytesPerValue(work.weights) + trainingStateBytesPerParam(work.weights, work.optimizer));
  const mask = params.pruning === 'unstructured' ? Math.ceil(prunable / 8) : 0;
  return {
    fixedFlops: dense.flops - prunableFlops,
    prunableFlops,
    fixedUploadBytes: (n - prunable) * wireBytes(work) + mask,
    prunableUploadBytes: prunable * wireBytes(work),
    fixedMemoryBytes: dense.memoryBytes - prunableMemory,
    prunableMemoryBytes: prunableMemory,
  };
}

/** What a JCPBA client gets: the dense global weights, its pruning rate and its batches. */
export interface JcpbaConfig extends ClientRoundBase {
  weights: Weights;
  rho: number;
}

/** What a JCPBA client returns. */
export interface JcpbaUpdate {
  /** Non-prunable parameters (embeddings, norms, biases), full, sent. */
  dense: Weights;
  /** Prunable projection weights: the kept values in index order, sent. */
  kept: Weights;
  /** Unstructured: one bit per prunable weight (all prunable tensors in canonical order), sent. */
  bitmask?: Uint8Array;
  /**
   * Structured: kept-row flags per prunable tensor. NOT counted as sent: the row choice is a
   * deterministic function of the global weights the server sent and the rho it assigned
   * (L2-norm ranking), so the server recomputes it; the cost model counts no index either.
   */
  keptRows?: Record<string, Uint8Array>;
}

/** The client's masks for its pruning rate (`rowKeepFlags` / `magnitudeMask` of the global weights). */
export function jcpbaMasks(
  arch: Parameters<typeof paramShapes>[0],
  weights: Weights,
  rho: number,
  pruning: JcpbaParams['pruning'],
): { masks: Record<string, Uint8Array>; keptRows?: Record<string, Uint8Array> } {
  const shapes = paramShapes(arch);
  const masks: Record<string, Uint8Array> = {};
  const keptRows: Record<string, Uint8Array> = {};
  for (const name of layerProjectionWeights(arch)) {
    const [rows, cols] = shapes[name] as [number, number];
    if (pruning === 'structured') {
      keptRows[name] = rowKeepFlags(weights[name]!, rows, cols, rho);
      masks[name] = rowMask(keptRows[name], cols);
    } else masks[name] = magnitudeMask(weights[name]!, rho);
  }
  return pruning === 'structured' ? { masks, keptRows } : { masks };
}

/**
 * JCPBA's training side (pruned full fine-tuning; the cost split above).
 * Client k (rho_k = the solver's rate from the plan, else params.rho):
 *  1. prunes a fraction rho_k of every layer projection weight of the global model it received
 *     (structured: whole output rows by L2 norm; unstructured: entries by magnitude);
 *  2. trains ALL parameters with the masks (masked forward W ⊙ M, mask re-applied after every
 *     step, so pruned weights stay exactly 0; src/training/train);
 *  3. uploads in fp32 the non-prunable parameters, the kept prunable values and, unstructured,
 *     the bitmask of ceil(P/8) bytes: 4·(N - P) + 4·kept (+ ceil(P/8)) bytes, which is the cost
 *     model's S0 + (1 - rho)·S1 with fp32 on the wire whenever rho·(rows or size) is an integer
 *     for every tensor (the cost model's (1 - rho)·P is continuous; the real mask rounds per tensor).
 * Server: non-prunable parameters by the weighted average; each prunable entry by the mask-aware
 * average over the clients that kept it (`maskedAverage`); entries pruned by all keep the previous
 * global value. rho = 0 for everyone reduces to FedAvg.
 */
export const jcpbaTraining: TrainingRule<JcpbaParams, JcpbaConfig, JcpbaUpdate> = {
  init(base) {
    return { weights: cloneWeights(base) };
  },
  configure(global, round, plan, ctx, params) {
    const rho = plan.rho ?? params.rho;
    if (!(rho >= 0 && rho < 1)) throw new Error(`jcpba: pruning rate rho = ${rho} outside [0, 1)`);
    return { client: plan.client, seed: ctx.seed, weights: global.weights, rho, batches: ctx.batches(plan.client, round), local: localArgs(ctx.local) };
  },
  clientWork(config, params, arch) {
    const { masks, keptRows } = jcpbaMasks(arch, config.weights, config.rho, params.pruning);
    const r = trainSteps({ arch, weights: config.weights, trainable: 'all', masks, batches: config.batches, seed: config.seed, ...config.local });
    const prunable = layerProjectionWeights(arch);
    const dense: Weights = {};
    const kept: Weights = {};
    for (const name of paramNames(arch)) {
      if (masks[name]) kept[name] = compact(r.weights[name]!, masks[name]);
      else dense[name] = r.weights[name]!;
    }
    const update: JcpbaUpdate = { dense, kept };
    if (params.pruning === 'unstructured') update.bitmask = packBits(prunable.map((n) => masks[n]!));
    else update.keptRows = keptRows;
    const sent = [...Object.values(dense), ...Object.values(kept), ...(update.bitmask ? [update.bitmask] : [])];
    return { client: config.client, update, uploadBytes: arrayBytes(sent), trainLoss: mean(r.losses) };
  },
  aggregate(global, _round, updates, ctx) {
    const arch = ctx.arch;
    const shapes = paramShapes(arch);
    const prunable = layerProjectionWeights(arch);
    const prunableSet = new Set(prunable);
    const dense = paramNames(arch).filter((n) => !prunableSet.has(n));
    const weights = weightedAverage(updates.map((u) => ({ weight: u.weight, values: u.update.update.dense })), dense);
    // Each client's masks: decoded from its bitmask (unstructured) or its row flags (structured).
    const clientMasks = updates.map(({ update: { update: u } }) => {
      if (u.bitmask) {
        const ms = unpackBits(u.bitmask, prunable.map((n) => global.weights[n]!.length));
        return Object.fromEntries(prunable.map((n, i) => [n, ms[i]!])) as Record<string, Uint8Array>;
      }
      if (!u.keptRows) throw new Error('jcpba: update has neither a bitmask nor kept rows');
      return Object.fromEntries(prunable.map((n) => [n, rowMask(u.keptRows![n]!, shapes[n]![1]!)])) as Record<string, Uint8Array>;
    });
    for (const name of prunable) {
      weights[name] = maskedAverage(
        global.weights[name]!,
        updates.map((u, k) => ({ weight: u.weight, mask: clientMasks[k]![name]!, values: expand(u.update.update.kept[name]!, clientMasks[k]![name]!) })),
      );
    }
    // Canonical parameter order.
    const ordered: Weights = {};
    for (const n of paramNames(arch)) ordered[n] = weights[n]!;
    return { ...global, weights: ordered };
  },
};

export const jcpba: Method<JcpbaParams> = {
  id: 'jcpba',
  title: 'JCPBA (reconstructed model): client-specific pruning + bandwidth allocation (pruned full fine-tuning)',
  paramsSchema: jcpbaParams,
  formula: 'load = fixed + (1 - rho)·prunable for FLOPs (C0, C1), upload (S0, S1), memory (M0, M1); down = N·B_wire',
  load(ctx, params) {
    const rho = ctx.rho ?? params.rho;
    if (!(rho >= 0 && rho <= params.rhoMax)) {
      throw new Error(`jcpba: pruning rate rho = ${rho} outside [0, rhoMax = ${params.rhoMax}]`);
    }
    const split = jcpbaSplit(ctx, params);
    const { arch, work } = ctx;
    const n = paramCount(arch);
    const prunable = arch.layers * layerMatmulParams(arch);
    const keep = 1 - rho;
    const flops = split.fixedFlops + keep * split.prunableFlops;
    const dense = trainingCost(arch, work, fullFineTuningPlan(arch));
    return {
      flops,
      memoryBytes: split.fixedMemoryBytes + keep * split.prunableMemoryBytes,
      uploadBytes: split.fixedUploadBytes + keep * split.prunableUploadBytes,
      downloadBytes: n * wireBytes(work),
      trainedParams: n - prunable + keep * prunable,
      // Pruning removes traffic about as it removes FLOPs (an approximation: rows of the pruned
      // projections are neither read nor updated).
      memoryTrafficBytes: (dense.memoryTrafficBytes * flops) / dense.flops,
      split,
    };
  },
  training: jcpbaTraining,
};

/**
 * The split in the units of the `airtune solve` instance (docs/jcpba-model.md): FLOPs, bits, bytes.
 */
export function jcpbaSolverFields(split: LoadSplit): {
  fixedFlops: number;
  prunableFlops: number;
  fixedUploadBits: number;
  prunableUploadBits: number;
  fixedMemoryBytes: number;
  prunableMemoryBytes: number;
} {
  return {
    fixedFlops: split.fixedFlops,
    prunableFlops: split.prunableFlops,
    fixedUploadBits: 8 * split.fixedUploadBytes,
    prunableUploadBits: 8 * split.prunableUploadBytes,
    fixedMemoryBytes: split.fixedMemoryBytes,
    prunableMemoryBytes: split.prunableMemoryBytes,
  };
}
