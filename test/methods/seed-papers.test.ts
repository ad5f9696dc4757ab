// Load figures reported by the seed papers.
import { describe, expect, it } from 'vitest';
import { paramCount, parameterTensors, PRESETS } from '../../src/costs/index.js';
import { blockllm } from '../../src/methods/blockllm.js';
import { fedavg } from '../../src/methods/fedavg.js';
import { fedcybgd } from '../../src/methods/fedcybgd.js';
import { fedkseed, fedkseedParams } from '../../src/methods/fedkseed.js';
import { fedlora, fedloraParams } from '../../src/methods/fedlora.js';
import { loraA2, loraA2ExpectedSelection, loraA2Params, loraA2Targets, loraA2TrainedFactor } from '../../src/methods/lora-a2.js';
import { loraTargets } from '../../src/methods/common.js';
import { blockllmEligibleTensors, blockllmParams } from '../../src/methods/blockllm.js';
import { fedcybgdParams } from '../../src/methods/fedcybgd.js';
import { ctx, WORK } from './helpers.js';

describe('FedKSeed (Qin et al. 2024): communication under 18 kB', () => {
  it('K = 4096 seeds, 200 steps: 4096·4 B down + 200·8 B up = 17,984 B', () => {
    const load = fedkseed.load(ctx('llama-3-8b'), fedkseedParams.parse({ seeds: 4096, steps: 200 }));
    expect(load.downloadBytes).toBe(16_384);
    expect(load.uploadBytes).toBe(1_600);
    expect(load.uploadBytes + load.downloadBytes).toBe(17_984);
    expect(load.uploadBytes + load.downloadBytes).toBeLessThan(18_000);
  });

  it('steps default to the model local steps; no gradient or optimizer memory', () => {
    const c = ctx('llama-2-7b');
    const load = fedkseed.load(c, fedkseedParams.parse({}));
    expect(load.uploadBytes).toBe(8 * WORK.localSteps);
    const full = fedavg.load(c, {});
    // inference memory: weights (2 B/param) + one layer + logits, far below full FT
    expect(load.memoryBytes).toBeLessThan(2.2 * paramCount(c.arch));
    expect(load.memoryBytes).toBeLessThan(full.memoryBytes / 8);
  });

  it('counts the model replay: K·N·(2 + rngFlopsPerValue) FLOPs with replay: full', () => {
    const c = ctx('llama-2-7b');
    const a = fedkseed.load(c, fedkseedParams.parse({ seeds: 4096, steps: 200, replay: 'full' }));
    const b = fedkseed.load(c, fedkseedParams.parse({ seeds: 1024, steps: 200, replay: 'full' }));
    expect(a.flops - b.flops).toBeCloseTo(3072 * paramCount(c.arch) * 4, -6);
  });
});

describe('LoRA-A2 (Koo et al. 2024): 99.8% fewer uploaded parameters than full fine-tuning', () => {
  // Paper Table 1 setting: RoBERTa-base, LoRA on all six projections, r_G = 16 (Sec. 5.3),
  // 30 clients, full participation, 50 rounds. Uploaded parameters (values, no indices):
  // full fine-tuning 186B, LoRA-A2 r_i = 1 / 2 / 4 / 8: 0.270B / 0.528B / 0.888B / 1.31B.
  const uploadedValues = (rankBudget: number) => {
    const params = loraA2Params.parse({ rank: 16, rankBudget });
    const fp32 = { ...WORK, weights: 'fp32' as const };
    let values = 0;
    for (let round = 0; round < 50; round++) {
      const c = ctx('roberta-base', { round, work: fp32, clients: 30 });
      const sel = loraA2ExpectedSelection(c.arch, loraTargets(c.arch, loraA2Targets(c.arch, params)), 16, rankBudget, loraA2TrainedFactor(round));
      const ranks = sel.reduce((a, m) => a + m.ranks, 0);
      const load = loraA2.load(c, params);
      values += 30 * (load.uploadBytes - 4 * ranks) / 4; // fp32 values, int32 rank indices
    }
    return values;
  };

  it('rank budget 1: 99.8% fewer than full fine-tuning, within 10% of the paper\'s 0.270B', () => {
    const a2 = uploadedValues(1);
    const full = 30 * 50 * paramCount(PRESETS['roberta-base']);
    expect(1 - a2 / full).toBeGreaterThanOrEqual(0.998);
    expect(Math.abs(a2 / 0.27e9 - 1)).toBeLessThan(0.1);
  });

  it.each([
    [2, 0.528e9],
    [4, 0.888e9],
    [8, 1.31e9],
  ])('rank budget %i: within 10%% of the paper\'s Table 1 (%d)', (budget, paper) => {
    expect(Math.abs(uploadedValues(budget) / paper - 1)).toBeLessThan(0.1);
  });

  it('uploads less than FedLoRA at the same rank', () => {
    const c = ctx('llama-2-7b');
    const all = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];
    expect(loraA2.load(c, loraA2Params.parse({})).uploadBytes).toBeLessThan(fedlora.load(c, fedloraParams.parse({ rank: 16, targets: all })).uploadBytes / 4);
  });
});

