/**
 * FedKSeed (Qin et al. 2024, "Federated Full-Parameter Tuning of Billion-Sized Language Models
 * with Communication Cost under 18 Kilobytes", ICML). Zeroth-order full-parameter tuning with K
 * candidate seeds shared by server and clients:
 * - each local step picks a seed j, estimates the directional derivative with two forward passes
 *   at w ± eps·z_j (MeZO-style, z_j regenerated from the seed in place, no gradient or optimizer
 *   memory) and updates w -= lr·g·z_j; the client uploads (seed index, scalar g): 4 + 4 bytes;
 * - the server keeps one accumulated scalar per seed and sends those K scalars (4 B each); the
 *   model is rebuilt by replaying the accumulated scalars onto the pre-trained weights:
 *   w = w0 - lr·Σ_j G_j·z_j.
 * Official code (github.com/alibaba/FederatedScope, branch FedKSeed, commit d7e07487): main.py
 * defaults `--zo_eps 0.0005`, `-K 4096`, `--local_step 200`, `--lr 0.001`, FedKSeed-Pro
 * `--bias_loss_clip 1000.0`, `--grad_initial 0.0`; optimizers/mezo_optimizer.py
 * `MeZOFramework.zo_step` (perturb +eps, -2eps, +eps, then update) and server.py
 * `Server.update_global_model_by_seed_pool` (replay from w0, skipping seeds whose accumulated
 * scalar is 0: `if grad != 0.0`).
 * FLOPs: regenerating one value of z and a fused multiply-add costs (rngFlopsPerValue + 2) FLOPs
 * (rngFlopsPerValue is an assumption, default 2). Per step: 2 forward passes + 4 sweeps over the
 * N parameters (perturb +, perturb -2, restore, update); per round the replay: one sweep per
 * replayed seed.
 *   flops  = steps·(2·tokens·F_fwd + 4·N·c) + R·N·c,  c = 2 + rngFlopsPerValue
 *   R      = replayed seeds: `replay: incremental` (default, the official code) the expected number
 *            of seeds with a non-zero accumulated scalar, K·(1 - (1 - 1/K)^S) with S = round·clients·steps
 *            earlier steps (uniform sampling; an upper bound for FedKSeed-Pro); `replay: full` K
 *   memory = N·weight bytes + one layer's activations + logits (inference only)
 *   traffic = steps·(2·memory + 8·W) + R·2·W   (W = N·weight bytes; roofline, src/devices/compute.ts)
 *   up = 8·steps bytes, down = 4·K bytes (K = 4096, 200 steps: 17,984 B)
 */
import { z } from 'zod';
import { boundedCount } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import { forwardFlopsPerToken } from '../costs/flops.js';
import { paramCount } from '../costs/params.js';
import { inferenceMemoryBytes, modelWeightBytes, tokensPerStep } from '../costs/training.js';
import type { Architecture } from '../costs/architecture.js';
import { RandomStream } from '../random/index.js';
import type { TrainingRule } from '../training/federated/types.js';
import type { Weights } from '../training/model/params.js';
import { mean } from '../training/rules/common.js';
import {
  perturbed,
  perturbedParams,
  projectedGradient,
  replaySeeds,
  sampleIndex,
  seedDirection,
  seedProbabilities,
  stepAlong,
} from '../training/rules/zeroth-order.js';
import { lossOn, type TokenBatch } from '../training/train/index.js';
import type { Method } from './types.js';

export const fedkseedParams = z
  .object({
    seeds: boundedCount(LIMITS.seeds, 'seeds').default(4096).describe('K: candidate seeds of the zeroth-order directions (Qin et al. 2024).'),
    /** Local steps per round; defaults to the model's localSteps. */
    steps: boundedCount(LIMITS.localSteps, 'local steps per round').optional().describe("Local steps per round (default: the model's localSteps)."),
    rngFlopsPerValue: z.number().nonnegative().max(1e6).default(2),
    /** Training side: perturbation scale of the central difference (official main.py `--zo_eps 0.0005`). */
    eps: z.number().positive().default(5e-4),
    /**
     * Training side: zeroth-order SGD step size (w -= lr·g·z). Its own value, not the scenario's
     * first-order lr: the step along z ~ N(0, I_N) has norm ~ lr·|g|·sqrt(N).
     */
    lr: z.number().positive().default(1e-3),
    /**
     * Seed sampling: 'uniform' (FedKSeed) or 'importance' (FedKSeed-Pro: probabilities from the
     * seeds' mean |scalar|, see `seedProbabilities`).
     */
    sampling: z.enum(['uniform', 'importance']).default('uniform'),
    /**
     * FedKSeed-Pro: scalars are clamped to ±clip before their magnitude counts (official main.py
     * `--bias_loss_clip 1000.0`, used in server.py `Server.calculate_probabilities`).
     */
    importanceClip: z.number().positive().default(1000),
    /**
     * Replay cost charged per round: `incremental` (official code: only seeds whose accumulated
     * scalar is non-zero are replayed, so the replay grows from 0 to K seeds as rounds pass) or
     * `full` (all K seeds every round, the paper's bound).
     */
    replay: z.enum(['incremental', 'full']).default('incremental'),
  })
  .strict();
