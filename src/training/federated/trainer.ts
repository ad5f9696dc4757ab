/**
 * The federated trainer: couples real tfjs training of the proxy model to the simulation. The
 * simulation decides WHO contributes to each aggregation and with which weight / staleness /
 * pruning rate (src/simulation/run.ts); this trainer does what those clients would have computed
 * (the method's `training` rule, run as pool tasks) and reports the losses.
 *
 * Common random numbers: every method of a run starts from the same pre-trained base (cached per
 * architecture, seed and warm-up settings) and client k's batches in round t are drawn from
 * `RandomStream.of(seed, 'train-batches', k, t)`, whatever the method. Results do not depend on the
 * number of pool workers (tasks are self-contained and returned in order).
 */
import type { Architecture } from '../../costs/architecture.js';
import { getMethod } from '../../methods/registry.js';
import { RandomStream } from '../../random/index.js';
import type { RoundLosses, Trainer } from '../losses.js';
import { backendId, type BackendName } from '../backend.js';
import type { TrainingConfig } from '../config.js';
import {
  buildCorpus,
  evalBatches,
  formatGsm8k,
  formatYahoo,
  generateGsm8kLike,
  generateYahooLike,
  loadFederatedData,
  sampleBatch,
  type EvalBatch,
  type FederatedData,
} from '../data/index.js';
import { initWeights, proxyParamCount, type Weights } from '../model/params.js';
import { createExecutor, type LossTask, type MethodTask, type TrainingExecutor, type TrainTask } from '../pool/index.js';
import type { TokenBatch } from '../train/index.js';
import type { ClientUpdate, FlContext, GlobalModel, LocalTraining, TrainingRule } from './types.js';

/** What the methods of one run share: config, data, the pool and the held-out batches. */
export interface TrainingEnvironment {
  config: TrainingConfig;
  arch: Architecture;
  seed: number;
  clients: number;
  data: FederatedData;
  executor: TrainingExecutor;
  /** The fixed held-out batches of every evaluation. */
  evalSet: EvalBatch[];
  local: LocalTraining;
  /** Client k's training tokens (a natural aggregation weight, FedAvg's n_k). */
  clientTokens: number[];
  /** Stops the pool if this environment created it. */
  close(): Promise<void>;
}

export interface EnvironmentOptions {
  seed: number;
  /** Total clients in the scenario. */
  clients: number;
  /** Folder of the scenario file (resolves `data.path`). */
  baseDir: string;
  /** Use this pool (not closed by `close()`); default: a new one per `config.workers`/`backend`. */
  executor?: TrainingExecutor;
}

/** Load the data and start the pool once for all methods of a run. */
export async function createTrainingEnvironment(config: TrainingConfig, opts: EnvironmentOptions): Promise<TrainingEnvironment> {
  const data = loadFederatedData(config.data, { seed: opts.seed, clients: opts.clients, baseDir: opts.baseDir });
  const executor =
    opts.executor ??
    (await createExecutor({
      ...(config.workers !== undefined ? { workers: config.workers } : {}),
      ...(config.backend !== 'auto' ? { backend: config.backend as BackendName } : {}),
    }));
  const evalSet = evalBatches(data.test, config.batchSize, config.seqLen + 1, config.evalBatches);
  const local: LocalTraining = {
    steps: config.localSteps,
    batchSize: config.batchSize,
    seqLen: config.seqLen,
    lr: config.lr,
    optimizer: config.optimizer,
    ...(config.clipNorm !== undefined ? { clipNorm: config.clipNorm } : {}),
  };
  return {
    config,
    arch: config.arch,
    seed: opts.seed,
    clients: opts.clients,
    data,
    executor,
    evalSet,
    local,
    clientTokens: data.train.map((c) => c.tokens.length),
    close: async () => {
      if (!opts.executor) await executor.close();
    },
  };
}

/** The FL context of a run: batches of client k in round t from `RandomStream.of(seed, 'train-batches', k, t)`. */
export function flContext(env: TrainingEnvironment): FlContext {
  const { data, local, seed } = env;
  return {
    arch: env.arch,
    seed,
    clients: env.clients,
    local,
    batches(client, round, count = local.steps) {
      const corpus = data.train[client];
      if (!corpus) throw new Error(`client ${client} has no training data (${data.train.length} clients)`);
      const stream = RandomStream.of(seed, 'train-batches', client, round);
      return Array.from({ length: count }, () => ({
        tokens: sampleBatch(corpus, local.batchSize, local.seqLen + 1, stream),
        batch: local.batchSize,
        seqLen: local.seqLen,
      }));
    },
  };
}