describe('FedCyBGD (Wang et al. 2024): one block per client and round', () => {
  it('LLaMA-2-7B upload is one decoder layer, 202,383,360 values', () => {
    const load = fedcybgd.load(ctx('llama-2-7b'), fedcybgdParams.parse({}));
    expect(load.trainedParams).toBe(4 * 4096 ** 2 + 3 * 4096 * 11008 + 2 * 4096);
    expect(load.uploadBytes).toBe(202_383_360 * 2);
  });

  it('download: the blocks trained since the client last held the model, compressed by the part sent', () => {
    const block = 202_383_360 * 2;
    // 10 clients, 32 layers, every client every round: client 3 in round 1 missed the blocks of the 9 others.
    expect(fedcybgd.load(ctx('llama-2-7b', { round: 1, client: 3 }), fedcybgdParams.parse({})).downloadBytes).toBe(9 * block);
    // Round 0: clients 0, 1, 2 trained before client 3 (it holds the pre-trained model).
    expect(fedcybgd.load(ctx('llama-2-7b', { round: 0, client: 3 }), fedcybgdParams.parse({})).downloadBytes).toBe(3 * block);
    // ceil(0.25·9) = 3 blocks (official update_global: random.sample(up_block, ceil(len·part))).
    expect(fedcybgd.load(ctx('llama-2-7b', { round: 1, client: 3 }), fedcybgdParams.parse({ downloadCompression: 0.25 })).downloadBytes).toBe(3 * block);
    expect(fedcybgdParams.safeParse({ downloadCompression: 0 }).success).toBe(false);
  });

  it('block client mod L, fixed over rounds: a higher block back-propagates through fewer layers', () => {
    const p = fedcybgdParams.parse({});
    const low = fedcybgd.load(ctx('llama-2-7b', { round: 5, client: 32, clients: 40 }), p); // block 0
    const same = fedcybgd.load(ctx('llama-2-7b', { round: 0, client: 0, clients: 40 }), p); // block 0
    const high = fedcybgd.load(ctx('llama-2-7b', { round: 5, client: 31, clients: 40 }), p); // block 31
    expect(low.flops).toBe(same.flops);
    expect(low.memoryBytes).toBe(same.memoryBytes);
    expect(high.memoryBytes).toBeLessThan(low.memoryBytes);
    expect(high.flops).toBeLessThan(low.flops);
    // optimizer state for one block only: far below full fine-tuning
    expect(low.memoryBytes).toBeLessThan(fedavg.load(ctx('llama-2-7b'), {}).memoryBytes / 3);
  });
});

describe('BlockLLM (Ramesh et al. 2024): under 5% of the parameters', () => {
  for (const preset of ['llama-2-7b', 'roberta-base', 'llama-3.2-1b']) {
    it(`${preset} at 95% sparsity`, () => {
      const c = ctx(preset);
      const load = blockllm.load(c, blockllmParams.parse({ sparsity: 0.95 }));
      const n = paramCount(c.arch);
      expect(load.trainedParams / n).toBeLessThanOrEqual(0.05);
      // 5% of the selectable parameters: embeddings and the LM head are never selected.
      const selectable = blockllmEligibleTensors(c.arch).reduce((a, t) => a + t.params, 0);
      expect(selectable).toBeLessThan(n);
      expect(load.trainedParams / selectable).toBeLessThanOrEqual(0.05);
      expect(load.trainedParams / selectable).toBeGreaterThan(0.0499);
      const full = fedavg.load(c, {});
      expect(load.memoryBytes).toBeLessThan(full.memoryBytes);
      expect(load.uploadBytes).toBeLessThan(full.uploadBytes * 0.06);
    });
  }

  it('element indices cost 4 B per value', () => {
    const c = ctx('llama-2-7b');
    const t = blockllm.load(c, blockllmParams.parse({ sparsity: 0.95 }));
    const e = blockllm.load(c, blockllmParams.parse({ sparsity: 0.95, indices: 'element' }));
    // LLaMA-2-7B has 291 tensors (token table, 32 × 9, final norm, head), 289 selectable: 5% is 15 tensors
    expect(parameterTensors(c.arch)).toHaveLength(291);
    expect(blockllmEligibleTensors(c.arch)).toHaveLength(289);
    expect(e.uploadBytes - t.uploadBytes).toBe(4 * (t.trainedParams - 15));
  });
});

describe('FedLoRA (Hu et al. 2021; FedIT, Zhang et al. 2024)', () => {
  it('LLaMA-2-7B, r = 8 on q and v: 4,194,304 adapter values up and down', () => {
    const load = fedlora.load(ctx('llama-2-7b'), fedloraParams.parse({}));
    expect(load.trainedParams).toBe(4_194_304);
    expect(load.uploadBytes).toBe(4_194_304 * 2);
    expect(load.downloadBytes).toBe(4_194_304 * 2);
  });

  it('frozen base: backward has no base weight gradients, so FLOPs are about 2/3 of full FT', () => {
    const c = ctx('llama-2-7b');
    const ratio = fedlora.load(c, fedloraParams.parse({})).flops / fedavg.load(c, {}).flops;
    expect(ratio).toBeGreaterThan(0.66);
    expect(ratio).toBeLessThan(0.7);
  });

  it('rejects a gate target on an mlp model', () => {
    expect(() => fedlora.load(ctx('gpt2-124m'), fedloraParams.parse({ targets: ['gate'] }))).toThrow(/gate.*does not exist/);
  });
});
