import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { PROXY } from '../../src/costs/presets.js';
import type { LocalWork } from '../../src/costs/schema.js';
import { fedkseed, fedkseedTraining, fedkseedClientModel, fedkseedLocal, fedkseedParams, fedkseedReplayedSeeds } from '../../src/methods/fedkseed.js';
import { paramCount } from '../../src/costs/params.js';
import { ctx as costCtx } from './helpers.js';
import { RandomStream } from '../../src/random/index.js';
import { initBackend } from '../../src/training/backend.js';
import { buildCorpus, formatGsm8k, generateGsm8kLike } from '../../src/training/data/index.js';
import type { LocalTraining } from '../../src/training/federated/types.js';
import { defaultProxy, initWeights, paramNames, type Weights } from '../../src/training/model/index.js';
import { corpusContext, globalLoss, heldOutLossDrop, runInProcess } from '../../src/training/rules/harness.js';
import { expectDisjoint } from './helpers.js';
import { replaySteps, seedProbabilities } from '../../src/training/rules/zeroth-order.js';
import { lossAndGrads, lossOn } from '../../src/training/train/index.js';

const arch: Architecture = { ...defaultProxy(), name: 'ks-small', layers: 1, hidden: 32, ffn: 64, maxPositions: 32 };
const local: LocalTraining = { steps: 50, batchSize: 4, seqLen: 16, lr: 1e-2, optimizer: 'adam' };
const texts = generateGsm8kLike(60, 7).map(formatGsm8k);
const corpus = buildCorpus(texts);
const rule: typeof fedkseedTraining = fedkseed.training!;

beforeAll(async () => {
  await initBackend('wasm');
});

/** z of seed j regenerated here, independently of the rule's helpers: N(0,1) over all parameters in order. */
function direction(runSeed: number, j: number, w: Weights): Weights {
  const rs = RandomStream.of(runSeed, 'fedkseed', 'z', j);
  const z: Weights = {};
  for (const n of paramNames(arch)) z[n] = Float32Array.from(w[n]!, () => rs.normal());
  return z;
}

describe('FedKSeed defaults and replay cost (official FederatedScope@FedKSeed main.py, server.py)', () => {
  it('eps = 5e-4 (--zo_eps) and the FedKSeed-Pro clip 1000 (--bias_loss_clip) by default', () => {
    const p = fedkseedParams.parse({});
    expect(p.eps).toBe(5e-4);
    expect(p.importanceClip).toBe(1000);
    expect(p.replay).toBe('incremental');
    // The clip is what the Pro history counts: |g| = 800 counts fully by default, 0.5 with clip 0.5.
    const ctx = corpusContext(arch, corpus, 1, local, 1);
    const pairs = { seeds: Int32Array.from([3]), scalars: Float32Array.from([-800]) };
    const update = { weight: 1, update: { client: 0, update: pairs, uploadBytes: 8, trainLoss: 0 } };
    for (const [clip, expected] of [[1000, 800], [0.5, 0.5]] as const) {
      const params = fedkseedParams.parse({ seeds: 8, importanceClip: clip });
      const g = rule.aggregate(rule.init(initWeights(arch, 1), ctx, params), 0, [update], ctx, params);
      expect(g.state!.absSum[3]).toBe(expected);
    }
  });

  it('replay: full charges K·N·c every round; incremental the expected seeds touched so far (0 in round 0)', () => {
    const n = paramCount(costCtx('llama-2-7b').arch);
    const c = 2 + 2; // multiply-add + rngFlopsPerValue
    const at = (round: number, replay: 'full' | 'incremental') =>
      fedkseed.load(costCtx('llama-2-7b', { round, clients: 10 }), fedkseedParams.parse({ seeds: 4096, steps: 200, replay })).flops;
    const stepsOnly = at(0, 'incremental');
    for (const round of [0, 1, 5]) expect(at(round, 'full') - stepsOnly).toBeCloseTo(4096 * n * c, -8);
    expect(at(1, 'incremental') - stepsOnly).toBeCloseTo(4096 * (1 - (1 - 1 / 4096) ** 2000) * n * c, -8);
    expect(at(1, 'incremental')).toBeLessThan(at(1, 'full'));
    expect(at(50, 'incremental') / at(50, 'full')).toBeGreaterThan(0.999);
  });

  it('the expected number of seeds touched matches a simulation of uniform draws', () => {
    const k = 1000;
    const draws = 700;
    const rs = RandomStream.of(42, 'touched');
    let total = 0;
    const trials = 60;
    for (let t = 0; t < trials; t++) {
      const seen = new Set<number>();
      for (let i = 0; i < draws; i++) seen.add(rs.int(k));
      total += seen.size;
    }
    // Per-trial standard deviation of the distinct count is below 15 here: 4 sigma of the mean.
    expect(Math.abs(total / trials - fedkseedReplayedSeeds(k, 'incremental', draws))).toBeLessThan((4 * 15) / Math.sqrt(trials));
    expect(fedkseedReplayedSeeds(k, 'incremental', 0)).toBe(0);
    expect(fedkseedReplayedSeeds(k, 'full', 0)).toBe(k);
  });
});

