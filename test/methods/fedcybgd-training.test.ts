import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { PROXY } from '../../src/costs/presets.js';
import type { LocalWork } from '../../src/costs/schema.js';
import { fedcybgd, fedcybgdBlock, fedcybgdBlockParams, fedcybgdChangedBlocks, fedcybgdParams } from '../../src/methods/fedcybgd.js';
import { initBackend } from '../../src/training/backend.js';
import { buildCorpus, formatGsm8k, generateGsm8kLike } from '../../src/training/data/index.js';
import type { LocalTraining } from '../../src/training/federated/types.js';
import { blockOf, defaultProxy, initWeights } from '../../src/training/model/index.js';
import { corpusContext, globalLoss, heldOutLossDrop, runInProcess } from '../../src/training/rules/harness.js';
import { expectDisjoint } from './helpers.js';
import { trainSteps } from '../../src/training/train/index.js';

const arch: Architecture = { ...defaultProxy(), name: 'cy-small', layers: 3, hidden: 32, ffn: 64, maxPositions: 32 };
const local: LocalTraining = { steps: 4, batchSize: 4, seqLen: 16, lr: 3e-3, optimizer: 'adam' };
const texts = generateGsm8kLike(60, 7).map(formatGsm8k);
const corpus = buildCorpus(texts);
const FP32: LocalWork = { weights: 'fp32', seqLen: 16, batchSize: 4, localSteps: 4, optimizer: 'adam', activationCheckpointing: false };
const params = fedcybgdParams.parse({});
const rule = fedcybgd.training!;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('FedCyBGD (official run_fl_sft: clients in sequence, block = client mod L)', () => {
  it('declares the sequential schedule and the fixed assignment client mod L', () => {
    expect(fedcybgd.schedule).toBe('sequential');
    expect([0, 1, 2, 3, 4, 7].map((k) => fedcybgdBlock(k, 3))).toEqual([0, 1, 2, 0, 1, 1]);
  });

  it('changed blocks since the client last held the model (hand example, L = 4)', () => {
    // Round 0: clients 0, 1, 2, 5 (blocks 0, 1, 2, 1); round 1: 0, 2, 5.
    const history = [[0, 1, 2, 5], [0, 2, 5]];
    // Client 2 in round 1: after its round-0 turn client 5 (block 1), then client 0 (block 0): 2 blocks.
    expect(fedcybgdChangedBlocks(2, 4, history)).toBe(2);
    // Client 5 in round 1: after its round-0 turn nobody; then 0 and 2 (blocks 0 and 2).
    expect(fedcybgdChangedBlocks(5, 4, history)).toBe(2);
    // Client 1 (absent from round 1) in a round-2 turn after 0: since its round-0 turn 2 (2), 5 (1), 0 (0), 2, 5 and 0 again: blocks {0, 1, 2}.
    expect(fedcybgdChangedBlocks(1, 4, [...history, [0, 1]])).toBe(3);
    // A first turn: everything trained before it since the pre-trained model; capped at L.
    expect(fedcybgdChangedBlocks(7, 4, [[0, 1, 2, 3, 4, 7]])).toBe(4);
    expect(fedcybgdChangedBlocks(0, 4, [[0, 1]])).toBe(0);
  });

  it('sequential: client i starts from the model client i - 1 left and changes only its own layer', () => {
    const ctx = corpusContext(arch, corpus, 4, local, 3);
    const base = initWeights(arch, 1);
    const starts: string[] = [];
    const configure = rule.configure;
    const spy = { ...rule, configure: (...a: Parameters<typeof configure>) => {
      const c = configure(...a);
      starts.push(JSON.stringify(Array.from(c.weights['l0.attn.wq']!.slice(0, 4))));
      return c;
    } };
    runInProcess(spy, params, ctx, base, 2, (round, global, updates, before) => {
      updates.forEach((u, client) => {
        expect(u.update.layer).toBe(client % 3);
        expect(Object.keys(u.update.values)).toEqual(fedcybgdBlockParams(arch, client % 3));
        expect(u.uploadBytes).toBe(fedcybgd.load({ arch, work: FP32, round, client, clients: 4 }, params).uploadBytes);
      });
      // Clients 0 and 3 both train layer 0: the round's layer 0 is client 3's (it started from client 0's).
      expect(global.weights['l0.attn.wq']).toEqual(updates[3]!.update.values['l0.attn.wq']);
      for (const [name, w] of Object.entries(global.weights)) {
        const changed = w.some((v, i) => v !== before.weights[name]![i]);
        const b = blockOf(name, arch);
        if (!(b >= 1 && b <= 3)) expect(changed, name).toBe(false);
      }
    }, 'sequential');
    // Client 1 saw layer 0 as client 0 left it; client 3 too (client 1 and 2 do not touch layer 0).
    expect(starts[1]).not.toBe(starts[0]);
    expect(starts[2]).toBe(starts[1]);
    expect(starts[3]).toBe(starts[1]);
  });

  it('the optimiser state is carried from client to client (fresh on request)', () => {
    const ctx = corpusContext(arch, corpus, 2, local, 5);
    const g0 = rule.init(initWeights(arch, 2), ctx, params);
    const c0 = rule.configure(g0, 0, { client: 0 }, ctx, params);
    expect(c0.optimizer).toBeUndefined();
    const u0 = rule.clientWork(c0, params, arch);
    const g1 = rule.aggregate(g0, 0, [{ weight: 1, update: u0 }], ctx, params);
    const c1 = rule.configure(g1, 0, { client: 1 }, ctx, params);
    expect(c1.optimizer!.step).toBe(local.steps);
    expect(c1.optimizer!.m1).toEqual(u0.update.optimizer!.m1);
    const fresh = fedcybgdParams.parse({ optimizerState: 'fresh' });
    expect(rule.configure(g1, 0, { client: 1 }, ctx, fresh).optimizer).toBeUndefined();
  });

  it('trainSteps with a carried Adam state continues exactly where the previous run stopped', () => {
    const batches = corpusContext(arch, corpus, 1, local, 8).batches(0, 0, 4);
    const names = fedcybgdBlockParams(arch, 1);
    const w = initWeights(arch, 4);
    const all = trainSteps({ arch, weights: w, trainable: names, batches, lr: 1e-2, optimizer: 'adam', seed: 1 });
    const first = trainSteps({ arch, weights: w, trainable: names, batches: batches.slice(0, 2), lr: 1e-2, optimizer: 'adam', seed: 1 });
    const second = trainSteps({ arch, weights: { ...w, ...first.weights }, trainable: names, batches: batches.slice(2), lr: 1e-2, optimizer: 'adam', seed: 1, adamState: first.adamState });
    expect(second.weights).toEqual(all.weights);
    const restarted = trainSteps({ arch, weights: { ...w, ...first.weights }, trainable: names, batches: batches.slice(2), lr: 1e-2, optimizer: 'adam', seed: 1 });
    expect(restarted.weights).not.toEqual(all.weights);
  });

  it('upload bytes on the default proxy equal the cost model (one layer, fp32)', () => {
    const proxy = defaultProxy();
    expect(proxy).toEqual(PROXY);
    const ctx = corpusContext(proxy, corpus, 2, { ...local, steps: 1 }, 1);
    const global = rule.init(initWeights(proxy, 1), ctx, params);
    const u = rule.clientWork(rule.configure(global, 1, { client: 1 }, ctx, params), params, proxy);
    expect(u.update.layer).toBe(1);
    const load = fedcybgd.load({ arch: PROXY, work: FP32, round: 1, client: 1, clients: 2 }, params);
    expect(u.uploadBytes).toBe(load.uploadBytes);
    expect(u.uploadBytes).toBe(4 * 49_984); // 4·64·64·4 + 2·64·256 + biases 4·64 + 256 + 64 + 2 LN·128
  });

  it('lowers the held-out loss within a few rounds', () => {
    const { before, after, train, heldOut } = heldOutLossDrop(rule, params, arch, texts, local, 6, 'sequential');
    expectDisjoint(train, heldOut);
    console.log(`FedCyBGD held-out loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    expect(after).toBeLessThan(before - 0.1);
  });
});
