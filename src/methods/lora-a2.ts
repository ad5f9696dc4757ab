/**
 * LoRA-A2 (Koo et al. 2024, "Towards Robust and Efficient Federated Low-Rank Adaptation with
 * Heterogeneous Clients", arXiv 2410.22815, ACL 2025). No official code was released (the paper's
 * Limitations section: "we plan to distribute the implementation code"; none found), so this
 * follows the paper's Algorithms 1 and 2 and Sections 4.1, 4.2, 5.5 and Appendix B.
 * - Alternating freeze (Sec. 4.1, Alg. 1): only B or only A is trained in a round, so the
 *   weighted sum of the trained factor is exact. Alg. 1 trains B in odd rounds t = 1, 3, ...
 *   (B starts at 0), i.e. our rounds 0, 2, 4, ... train B and rounds 1, 3, ... train A.
 * - Learning rates (Sec. 5.4, App. B): eta_B = 5 eta_A (`lrRatioB`), eta_A = the run's lr.
 * - Adaptive rank selection (Sec. 4.2, Alg. 2): each client first trains all r_G ranks of the
 *   round's factor for one of its E = 5 local epochs (a scoring pre-pass, `scoringFraction` 1/5),
 *   scores every rank i of every module m by S = ||ΔB[:,i] A[i,:]||_F (or ||B[:,i] ΔA[i,:]||_F),
 *   keeps the top r_i·N ranks over the WHOLE model (N = adapted modules in all layers;
 *   r_i = `rankBudget`, r_G = `rank`), then trains from the round's start with only those ranks
 *   updated (mask, eq. (6)) and uploads their change ΔB ⊙ M with their indices.
 * - Aggregation (Alg. 1): B <- B + Σ_k w_k ΔB_k with Σ_k w_k = 1 over the round's clients; a rank
 *   a client did not select counts as a zero change from it. Same for A in A-rounds.
 * - Compute (Sec. 5.5): the pre-pass is charged: about 1.17x FL+LoRA in the paper's measurement.
 *
 * Cost model. Which ranks a client keeps depends on its data, so the LLM-scale load uses the
 * expected selection under equal per-entry update magnitudes: a rank's score ||Δb|| ||a|| grows as
 * sqrt(out) in B-rounds (A rows keep the norm 1/sqrt(3) of their U(±1/sqrt(in)) init) and as
 * sqrt(in·out) in A-rounds (B columns grow with sqrt(out) from 0); the top r_i·N ranks are taken
 * by that score, ties split evenly over the tied modules (`loraA2ExpectedSelection`). On the
 * paper's setting (RoBERTa-base, all six projections, r_G = 16, 30 clients x 50 rounds) this gives
 * 0.270B / 0.539B / 0.912B / 1.327B uploaded values for r_i = 1 / 2 / 4 / 8 against the paper's
 * Table 1 0.270B / 0.528B / 0.888B / 1.31B (test/methods/seed-papers.test.ts).
 *   flops  = (steps + scoring steps)/steps · steps·tokens·(fwd + bwd w/o base weight grads + 2·P_trained)
 *   memory = N·weight bytes + P_lora·value bytes + P_trained·(grad + master + optimizer) + act
 *   up     = Σ_selected ranks dim·B_wire + (selected ranks)·4 B, dim = out (B) or in (A)
 *   down   = the factor aggregated in the previous round (round 0: both)
 */
import { z } from 'zod';
import type { Architecture } from '../costs/architecture.js';
import { linearProjections, type ProjectionName } from '../costs/params.js';
import { trainingCost } from '../costs/training.js';
import { arrayBytes, type LocalTraining, type TrainingRule } from '../training/federated/types.js';
import { initLora, loraTargets as adaptedParams, type Lora } from '../training/model/lora.js';
import type { Weights } from '../training/model/params.js';
import { mean, proxyProjection } from '../training/rules/common.js';
import { globalTopRanks, rankImportance, rankPositions } from '../training/rules/rank-importance.js';
import { trainSteps, type TokenBatch } from '../training/train/index.js';
import { INDEX_BYTES, loraParams, loraTargets, wireBytes, type LoraTarget } from './common.js';
import { projectionName } from './fedlora.js';
import { boundedCount } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import type { Method } from './types.js';

