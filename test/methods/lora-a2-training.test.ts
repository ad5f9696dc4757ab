import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { PROXY } from '../../src/costs/presets.js';
import type { LocalWork } from '../../src/costs/schema.js';
import { loraA2, loraA2Params, type LoraA2Update } from '../../src/methods/lora-a2.js';
import { initBackend } from '../../src/training/backend.js';
import { buildCorpus, formatGsm8k, generateGsm8kLike } from '../../src/training/data/index.js';
import type { ClientUpdate, LocalTraining } from '../../src/training/federated/types.js';
import { defaultProxy, initWeights } from '../../src/training/model/index.js';
import { corpusContext, globalLoss, heldOutLossDrop, runInProcess } from '../../src/training/rules/harness.js';
import { expectDisjoint } from './helpers.js';
import { rankImportance, topRanks } from '../../src/training/rules/rank-importance.js';

const arch: Architecture = { ...defaultProxy(), name: 'a2-small', layers: 2, hidden: 32, ffn: 64, maxPositions: 32 };
const local: LocalTraining = { steps: 4, batchSize: 4, seqLen: 16, lr: 1e-2, optimizer: 'adam' };
const texts = generateGsm8kLike(60, 7).map(formatGsm8k);
const corpus = buildCorpus(texts);
const FP32: LocalWork = { weights: 'fp32', seqLen: 16, batchSize: 4, localSteps: 4, optimizer: 'adam', activationCheckpointing: false };
const rule = loraA2.training!;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('LoRA-A2 training rule', () => {
  it('trains only B in even rounds and only A in odd rounds; the base stays frozen', () => {
    const params = loraA2Params.parse({ rank: 4, rankBudget: 2 });
    const ctx = corpusContext(arch, corpus, 2, local, 3);
    const base = initWeights(arch, 1);
    runInProcess(rule, params, ctx, base, 3, (round, global, _u, before) => {
      expect(global.weights).toBe(before.weights);
      const changed = (suffix: string) =>
        Object.keys(global.lora!.weights)
          .filter((k) => k.endsWith(suffix))
          .some((k) => global.lora!.weights[k]!.some((v, i) => v !== before.lora!.weights[k]![i]));
      const trained = round % 2 === 0 ? '.B' : '.A';
      const frozen = round % 2 === 0 ? '.A' : '.B';
      expect(changed(trained)).toBe(true);
      expect(changed(frozen)).toBe(false);
    });
  });

  it('uploads only the budgeted ranks (the most important ones) and the server averages per rank over their senders', () => {
    const params = loraA2Params.parse({ rank: 8, rankBudget: 3 });
    const ctx = corpusContext(arch, corpus, 3, local, 5);
    const base = initWeights(arch, 2);
    runInProcess(rule, params, ctx, base, 2, (round, global, updates, before) => {
      const factor = round % 2 === 0 ? 'B' : 'A';
      const modules = Object.keys(updates[0]!.update.modules);
      expect(modules.sort()).toEqual(['l0.attn.wq', 'l0.attn.wv', 'l1.attn.wq', 'l1.attn.wv']);
      for (const name of modules) {
        const key = `${name}.${factor}`;
        const g = global.lora!.weights[key]!;
        const g0 = before.lora!.weights[key]!;
        const senders = new Map<number, ClientUpdate<LoraA2Update>[]>();
        for (const u of updates) {
          const m = u.update.modules[name]!;
          expect(u.update.factor).toBe(factor);
          expect(m.ranks.length).toBe(3);
          expect(new Set(m.ranks).size).toBe(3);
          expect(m.values.length).toBe(3 * (factor === 'B' ? 32 : 32));
          for (const k of m.ranks) senders.set(k, [...(senders.get(k) ?? []), u]);
        }
        for (let k = 0; k < 8; k++) {
          // One element of rank k: B[5, k] or A[k, 5].
          const pos = factor === 'B' ? 5 * 8 + k : k * 32 + 5;
          const from = senders.get(k) ?? [];
          if (from.length === 0) expect(g[pos]).toBe(g0[pos]);
          else {
            const vals = from.map((u) => {
              const m = u.update.modules[name]!;
              const slot = m.ranks.indexOf(k);
              return factor === 'B' ? m.values[5 * 3 + slot]! : m.values[slot * 32 + 5]!;
            });
            expect(g[pos]!).toBeCloseTo(vals.reduce((a, b) => a + b, 0) / vals.length, 6);
          }
        }
      }
    });
  });

  it('rank importance is the norm of the rank contribution and picks the top ranks', () => {
    const A = Float32Array.from([1, 0, 0, 2, 0, 0, 0, 0, 3]); // r = 3, in = 3: row norms 1, 2, 3
    const B0 = new Float32Array(6); // out = 2
    const B1 = Float32Array.from([0.5, 0, 0.1, 0.5, 0.2, 0]); // column norms of ΔB: √0.5, 0.2, 0.1
    const s = rankImportance('B', 3, { A, B: B0 }, { A, B: B1 });
    expect(s[0]).toBeCloseTo(Math.SQRT1_2 * 1, 6);
    expect(s[1]).toBeCloseTo(0.2 * 2, 6);
    expect(s[2]).toBeCloseTo(0.1 * 3, 6);
    expect([...topRanks(s, 2)]).toEqual([0, 1]);
  });

  it('upload bytes equal the cost model, on the small proxy and on the default proxy', () => {
    for (const [a, rank, budget] of [
      [arch, 4, 2],
      [defaultProxy(), 8, 2],
    ] as const) {
      const params = loraA2Params.parse({ rank, rankBudget: budget });
      const ctx = corpusContext(a, corpus, 1, { ...local, steps: 1 }, 1);
      let global = rule.init(initWeights(a, 1), ctx, params);
      for (const round of [0, 1]) {
        const u = rule.clientWork(rule.configure(global, round, { client: 0 }, ctx, params), params, a);
        const load = loraA2.load({ arch: a === arch ? arch : PROXY, work: FP32, round, client: 0, clients: 1 }, params);
        expect(u.uploadBytes).toBe(load.uploadBytes);
        global = rule.aggregate(global, round, [{ weight: 1, update: u }], ctx, params);
      }
    }
    // Default proxy, B round: 2 layers · 2 modules · 2 ranks · (64 values + 1 index) · 4 B.
    expect(loraA2.load({ arch: PROXY, work: FP32, round: 0, client: 0, clients: 1 }, loraA2Params.parse({})).uploadBytes).toBe(2 * 2 * 2 * 65 * 4);
  });

  it('lowers the held-out loss within a few rounds', () => {
    const params = loraA2Params.parse({ rank: 8, rankBudget: 4, targets: ['q', 'v', 'up', 'down'] });
    const { before, after, train, heldOut } = heldOutLossDrop(rule, params, arch, texts, local, 6);
    expectDisjoint(train, heldOut);
    console.log(`LoRA-A2 held-out loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    expect(after).toBeLessThan(before - 0.1);
  });
});