// Pre-trained bases by (architecture, seed, warm-up settings, backend): every method of a run
// (and every run in this process with the same settings) starts from the same weights.
const pretrainCache = new Map<string, Promise<Weights>>();

/** Records of generic text for the warm-up. */
const PRETRAIN_RECORDS = 1000;

/**
 * The base model before federated fine-tuning: `initWeights(arch, seed)` then `pretrainSteps`
 * centralised steps on generated text of ANOTHER domain than the FL data (Yahoo-Answers-like
 * text, or GSM8K-like text when the FL data is Yahoo), so that federated fine-tuning is a domain
 * shift from a pre-trained model, as LoRA-style methods assume. Deterministic from the seed;
 * cached in memory.
 */
export function pretrainedBase(env: TrainingEnvironment): Promise<Weights> {
  const c = env.config;
  const domain = c.data.source === 'generated-yahoo' || c.data.source === 'yahoo' ? 'gsm8k-like' : 'yahoo-like';
  const key = JSON.stringify([env.arch, env.seed, c.pretrainSteps, c.pretrainLr, c.batchSize, c.seqLen, c.optimizer, c.clipNorm, domain, backendId(env.executor.backend)]);
  let p = pretrainCache.get(key);
  if (!p) {
    p = (async () => {
      const init = initWeights(env.arch, env.seed);
      if (c.pretrainSteps === 0) return init;
      const texts =
        domain === 'yahoo-like'
          ? generateYahooLike(PRETRAIN_RECORDS, env.seed).map(formatYahoo)
          : generateGsm8kLike(PRETRAIN_RECORDS, env.seed).map(formatGsm8k);
      const corpus = buildCorpus(texts);
      const stream = RandomStream.of(env.seed, 'pretrain-batches');
      const batches: TokenBatch[] = Array.from({ length: c.pretrainSteps }, () => ({
        tokens: sampleBatch(corpus, c.batchSize, c.seqLen + 1, stream),
        batch: c.batchSize,
        seqLen: c.seqLen,
      }));
      const task: TrainTask = {
        kind: 'train',
        arch: env.arch,
        weights: init,
        trainable: 'all',
        batches,
        lr: c.pretrainLr,
        optimizer: c.optimizer,
        ...(c.clipNorm !== undefined ? { clipNorm: c.clipNorm } : {}),
        seed: env.seed,
      };
      const [r] = await env.executor.run([task]);
      return r!.weights;
    })();
    pretrainCache.set(key, p);
    p.catch(() => pretrainCache.delete(key));
  }
  return p;
}

/** Mean nats/token of a model over the environment's fixed held-out batches (rows-weighted). */
export async function testLoss(env: TrainingEnvironment, model: GlobalModel): Promise<number> {
  const tasks: LossTask[] = env.evalSet.map((b) => ({
    kind: 'loss',
    arch: env.arch,
    weights: model.weights,
    tokens: b.tokens,
    batch: b.rows,
    seqLen: env.local.seqLen,
    ...(model.lora ? { lora: model.lora } : {}),
    ...(model.masks ? { masks: model.masks } : {}),
  }));
  const results = await env.executor.run(tasks);
  let sum = 0;
  let rows = 0;
  results.forEach((r, i) => {
    sum += r.loss * env.evalSet[i]!.rows;
    rows += env.evalSet[i]!.rows;
  });
  return sum / rows;
}

export interface FederatedTrainerOptions {
  /** The method entry: id and (unparsed or parsed) params. */
  method: { id: string; params?: unknown };
  /** Shared per run (see createTrainingEnvironment); not closed by the trainer. */
  env: TrainingEnvironment;
  /** Global versions kept for stale (async) clients; older requests use the oldest kept. Default 32. */
  keepVersions?: number;
}

export interface Contribution {
  client: number;
  weight: number;
  staleness: number;
  rho?: number;
}

export interface FederatedTrainer extends Trainer {
  aggregate(round: number, contributions: Contribution[]): Promise<RoundLosses>;
  /** Test loss of the current global model (e.g. round 0, before any aggregation). */
  evaluate(): Promise<number>;
  /** The current global model. */
  global(): GlobalModel;
  /** Per-client bytes actually uploaded in the last aggregation (in contribution order). */
  lastUploadBytes(): { client: number; uploadBytes: number }[];
  /** Times a contribution was staler than the versions kept (it used the oldest kept). */
  readonly staleClamps: number;
  /** e.g. "fedavg on proxy 124,672 params, tfjs-wasm (SIMD), 2 workers". */
  describe(): string;
  /** Releases the trainer's versions (the environment's pool is closed by the environment). */
  close(): Promise<void>;
}