export const loraA2Params = z
  .object({
    /** r_G: rank of every global adapter (Sec. 5.3 selects from 16 ranks per module). */
    rank: boundedCount(LIMITS.loraRank, 'ranks').default(16).describe('r_G: rank of every global adapter (Koo et al. 2024, Sec. 5.3).'),
    /** r_i: the client's communication rank budget; it keeps rankBudget·N ranks over the model. */
    rankBudget: boundedCount(LIMITS.loraRank, 'ranks').default(2).describe("r_i: the client's communication rank budget (it keeps rankBudget x N ranks over the model)."),
    /** Adapted projections; default every linear projection of a layer (the paper's Fig. 3 modules). */
    targets: z.array(projectionName).min(1).optional(),
    /** LoRA scaling numerator (App. B merges W0 + 16/r ΔW). */
    alpha: z.number().positive().default(16),
    /** eta_B / eta_A (Sec. 5.4, App. B: 5, after LoRA+). */
    lrRatioB: z.number().positive().default(5),
    /** Scoring pre-pass as a fraction of the local steps (Sec. 4.2: 1 epoch, of E = 5 local epochs). */
    scoringFraction: z.number().min(0).max(1).default(0.2),
  })
  .strict();
export type LoraA2Params = z.output<typeof loraA2Params>;

/** The factor trained in `round` (from 0): B in even rounds, A in odd rounds. */
export const loraA2TrainedFactor = (round: number): 'A' | 'B' => (round % 2 === 0 ? 'B' : 'A');

/** The adapted projections: the params' targets, else every linear projection of `arch`. */
export function loraA2Targets(arch: Architecture, params: Pick<LoraA2Params, 'targets'>): ProjectionName[] {
  return params.targets ? [...new Set(params.targets)] : linearProjections(arch).map((p) => p.name);
}

/** Scoring pre-pass steps for `steps` local steps: max(1, round(fraction·steps)), 0 when the fraction is 0. */
export const loraA2ScoringSteps = (steps: number, fraction: number): number =>
  fraction === 0 ? 0 : Math.max(1, Math.round(fraction * steps));

/** One adapted module (a projection of one layer) and the ranks kept in it. */
export interface ModuleSelection {
  layer: number;
  target: LoraTarget;
  ranks: number;
}

/**
 * The expected global top-(budget·N) selection of the cost model (module comment): modules scored
 * sqrt(out) (B) or sqrt(in·out) (A), groups of equal score filled best first, a group that only
 * partly fits shared evenly (the first modules in layer order get the remainder).
 */
export function loraA2ExpectedSelection(
  arch: Architecture,
  targets: readonly LoraTarget[],
  rank: number,
  budget: number,
  factor: 'A' | 'B',
): ModuleSelection[] {
  const modules: ModuleSelection[] = [];
  for (let layer = 0; layer < arch.layers; layer++) for (const target of targets) modules.push({ layer, target, ranks: 0 });
  const score = (t: LoraTarget) => (factor === 'B' ? Math.sqrt(t.outFeatures) : Math.sqrt(t.inFeatures * t.outFeatures));
  const groups = new Map<number, ModuleSelection[]>();
  for (const m of modules) groups.set(score(m.target), [...(groups.get(score(m.target)) ?? []), m]);
  let left = Math.min(budget, rank) * modules.length;
  for (const s of [...groups.keys()].sort((a, b) => b - a)) {
    const g = groups.get(s)!;
    const take = Math.min(left, rank * g.length);
    const each = Math.floor(take / g.length);
    g.forEach((m, i) => (m.ranks = each + (i < take - each * g.length ? 1 : 0)));
    left -= take;
  }
  return modules;
}