export type FedKSeedParams = z.output<typeof fedkseedParams>;

/** Bytes of one uploaded (seed index, projected gradient) pair. */
export const FEDKSEED_UPLOAD_BYTES_PER_STEP = 8;
/** Bytes of one accumulated scalar per seed in the download. */
export const FEDKSEED_DOWNLOAD_BYTES_PER_SEED = 4;

/**
 * Seeds a client replays to rebuild the model before a round: `full` K; `incremental` the expected
 * number of the K seeds drawn at least once in the `earlierSteps` uniform draws of all clients'
 * earlier rounds, K·(1 - (1 - 1/K)^earlierSteps) (the official replay skips seeds whose
 * accumulated scalar is still 0).
 */
export function fedkseedReplayedSeeds(seeds: number, replay: 'incremental' | 'full', earlierSteps: number): number {
  if (replay === 'full') return seeds;
  if (earlierSteps <= 0) return 0;
  if (seeds === 1) return 1;
  return seeds * -Math.expm1(earlierSteps * Math.log1p(-1 / seeds));
}

/** Server state: the pre-trained weights, the K accumulated scalars and Pro's magnitude history. */
export interface FedKSeedState {
  base: Weights;
  /** G_j = Σ over rounds of the weighted mean over clients of Σ_t g_t for seed j (float32: the download). */
  scalars: Float32Array;
  /** Σ |clamp(g)| and number of scalars seen per seed (FedKSeed-Pro importance). */
  absSum: Float64Array;
  count: Float64Array;
}

export interface FedKSeedConfig {
  client: number;
  round: number;
  /** The pre-trained weights the device already holds (not downloaded). */
  base: Weights;
  /** The download: K accumulated scalars. */
  scalars: Float32Array;
  /** FedKSeed-Pro only: seed sampling probabilities. */
  probabilities?: Float64Array;
  batches: TokenBatch[];
  seed: number;
  /**
   * The model the replay of `scalars` onto `base` gives, when the server already has it. The
   * replay is bit-identical on client and server (tested), so handing the client the server's
   * copy changes no result and saves K x N work per client and round in the simulation; the
   * timing model still charges the device for the replay (see `load`).
   */
  start?: Weights;
}

/** The upload: one (seed index int32, projected gradient float32) pair per local step. */
export interface FedKSeedUpdate {
  seeds: Int32Array;
  scalars: Float32Array;
}

/** The model a client rebuilds from the download: w = base - lr·Σ_j G_j·z_j. */
export function fedkseedClientModel(config: FedKSeedConfig, params: FedKSeedParams, arch: Architecture): Weights {
  return replaySeeds(arch, config.base, config.scalars, params.lr, config.seed);
}

/**
 * A client's local zeroth-order steps from `start` (Alg. 1 of Qin et al.): per step, sample seed
 * j (uniform, or from `probabilities`), regenerate z_j, g = (L(w + eps·z) - L(w - eps·z)) / 2eps
 * on the step's batch, w <- w - lr·g·z. Perturbed models are copies (not MeZO's in-place
 * perturb/restore), so `weights` is exactly what replaying (seeds, scalars) onto `start` gives.
 */
export function fedkseedLocal(
  arch: Architecture,
  start: Weights,
  batches: readonly TokenBatch[],
  opts: { seeds: number; eps: number; lr: number; runSeed: number; stream: RandomStream; probabilities?: Float64Array },
): { weights: Weights; seeds: Int32Array; scalars: Float32Array; losses: number[] } {
  const { names, size } = perturbedParams(arch);
  const w: Weights = { ...start };
  for (const n of names) w[n] = start[n]!.slice();
  const seeds = new Int32Array(batches.length);
  const scalars = new Float32Array(batches.length);
  const losses: number[] = [];
  batches.forEach((b, t) => {
    const j = opts.probabilities ? sampleIndex(opts.probabilities, opts.stream.uniform01()) : opts.stream.int(opts.seeds);
    const z = seedDirection(opts.runSeed, j, size);
    const plus = lossOn(arch, perturbed(w, names, z, opts.eps), b.tokens, b.batch, b.seqLen);
    const minus = lossOn(arch, perturbed(w, names, z, -opts.eps), b.tokens, b.batch, b.seqLen);
    const g = projectedGradient(plus, minus, opts.eps);
    stepAlong(w, names, z, opts.lr * g);
    seeds[t] = j;
    scalars[t] = g;
    losses.push((plus + minus) / 2);
  });
  return { weights: w, seeds, scalars, losses };
}