/** A trainer for one method entry of a run. Pre-trains (or reuses the cached base) first. */
export async function createFederatedTrainer(opts: FederatedTrainerOptions): Promise<FederatedTrainer> {
  const { env } = opts;
  const method = getMethod(opts.method.id);
  const rule = method.training as TrainingRule<unknown> | undefined;
  if (!rule) throw new Error(`method "${method.id}" has no training rule on the tfjs proxy yet`);
  const params = method.paramsSchema.parse(opts.method.params ?? {});
  const ctx = flContext(env);
  const keep = opts.keepVersions ?? 32;
  const base = await pretrainedBase(env);
  // versions.get(v) = the global model after v aggregations (0 = initial).
  const versions = new Map<number, GlobalModel>([[0, rule.init(base, ctx, params)]]);
  let latest = 0;
  let uploads: { client: number; uploadBytes: number }[] = [];
  let clamps = 0;
  let closed = false;

  const versionFor = (round: number, staleness: number): GlobalModel => {
    const want = round - 1 - staleness;
    const got = versions.get(want);
    if (got) return got;
    if (want > latest || want < 0) {
      throw new Error(`${method.id}: aggregation ${round} with staleness ${staleness} refers to version ${want}; versions 0..${latest} exist`);
    }
    clamps++;
    return versions.get(Math.min(...versions.keys()))!;
  };

  const trainer: FederatedTrainer = {
    get staleClamps() {
      return clamps;
    },
    async aggregate(round, contributions) {
      if (closed) throw new Error('trainer is closed');
      if (round !== latest + 1) throw new Error(`${method.id}: aggregation ${round} after ${latest}; rounds must follow each other`);
      const current = versions.get(latest)!;
      let next = current;
      let trainLoss: number | null = null;
      uploads = [];
      // Rules count rounds from 0, as the cost model does (the planner passes round - 1) and the
      // in-process harness: aggregation 1 is the rules' round 0 (LoRA-A2 trains B first, Alg. 1).
      const ruleRound = round - 1;
      if (contributions.length > 0 && method.schedule === 'sequential') {
        // Clients in order, each from the model the previous one left (FedCyBGD's cycle): one
        // task at a time, the rule's aggregate of a single update applies it.
        const losses: number[] = [];
        for (const c of contributions) {
          const plan = c.rho !== undefined ? { client: c.client, rho: c.rho } : { client: c.client };
          const task: MethodTask = { kind: 'method', method: method.id, arch: env.arch, config: rule.configure(next, ruleRound, plan, ctx, params), params };
          const [r] = await env.executor.run([task]);
          const update = r!.update as ClientUpdate;
          next = rule.aggregate(next, ruleRound, [{ weight: c.weight, update }], ctx, params);
          uploads.push({ client: update.client, uploadBytes: update.uploadBytes });
          losses.push(update.trainLoss);
        }
        trainLoss = losses.reduce((a, b) => a + b, 0) / losses.length;
      } else if (contributions.length > 0) {
        const tasks: MethodTask[] = contributions.map((c) => {
          const plan = c.rho !== undefined ? { client: c.client, rho: c.rho } : { client: c.client };
          return {
            kind: 'method',
            method: method.id,
            arch: env.arch,
            config: rule.configure(versionFor(round, c.staleness), ruleRound, plan, ctx, params),
            params,
          };
        });
        const results = await env.executor.run(tasks);
        const updates = results.map((r, i) => ({ weight: contributions[i]!.weight, update: r.update as ClientUpdate }));
        next = rule.aggregate(current, ruleRound, updates, ctx, params);
        uploads = updates.map((u) => ({ client: u.update.client, uploadBytes: u.update.uploadBytes }));
        trainLoss = updates.reduce((s, u) => s + u.update.trainLoss, 0) / updates.length;
      }
      latest = round;
      versions.set(round, next);
      for (const v of [...versions.keys()]) if (v <= round - keep) versions.delete(v);
      const evalNow = round % env.config.evalEvery === 0;
      return { trainLoss, testLoss: evalNow ? await testLoss(env, next) : null };
    },
    evaluate: () => testLoss(env, versions.get(latest)!),
    global: () => versions.get(latest)!,
    lastUploadBytes: () => uploads.slice(),
    describe() {
      const b = env.executor.backend;
      const backend = `tfjs-${b.name}${b.name === 'wasm' && b.simd ? ' (SIMD)' : ''}`;
      const workers = env.executor.workers === 0 ? 'in-process' : `${env.executor.workers} workers`;
      return `${method.id} on ${env.arch.name} ${proxyParamCount(env.arch).toLocaleString('en-US')} params, ${backend}, ${workers}`;
    },
    async close() {
      closed = true;
      versions.clear();
    },
  };
  return trainer;
}