/** A LoRA-A2 client's round: the frozen base, the global adapters, the factor to train. */
export interface LoraA2Config {
  client: number;
  round: number;
  factor: 'A' | 'B';
  weights: Weights;
  lora: Lora;
  batches: TokenBatch[];
  local: LocalTraining;
  seed: number;
}

/** One module's upload: the kept ranks (int32) and the change of the trained factor at them. */
export interface LoraA2ModuleUpload {
  ranks: Int32Array;
  /** B: out × kept (row i holds ΔB[i, ranks]); A: kept × in (the rows ΔA[ranks, :]). */
  delta: Float32Array;
}

export interface LoraA2Update {
  factor: 'A' | 'B';
  /** Keyed by the adapted parameter, e.g. `l0.attn.wq`; modules with no kept rank are absent. */
  modules: Record<string, LoraA2ModuleUpload>;
}

/**
 * Training side (Alg. 2 on the proxy). Client: (1) scoring pre-pass, `loraA2ScoringSteps` steps
 * on the round's first batches training every rank of the round's factor (discarded after
 * scoring); (2) scores (rank-importance.ts) and the global top rankBudget·N ranks
 * (`globalTopRanks`); (3) `local.steps` steps from the round's start with only the kept ranks
 * updated (trainSteps `updateMasks`), lr·lrRatioB in B-rounds; uploads the kept ranks' change.
 * Server: factor += Σ_k w_k Δ_k / Σ_k w_k (Alg. 1), the frozen factor unchanged.
 */
export const loraA2Training: TrainingRule<LoraA2Params, LoraA2Config, LoraA2Update> = {
  init(base, ctx, params) {
    const targets = loraA2Targets(ctx.arch, params).map((t) => proxyProjection(ctx.arch, t));
    return { weights: base, lora: initLora(ctx.arch, { rank: params.rank, alpha: params.alpha, targets }, ctx.seed) };
  },
  configure(global, round, plan, ctx) {
    if (!global.lora) throw new Error('lora-a2: the global model has no adapters (init not called?)');
    return {
      client: plan.client,
      round,
      factor: loraA2TrainedFactor(round),
      weights: global.weights,
      lora: global.lora,
      batches: ctx.batches(plan.client, round),
      local: ctx.local,
      seed: ctx.seed,
    };
  },
  clientWork(config, params, arch) {
    const { factor, lora } = config;
    const names = adaptedParams(lora);
    const key = (n: string) => `${n}.${factor}`;
    const lr = factor === 'B' ? config.local.lr * params.lrRatioB : config.local.lr;
    const train = (batches: TokenBatch[], updateMasks?: Record<string, Uint8Array>) =>
      trainSteps({
        arch,
        weights: config.weights,
        trainable: factor === 'B' ? 'lora-B' : 'lora-A',
        lora,
        batches,
        lr,
        optimizer: config.local.optimizer,
        clipNorm: config.local.clipNorm,
        seed: config.seed,
        updateMasks,
      });
    const pair = (w: Weights, n: string) => ({ A: w[`${n}.A`]!, B: w[`${n}.B`]! });
    const scoring = loraA2ScoringSteps(config.batches.length, params.scoringFraction);
    const budget = Math.min(params.rankBudget, lora.rank) * names.length;
    let kept: Int32Array[];
    if (scoring > 0 && budget < lora.rank * names.length) {
      const scored = train(config.batches.slice(0, scoring)).lora!.weights;
      kept = globalTopRanks(names.map((n) => rankImportance(factor, lora.rank, pair(lora.weights, n), pair(scored, n))), budget);
    } else {
      kept = names.map(() => Int32Array.from({ length: lora.rank }, (_, k) => k).slice(0, Math.min(lora.rank, budget)));
    }
    const masks: Record<string, Uint8Array> = {};
    names.forEach((n, i) => {
      const m = new Uint8Array(lora.weights[key(n)]!.length);
      for (const p of rankPositions(factor, kept[i]!, lora.rank, m.length)) m[p] = 1;
      masks[key(n)] = m;
    });
    const r = train(config.batches, masks);
    const trained = r.lora!.weights;
    const modules: Record<string, LoraA2ModuleUpload> = {};
    names.forEach((n, i) => {
      if (kept[i]!.length === 0) return;
      const before = lora.weights[key(n)]!;
      const after = trained[key(n)]!;
      const positions = rankPositions(factor, kept[i]!, lora.rank, before.length);
      modules[n] = { ranks: kept[i]!, delta: Float32Array.from(positions, (p) => after[p]! - before[p]!) };
    });
    const sent = Object.values(modules).flatMap((m) => [m.ranks, m.delta]);
    return { client: config.client, update: { factor, modules }, uploadBytes: arrayBytes(sent), trainLoss: mean(r.losses) };
  },
  aggregate(global, _round, updates) {
    const lora = global.lora!;
    const total = updates.reduce((a, u) => a + u.weight, 0);
    if (!(total > 0)) throw new Error('lora-a2: aggregation weights sum to zero');
    const sums: Record<string, Float64Array> = {};
    for (const { weight, update } of updates) {
      const { factor, modules } = update.update;
      for (const [name, m] of Object.entries(modules)) {
        const k = `${name}.${factor}`;
        const acc = (sums[k] ??= new Float64Array(lora.weights[k]!.length));
        const positions = rankPositions(factor, m.ranks, lora.rank, acc.length);
        positions.forEach((p, j) => (acc[p]! += (weight / total) * m.delta[j]!));
      }
    }
    const weights: Weights = { ...lora.weights };
    for (const [k, acc] of Object.entries(sums)) weights[k] = Float32Array.from(lora.weights[k]!, (v, i) => v + acc[i]!);
    return { ...global, lora: { ...lora, weights } };
  },
};