/**
 * Training side. Server: keeps K scalars; aggregation adds, per seed, the weighted mean over the
 * arrived clients of their scalars for that seed (the FedAvg of the clients' model changes, which
 * are Σ_t -lr·g_t·z_{j_t}), and rebuilds the global model by the same replay the clients run.
 * Client: rebuilds the model from base + scalars (the K-seed replay the cost model counts; seeds
 * with G_j = 0 are skipped, which is exact), then `steps` zeroth-order steps; uploads 8 B/step.
 * The whole model is perturbed (every proxy parameter, see zeroth-order.ts).
 */
export const fedkseedTraining: TrainingRule<FedKSeedParams, FedKSeedConfig, FedKSeedUpdate, FedKSeedState> = {
  init(base, _ctx, params) {
    const k = params.seeds;
    return {
      weights: base,
      state: { base, scalars: new Float32Array(k), absSum: new Float64Array(k), count: new Float64Array(k) },
    };
  },
  configure(global, round, plan, ctx, params) {
    const s = global.state!;
    return {
      client: plan.client,
      round,
      base: s.base,
      scalars: s.scalars,
      probabilities: params.sampling === 'importance' ? seedProbabilities(s.absSum, s.count) : undefined,
      batches: ctx.batches(plan.client, round, params.steps ?? ctx.local.steps),
      seed: ctx.seed,
      start: global.weights,
    };
  },
  clientWork(config, params, arch) {
    const start = config.start ?? fedkseedClientModel(config, params, arch);
    const r = fedkseedLocal(arch, start, config.batches, {
      seeds: params.seeds,
      eps: params.eps,
      lr: params.lr,
      runSeed: config.seed,
      stream: RandomStream.of(config.seed, 'fedkseed', 'sample', config.client, config.round),
      probabilities: config.probabilities,
    });
    return {
      client: config.client,
      update: { seeds: r.seeds, scalars: r.scalars },
      uploadBytes: r.seeds.byteLength + r.scalars.byteLength,
      trainLoss: mean(r.losses),
    };
  },
  aggregate(global, _round, updates, ctx, params) {
    const s = global.state!;
    const total = updates.reduce((a, u) => a + u.weight, 0);
    if (!(total > 0)) throw new Error('fedkseed: aggregation weights sum to zero');
    const delta = new Float64Array(params.seeds);
    const absSum = s.absSum.slice();
    const count = s.count.slice();
    for (const { weight, update } of updates) {
      const { seeds, scalars } = update.update;
      for (let t = 0; t < seeds.length; t++) {
        const j = seeds[t]!;
        const g = scalars[t]!;
        delta[j]! += (weight / total) * g;
        absSum[j]! += Math.min(Math.abs(g), params.importanceClip);
        count[j]! += 1;
      }
    }
    const scalars = s.scalars.slice();
    for (let j = 0; j < scalars.length; j++) if (delta[j] !== 0) scalars[j] = scalars[j]! + delta[j]!;
    const weights = replaySeeds(ctx.arch, s.base, scalars, params.lr, ctx.seed);
    return { ...global, weights, state: { base: s.base, scalars, absSum, count } };
  },
};

export const fedkseed: Method<FedKSeedParams> = {
  id: 'fedkseed',
  title: 'FedKSeed: zeroth-order tuning with K seeds (Qin et al. 2024)',
  paramsSchema: fedkseedParams,
  formula: 'flops = steps·(2·fwd·tokens + 4·N·c) + R·N·c (R replayed seeds: incremental or K); mem = inference; up = 8 B·steps; down = 4 B·K',
  load({ arch, work, round, clients }, params) {
    const n = paramCount(arch);
    const steps = params.steps ?? work.localSteps;
    const perValue = 2 + params.rngFlopsPerValue;
    const stepFlops = 2 * tokensPerStep(work) * forwardFlopsPerToken(arch, work.seqLen) + 4 * n * perValue;
    const weights = modelWeightBytes(arch, work);
    const memory = inferenceMemoryBytes(arch, work);
    const replayed = fedkseedReplayedSeeds(params.seeds, params.replay, round * Math.max(clients, 1) * steps);
    return {
      flops: steps * stepFlops + replayed * n * perValue,
      memoryBytes: memory,
      uploadBytes: steps * FEDKSEED_UPLOAD_BYTES_PER_STEP,
      downloadBytes: params.seeds * FEDKSEED_DOWNLOAD_BYTES_PER_SEED,
      trainedParams: n,
      // Per step two forward passes (weights + one layer's activations each) and four read-write
      // sweeps over the weights; per replayed seed one read-write sweep.
      memoryTrafficBytes: steps * (2 * memory + 8 * weights) + replayed * 2 * weights,
    };
  },
  training: fedkseedTraining,
};
