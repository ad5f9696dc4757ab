import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { PROXY } from '../../src/costs/presets.js';
import type { LocalWork } from '../../src/costs/schema.js';
import { fedcybgd, fedcybgdBlockParams, fedcybgdParams } from '../../src/methods/fedcybgd.js';
import { initBackend } from '../../src/training/backend.js';
import { buildCorpus, formatGsm8k, generateGsm8kLike } from '../../src/training/data/index.js';
import type { LocalTraining } from '../../src/training/federated/types.js';
import { blockOf, defaultProxy, initWeights } from '../../src/training/model/index.js';
import { corpusContext, globalLoss, heldOutLossDrop, runInProcess } from '../../src/training/rules/harness.js';
import { expectDisjoint } from './helpers.js';

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

describe('FedCyBGD training rule', () => {
  it('changes only the cycle layers (round + client) mod L, and the upload is exactly one layer', () => {
    const ctx = corpusContext(arch, corpus, 2, local, 3);
    const base = initWeights(arch, 1);
    runInProcess(rule, params, ctx, base, 3, (round, global, updates, before) => {
      const trained = new Set([round % 3, (round + 1) % 3]);
      for (const [name, w] of Object.entries(global.weights)) {
        const b = blockOf(name, arch);
        const changed = w.some((v, i) => v !== before.weights[name]![i]);
        if (b >= 1 && b <= arch.layers && trained.has(b - 1)) {
          if (name.endsWith('.wq') || name.endsWith('.w1')) expect(changed, name).toBe(true);
        } else expect(changed, name).toBe(false);
      }
      updates.forEach((u, client) => {
        const layer = (round + client) % 3;
        expect(Object.keys(u.update.values)).toEqual(fedcybgdBlockParams(arch, layer));
        const load = fedcybgd.load({ arch, work: FP32, round, client, clients: 2 }, params);
        expect(u.uploadBytes).toBe(load.uploadBytes);
      });
    });
  });

  it('the server averages a layer over the clients that trained it', () => {
    // 2 layers, 3 clients: in round 0 clients 0 and 2 train layer 0, client 1 trains layer 1.
    const a2: Architecture = { ...arch, layers: 2 };
    const ctx = corpusContext(a2, corpus, 3, { ...local, steps: 1 }, 5);
    const global = rule.init(initWeights(a2, 2), ctx, params);
    const ups = [0, 1, 2].map((client) => rule.clientWork(rule.configure(global, 0, { client }, ctx, params), params, a2));
    const next = rule.aggregate(global, 0, ups.map((update, i) => ({ weight: i + 1, update })), ctx, params);
    const w0 = ups[0]!.update.values['l0.attn.wq']!;
    const w2 = ups[2]!.update.values['l0.attn.wq']!;
    const got = next.weights['l0.attn.wq']!;
    for (const i of [0, 17, 500]) expect(got[i]!).toBeCloseTo((1 * w0[i]! + 3 * w2[i]!) / 4, 6);
    expect(next.weights['l1.attn.wq']).toEqual(ups[1]!.update.values['l1.attn.wq']);
  });

  it('upload bytes on the default proxy equal the cost model (one layer, fp32)', () => {
    const proxy = defaultProxy();
    expect(proxy).toEqual(PROXY);
    const ctx = corpusContext(proxy, corpus, 1, { ...local, steps: 1 }, 1);
    const global = rule.init(initWeights(proxy, 1), ctx, params);
    const u = rule.clientWork(rule.configure(global, 1, { client: 0 }, ctx, params), params, proxy);
    expect(u.update.layer).toBe(1);
    const load = fedcybgd.load({ arch: PROXY, work: FP32, round: 1, client: 0, clients: 1 }, params);
    expect(u.uploadBytes).toBe(load.uploadBytes);
    expect(u.uploadBytes).toBe(4 * 49_984); // 4·64·64·4 + 2·64·256 + biases 4·64 + 256 + 64 + 2 LN·128
  });

  it('lowers the held-out loss within a few rounds', () => {
    const { before, after, train, heldOut } = heldOutLossDrop(rule, params, arch, texts, local, 6);
    expectDisjoint(train, heldOut);
    console.log(`FedCyBGD held-out loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    expect(after).toBeLessThan(before - 0.1);
  });
});