export const loraA2: Method<LoraA2Params> = {
  id: 'lora-a2',
  title: 'LoRA-A2: alternating freeze + global adaptive rank selection (Koo et al. 2024)',
  paramsSchema: loraA2Params,
  formula: 'train B (even rounds) or A (odd); scoring pre-pass; up = global top rankBudget·N ranks of the trained factor + indices; down = last round\'s factor',
  load({ arch, work, round }, params) {
    const targets = loraTargets(arch, loraA2Targets(arch, params));
    const full = loraParams(arch, targets, params.rank);
    const factor = loraA2TrainedFactor(round);
    const trained = factor === 'B' ? full.b : full.a;
    const selection = loraA2ExpectedSelection(arch, targets, params.rank, params.rankBudget, factor);
    const sentRanks = selection.reduce((a, m) => a + m.ranks, 0);
    const sentValues = selection.reduce((a, m) => a + m.ranks * (factor === 'B' ? m.target.outFeatures : m.target.inFeatures), 0);
    const previous = round === 0 ? full.a + full.b : loraA2TrainedFactor(round - 1) === 'B' ? full.b : full.a;
    const cost = trainingCost(arch, work, {
      trainedBaseParams: 0,
      trainedBaseMatmulParams: 0,
      adapterParams: full.a + full.b,
      trainedAdapterParams: trained,
      backpropFromLayer: 0,
    });
    const scoring = loraA2ScoringSteps(work.localSteps, params.scoringFraction);
    return {
      flops: (cost.flops * (work.localSteps + scoring)) / work.localSteps,
      memoryBytes: cost.memoryBytes,
      uploadBytes: sentValues * wireBytes(work) + sentRanks * INDEX_BYTES,
      downloadBytes: previous * wireBytes(work),
      trainedParams: trained,
      memoryTrafficBytes: (cost.memoryTrafficBytes * (work.localSteps + scoring)) / work.localSteps,
    };
  },
  training: loraA2Training,
};
