import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import type { LocalWork } from '../../src/costs/schema.js';
import { getPreset } from '../../src/costs/presets.js';
import { loraTargets } from '../../src/methods/common.js';
import { fedlora, fedloraParams } from '../../src/methods/fedlora.js';
import { loraA2, loraA2Training, loraA2ExpectedSelection, loraA2Params, loraA2Targets, type LoraA2Update } from '../../src/methods/lora-a2.js';
import { initBackend } from '../../src/training/backend.js';
import { buildCorpus, formatGsm8k, generateGsm8kLike } from '../../src/training/data/index.js';
import type { ClientUpdate, LocalTraining } from '../../src/training/federated/types.js';
import { defaultProxy, initWeights } from '../../src/training/model/index.js';
import { corpusContext, globalLoss, heldOutLossDrop, runInProcess } from '../../src/training/rules/harness.js';
import { globalTopRanks, rankImportance, topRanks } from '../../src/training/rules/rank-importance.js';
import { trainSteps } from '../../src/training/train/index.js';
import { ctx as costCtx, expectDisjoint, WORK } from './helpers.js';

const arch: Architecture = { ...defaultProxy(), name: 'a2-small', layers: 2, hidden: 32, ffn: 64, maxPositions: 32 };
const local: LocalTraining = { steps: 5, batchSize: 4, seqLen: 16, lr: 1e-2, optimizer: 'adam' };
const texts = generateGsm8kLike(60, 7).map(formatGsm8k);
const corpus = buildCorpus(texts);
const FP32: LocalWork = { weights: 'fp32', seqLen: 16, batchSize: 4, localSteps: 4, optimizer: 'adam', activationCheckpointing: false };
const rule: typeof loraA2Training = loraA2.training!;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('LoRA-A2 rank selection and aggregation (Koo et al. 2024, Sec. 4.2, Alg. 1)', () => {
  it('global top r·N: the budget goes to the best ranks over the whole model, not r per module', () => {
    // Three modules of rank 3, budget 1 rank per module on average: 3 ranks in total.
    const scores = [Float64Array.from([0.1, 0.2, 0.3]), Float64Array.from([5, 4, 0]), Float64Array.from([0, 3.5, 0.05])];
    const kept = globalTopRanks(scores, 1 * 3).map((k) => [...k]);
    expect(kept).toEqual([[], [0, 1], [1]]);
    // A per-module selection would have kept one rank of each module instead.
    expect(scores.map((s) => [...topRanks(s, 1)])).toEqual([[2], [0], [1]]);
    // Ties: lower module, then lower rank first.
    expect(globalTopRanks([Float64Array.from([1, 1]), Float64Array.from([1, 1])], 3).map((k) => [...k])).toEqual([[0, 1], [0]]);
  });

  it('aggregation B <- B + Σ_k w_k ΔB_k / Σ w: an unselected rank counts as no change from that client', () => {
    const lora = { rank: 3, alpha: 3, weights: { 'l0.attn.wq.A': new Float32Array(6), 'l0.attn.wq.B': Float32Array.from([1, 2, 3, 4, 5, 6]) } };
    // B is [out = 2, r = 3]: row i holds B[i, 0..2].
    const u = (client: number, ranks: number[], delta: number[]): ClientUpdate<LoraA2Update> => ({
      client,
      update: { factor: 'B', modules: { 'l0.attn.wq': { ranks: Int32Array.from(ranks), delta: Float32Array.from(delta) } } },
      uploadBytes: 0,
      trainLoss: 0,
    });
    // Client 0 (weight 1) kept rank 0: ΔB[:,0] = (10, 20). Client 1 (weight 3) kept ranks 0 and 2:
    // ΔB[:, [0, 2]] = [[4, 8], [12, 16]] (row-major over the kept columns).
    const ctx = corpusContext(arch, corpus, 2, local, 1);
    const params = loraA2Params.parse({ rank: 3 });
    const next = rule.aggregate({ weights: {}, lora }, 0, [{ weight: 1, update: u(0, [0], [10, 20]) }, { weight: 3, update: u(1, [0, 2], [4, 8, 12, 16]) }], ctx, params);
    const B = next.lora!.weights['l0.attn.wq.B']!;
    // B[0,0] = 1 + (1·10 + 3·4)/4, B[0,1] unchanged, B[0,2] = 3 + 3·8/4; B[1,0] = 4 + (20 + 36)/4, B[1,2] = 6 + 3·16/4.
    expect([...B]).toEqual([1 + 22 / 4, 2, 3 + 6, 4 + 56 / 4, 5, 6 + 12]);
    expect(next.lora!.weights['l0.attn.wq.A']).toBe(lora.weights['l0.attn.wq.A']);
  });

  it('trains only B in even rounds and only A in odd rounds; the base stays frozen', () => {
    const params = loraA2Params.parse({ rank: 4, rankBudget: 2, targets: ['q', 'v'] });
    const ctx = corpusContext(arch, corpus, 2, local, 3);
    runInProcess(rule, params, ctx, initWeights(arch, 1), 3, (round, global, _u, before) => {
      expect(global.weights).toBe(before.weights);
      const changed = (suffix: string) =>
        Object.keys(global.lora!.weights)
          .filter((k) => k.endsWith(suffix))
          .some((k) => global.lora!.weights[k]!.some((v, i) => v !== before.lora!.weights[k]![i]));
      expect(changed(round % 2 === 0 ? '.B' : '.A')).toBe(true);
      expect(changed(round % 2 === 0 ? '.A' : '.B')).toBe(false);
    });
  });

  it('each client keeps exactly rankBudget·N ranks over the model; the upload is their change plus one index each', () => {
    const params = loraA2Params.parse({ rank: 8, rankBudget: 2 }); // all six projections: 2 layers × 4 proxy modules (wq, wk, wv, wo, w1, w2 = 6)
    const ctx = corpusContext(arch, corpus, 3, local, 5);
    runInProcess(rule, params, ctx, initWeights(arch, 2), 2, (round, global, updates, before) => {
      const factor = round % 2 === 0 ? 'B' : 'A';
      for (const u of updates) {
        const mods = Object.entries(u.update.modules);
        const ranks = mods.reduce((a, [, m]) => a + m.ranks.length, 0);
        expect(ranks).toBe(2 * 12);
        let values = 0;
        for (const [name, m] of mods) {
          const size = global.lora!.weights[`${name}.${factor}`]!.length / 8;
          expect(m.delta.length).toBe(m.ranks.length * size);
          values += m.delta.length;
        }
        expect(u.uploadBytes).toBe(4 * (values + ranks));
      }
      // The server's new factor is the old one plus the clients' mean change (weights 1).
      const [name, m] = Object.entries(updates[0]!.update.modules)[0]!;
      const key = `${name}.${factor}`;
      const size = global.lora!.weights[key]!.length / 8;
      const k = m.ranks[0]!;
      const pos = factor === 'B' ? 0 * 8 + k : k * size;
      const deltaAt = (u: (typeof updates)[number]) => {
        const mm = u.update.modules[name];
        if (!mm) return 0;
        const slot = [...mm.ranks].indexOf(k);
        if (slot < 0) return 0;
        return factor === 'B' ? mm.delta[slot]! : mm.delta[slot * size]!;
      };
      const expected = before.lora!.weights[key]![pos]! + updates.reduce((a, u) => a + deltaAt(u), 0) / updates.length;
      expect(global.lora!.weights[key]![pos]!).toBeCloseTo(expected, 5);
    });
  });

  it('masked training leaves unselected ranks exactly at their start (trainSteps updateMasks)', () => {
    const params = loraA2Params.parse({ rank: 4, targets: ['q'] });
    const global = rule.init(initWeights(arch, 3), corpusContext(arch, corpus, 1, local, 1), params);
    const lora = global.lora!;
    const mask = new Uint8Array(lora.weights['l0.attn.wq.B']!.length);
    for (let i = 0; i < mask.length; i += 4) mask[i] = 1; // rank 0 of every row
    const batches = corpusContext(arch, corpus, 1, local, 4).batches(0, 0, 3);
    // Make B non-zero first so every rank has a gradient.
    const warm = trainSteps({ arch, weights: global.weights, trainable: 'lora-B', lora, batches, lr: 0.05, optimizer: 'adam', seed: 1 }).lora!;
    const r = trainSteps({ arch, weights: global.weights, trainable: 'lora-B', lora: warm, batches, lr: 0.05, optimizer: 'adam', weightDecay: 0.1, seed: 1, updateMasks: { 'l0.attn.wq.B': mask } });
    const before = warm.weights['l0.attn.wq.B']!;
    const after = r.lora!.weights['l0.attn.wq.B']!;
    let moved = 0;
    after.forEach((v, i) => {
      if (mask[i] === 0) expect(v).toBe(before[i]);
      else if (v !== before[i]) moved++;
    });
    expect(moved).toBeGreaterThan(0);
  });

  it('eta_B = lrRatioB · eta_A: one SGD step moves B five times as far', () => {
    const deltaB = (lrRatioB: number) => {
      const params = loraA2Params.parse({ rank: 4, rankBudget: 4, targets: ['q'], lrRatioB, scoringFraction: 0 });
      const ctx = corpusContext(arch, corpus, 1, { ...local, steps: 1, optimizer: 'sgd' }, 6);
      // Round 1 trains A from B = 0 (zero gradient for A); train B in round 0 after a non-zero A.
      const global = rule.init(initWeights(arch, 4), ctx, params);
      const u = rule.clientWork(rule.configure(global, 0, { client: 0 }, ctx, params), params, arch);
      return u.update.modules['l0.attn.wq']!.delta;
    };
    const one = deltaB(1);
    const five = deltaB(5);
    expect(one.some((v) => v !== 0)).toBe(true);
    five.forEach((v, i) => expect(v).toBeCloseTo(5 * one[i]!, 6));
  });

  it('the scoring pre-pass is charged: about 1.17x the FLOPs of FL+LoRA (paper Sec. 5.5)', () => {
    const c = costCtx('roberta-base');
    const a2 = loraA2.load(c, loraA2Params.parse({ rank: 8 }));
    const noScoring = loraA2.load(c, loraA2Params.parse({ rank: 8, scoringFraction: 0 }));
    const flLora = fedlora.load(c, fedloraParams.parse({ rank: 8, targets: ['q', 'k', 'v', 'o', 'up', 'down'] }));
    expect(a2.flops / noScoring.flops).toBeCloseTo((WORK.localSteps + 2) / WORK.localSteps, 12); // 2 = round(0.2 · 10)
    const ratio = a2.flops / flLora.flops;
    expect(ratio).toBeGreaterThan(1.1);
    expect(ratio).toBeLessThan(1.25);
    expect(Math.abs(ratio - 1.17)).toBeLessThan(0.05);
  });

  it('expected selection (cost model): larger modules first, a partly fitting group shared evenly', () => {
    const roberta = getPreset('roberta-base');
    const t = loraTargets(roberta, loraA2Targets(roberta, {}));
    // B-rounds: up's B columns (3072 long) score highest: 12 modules x 16 ranks, budget 1 x 72 = 72.
    const b = loraA2ExpectedSelection(roberta, t, 16, 1, 'B');
    expect(b.filter((m) => m.target.name === 'up').reduce((a, m) => a + m.ranks, 0)).toBe(72);
    expect(b.reduce((a, m) => a + m.ranks, 0)).toBe(72);
    // A-rounds: up and down tie (sqrt(768·3072)): 36 ranks each, 3 per layer.
    const a = loraA2ExpectedSelection(roberta, t, 16, 1, 'A');
    expect(a.filter((m) => m.target.name === 'up').map((m) => m.ranks)).toEqual(Array(12).fill(3));
    expect(a.filter((m) => m.target.name === 'down').map((m) => m.ranks)).toEqual(Array(12).fill(3));
    // A budget of the full rank keeps everything.
    expect(loraA2ExpectedSelection(roberta, t, 4, 9, 'B').every((m) => m.ranks === 4)).toBe(true);
  });

  it('rank importance is the norm of the rank contribution', () => {
    const A = Float32Array.from([1, 0, 0, 2, 0, 0, 0, 0, 3]); // r = 3, in = 3: row norms 1, 2, 3
    const B0 = new Float32Array(6); // out = 2
    const B1 = Float32Array.from([0.5, 0, 0.1, 0.5, 0.2, 0]); // column norms of ΔB: √0.5, 0.2, 0.1
    const s = rankImportance('B', 3, { A, B: B0 }, { A, B: B1 });
    expect(s[0]).toBeCloseTo(Math.SQRT1_2 * 1, 6);
    expect(s[1]).toBeCloseTo(0.2 * 2, 6);
    expect(s[2]).toBeCloseTo(0.1 * 3, 6);
  });

  it('lowers the held-out loss within a few rounds', () => {
    const params = loraA2Params.parse({ rank: 8, rankBudget: 4 });
    const { before, after, train, heldOut } = heldOutLossDrop(rule, params, arch, texts, { ...local, lr: 3e-3 }, 6);
    expectDisjoint(train, heldOut);
    console.log(`LoRA-A2 held-out loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    expect(after).toBeLessThan(before - 0.1);
  });
});