describe('FedKSeed training rule', () => {
  it('the uploaded scalar is the central difference of the loss along the seed direction', () => {
    const params = fedkseedParams.parse({ seeds: 64, eps: 1e-3 });
    const w = initWeights(arch, 4);
    const batches = corpusContext(arch, corpus, 1, local, 2).batches(0, 0, 1);
    const r = fedkseedLocal(arch, w, batches, { seeds: 64, eps: params.eps, lr: params.lr, runSeed: 9, stream: RandomStream.of(9, 'test') });
    const j = r.seeds[0]!;
    const z = direction(9, j, w);
    const shifted = (s: number) => Object.fromEntries(paramNames(arch).map((n) => [n, w[n]!.map((v, i) => v + s * z[n]![i]!)]));
    const b = batches[0]!;
    const fd = (lossOn(arch, shifted(1e-3), b.tokens, b.batch, b.seqLen) - lossOn(arch, shifted(-1e-3), b.tokens, b.batch, b.seqLen)) / 2e-3;
    expect(r.scalars[0]!).toBeCloseTo(fd, 5);
    // ...and is the directional derivative ∇L·z (first order; float32 losses limit the agreement).
    const { grads } = lossAndGrads(arch, w, b.tokens, b.batch, b.seqLen, paramNames(arch));
    let dot = 0;
    for (const n of paramNames(arch)) grads[n]!.forEach((g, i) => (dot += g * z[n]![i]!));
    expect(Math.abs(r.scalars[0]! - dot)).toBeLessThan(0.02 * Math.abs(dot) + 2e-3);
  });

  it('server replay of the uploaded pairs reproduces the client model exactly; clients rebuild the global model exactly', () => {
    const params = fedkseedParams.parse({ seeds: 16, steps: 12, lr: 3e-3 });
    const ctx = corpusContext(arch, corpus, 2, local, 6);
    let global = rule.init(initWeights(arch, 5), ctx, params);
    for (const round of [0, 1]) {
      const configs = [0, 1].map((client) => rule.configure(global, round, { client }, ctx, params));
      // The client's own run, as clientWork does it (same stream names).
      const start = fedkseedClientModel(configs[0]!, params, arch);
      expect(start).toEqual(global.weights); // the rebuilt model is bit-identical to the server's
      const local0 = fedkseedLocal(arch, start, configs[0]!.batches, {
        seeds: params.seeds,
        eps: params.eps,
        lr: params.lr,
        runSeed: ctx.seed,
        stream: RandomStream.of(ctx.seed, 'fedkseed', 'sample', 0, round),
      });
      const updates = configs.map((c) => rule.clientWork(c, params, arch));
      expect(updates[0]!.update.seeds).toEqual(local0.seeds);
      expect(updates[0]!.update.scalars).toEqual(local0.scalars);
      const replayed = replaySteps(arch, global.weights, updates[0]!.update.seeds, updates[0]!.update.scalars, params.lr, ctx.seed);
      expect(replayed).toEqual(local0.weights);
      expect(replayed['l0.attn.wq']).not.toEqual(global.weights['l0.attn.wq']);
      global = rule.aggregate(global, round, updates.map((update) => ({ weight: 1, update })), ctx, params);
      // Accumulated scalar per seed = mean over the two clients of their scalars for that seed.
      const expected = new Float64Array(16);
      for (const u of updates) u.update.seeds.forEach((j, t) => (expected[j]! += u.update.scalars[t]! / 2));
      if (round === 0) expected.forEach((g, j) => expect(global.state!.scalars[j]).toBeCloseTo(g, 6));
    }
    expect(fedkseedClientModel(rule.configure(global, 2, { client: 1 }, ctx, params), params, arch)).toEqual(global.weights);
  });

  it('K = 4096 seeds and 200 steps exchange 17,984 B, as the cost model says', () => {
    const params = fedkseedParams.parse({ seeds: 4096, steps: 200, lr: 3e-3 });
    const ctx = corpusContext(arch, corpus, 1, { ...local, batchSize: 1, seqLen: 8 }, 8);
    const global = rule.init(initWeights(arch, 1), ctx, params);
    const config = rule.configure(global, 0, { client: 0 }, ctx, params);
    const u = rule.clientWork(config, params, arch);
    const work: LocalWork = { weights: 'fp32', seqLen: 8, batchSize: 1, localSteps: 200, optimizer: 'sgd', activationCheckpointing: false };
    const load = fedkseed.load({ arch: PROXY, work, round: 0, client: 0, clients: 1 }, params);
    expect(u.uploadBytes).toBe(load.uploadBytes);
    expect(config.scalars.byteLength).toBe(load.downloadBytes);
    expect(u.uploadBytes + config.scalars.byteLength).toBe(17_984);
  });

  it('FedKSeed-Pro probabilities increase with the seeds\' mean |scalar| and start uniform', () => {
    const p0 = seedProbabilities(new Float64Array(4), new Float64Array(4));
    p0.forEach((p) => expect(p).toBeCloseTo(0.25, 12));
    const p = seedProbabilities(Float64Array.from([0, 0.1, 0.5, 0.5]), Float64Array.from([0, 1, 1, 4]));
    // mean amplitudes (history starts with a 0): 0, 0.05, 0.25, 0.1 -> normalised 0, 0.2, 1, 0.4, softmax.
    const e = [0, 0.2, 1, 0.4].map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    p.forEach((v, j) => expect(v).toBeCloseTo(e[j]! / s, 9));
  });

  it.each(['uniform', 'importance'] as const)('lowers the held-out loss within a few rounds (%s seed sampling)', (sampling) => {
    const params = fedkseedParams.parse({ seeds: 256, lr: 3e-3, sampling });
    const { before, after, train, heldOut } = heldOutLossDrop(rule, params, arch, texts, local, 3);
    expectDisjoint(train, heldOut);
    console.log(`FedKSeed (${sampling}) held-out loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    expect(after).toBeLessThan(before - 0.2);
  });
});
