import { describe, expect, it } from 'vitest';
import { PRESET_IDS } from '../../src/costs/index.js';
import { getMethod, METHOD_IDS, METHODS, methodLoad } from '../../src/methods/registry.js';
import { ctx } from './helpers.js';

describe('method registry', () => {
  it('has exactly the seven methods, keyed by their ids', () => {
    expect(METHOD_IDS).toEqual(['fedavg', 'fedlora', 'lora-a2', 'fedkseed', 'fedcybgd', 'blockllm', 'jcpba']);
    for (const [id, m] of Object.entries(METHODS)) {
      expect(m.id).toBe(id);
      expect(m.formula.length).toBeGreaterThan(10);
    }
  });

  it('unknown ids list the valid ones', () => {
    expect(() => getMethod('fedprox')).toThrow(/unknown method "fedprox"; valid methods: fedavg, fedlora, lora-a2/);
  });

  it('params default from {} and reject unknown fields', () => {
    expect(getMethod('fedlora').paramsSchema.parse({})).toEqual({ rank: 8, targets: ['q', 'v'], alpha: 16 });
    expect(getMethod('lora-a2').paramsSchema.parse({})).toMatchObject({ rank: 16, rankBudget: 2, lrRatioB: 5, scoringFraction: 0.2 });
    expect(getMethod('fedkseed').paramsSchema.parse({})).toMatchObject({ seeds: 4096, eps: 5e-4, importanceClip: 1000, replay: 'incremental' });
    expect(getMethod('fedcybgd').paramsSchema.parse({})).toEqual({ downloadCompression: 1, optimizerState: 'carried' });
    expect(getMethod('blockllm').paramsSchema.parse({})).toMatchObject({ sparsity: 0.9, updateFreq: 1000, patience: 100, paramUpdateInterval: 20, numBottomToSample: 1 });
    expect(getMethod('jcpba').paramsSchema.parse({})).toMatchObject({ pruning: 'structured', rhoMax: 0.8, solver: 'exact' });
    for (const id of METHOD_IDS) expect(getMethod(id).paramsSchema.safeParse({ bogus: 1 }).success).toBe(false);
  });

  it('every method gives a finite, positive load for every preset', () => {
    for (const preset of PRESET_IDS) {
      for (const id of METHOD_IDS) {
        const l = methodLoad(id, ctx(preset, { round: 3, client: 5 }));
        for (const v of [l.flops, l.memoryBytes, l.uploadBytes, l.downloadBytes, l.trainedParams]) {
          expect(Number.isFinite(v) && v > 0).toBe(true);
        }
      }
    }
  });
});
