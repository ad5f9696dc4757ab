import { beforeAll, describe, expect, it } from 'vitest';
import { PROXY } from '../../src/costs/presets.js';
import { jcpba, jcpbaMasks, jcpbaParams, type JcpbaUpdate } from '../../src/methods/jcpba.js';
import { layerProjectionWeights } from '../../src/training/federated/common.js';
import { expand, maskedAverage, packBits, rowKeepFlags, unpackBits } from '../../src/training/federated/pruning.js';
import type { ClientUpdate } from '../../src/training/federated/types.js';
import { initWeights, paramNames, paramShapes } from '../../src/training/model/index.js';
import { trainSteps } from '../../src/training/train/index.js';
import { FP32_WORK, ready, testContext } from './training-fixtures.js';

const rule = jcpba.training!;
const ctx = testContext(PROXY, 16, 2, 2);
const base = initWeights(PROXY, 1);
const P = 2 * (4 * 64 * 64 + 2 * 64 * 256); // prunable: the layers' projection weights

describe('JCPBA pruning helpers', () => {
  it('mask-aware average: each entry over the clients that kept it; pruned by all keeps the old value', () => {
    const previous = Float32Array.of(1, 2, 3, 4);
    const out = maskedAverage(previous, [
      { weight: 1, values: Float32Array.of(10, 20, 0, 0), mask: Uint8Array.of(1, 1, 0, 0) },
      { weight: 3, values: Float32Array.of(50, 0, 70, 0), mask: Uint8Array.of(1, 0, 1, 0) },
    ]);
    // entry 0: (1·10 + 3·50)/4 = 40; entry 1: only client 1 -> 20; entry 2: only client 2 -> 70; entry 3: nobody -> 4.
    expect(Array.from(out)).toEqual([40, 20, 70, 4]);
  });

  it('structured masks drop the rows of smallest L2 norm; bitmasks round-trip', () => {
    const w = Float32Array.of(3, 0, 0, 1, 1, 1, 0, 0.5, 2, 2, 2, 0); // rows (4 x 3) norms^2 9, 3, 4.25, 8
    expect(Array.from(rowKeepFlags(w, 4, 3, 0.5))).toEqual([1, 0, 0, 1]);
    expect(Array.from(rowKeepFlags(w, 4, 3, 0))).toEqual([1, 1, 1, 1]);
    const a = Uint8Array.of(1, 0, 1, 1, 0, 0, 0, 1, 1);
    const b = Uint8Array.of(0, 1, 1);
    const bits = packBits([a, b]);
    expect(bits.length).toBe(2); // 12 bits
    expect(unpackBits(bits, [9, 3])).toEqual([a, b]);
  });
});

describe('JCPBA training rule', () => {
  beforeAll(ready);

  for (const pruning of ['structured', 'unstructured'] as const) {
    it(`${pruning}: pruned weights stay exactly zero through local training`, () => {
      const rho = 0.5;
      const { masks } = jcpbaMasks(PROXY, base, rho, pruning);
      const r = trainSteps({ arch: PROXY, weights: base, trainable: 'all', masks, batches: ctx.batches(0, 1, 3), lr: 0.01, optimizer: 'adam', seed: 1 });
      const shapes = paramShapes(PROXY);
      for (const name of layerProjectionWeights(PROXY)) {
        const m = masks[name]!;
        const w = r.weights[name]!;
        let pruned = 0;
        let moved = 0;
        for (let i = 0; i < w.length; i++) {
          if (m[i] === 0) {
            pruned++;
            expect(w[i]).toBe(0);
          } else if (w[i] !== base[name]![i]) moved++;
        }
        expect(pruned).toBe(w.length / 2);
        // The kept entries did train (structured: the columns fed by pruned rows of the previous
        // projection get no gradient, e.g. wo's inputs from pruned v rows, so fewer move).
        // A kept row c of wq whose wk row c is pruned has zero gradient in exact arithmetic:
        // k_c = bk_c is the same for every key, and softmax is invariant to adding q_c·bk_c to a
        // query's scores (the rows of dS sum to 0), so such rows move only by float rounding;
        // the bound counts the rows whose q and k channels are both kept.
        let expectMoved = w.length / 4;
        if (pruning === 'structured' && name.endsWith('.wq')) {
          const mk = masks[name.replace('.wq', '.wk')]!;
          const cols = shapes[name]![1]!;
          let both = 0;
          for (let row = 0; row < shapes[name]![0]!; row++) if (m[row * cols] && mk[row * cols]) both++;
          expectMoved = both * cols;
        }
        expect(moved).toBeGreaterThanOrEqual(expectMoved);
        if (pruning === 'structured') {
          const cols = shapes[name]![1]!;
          for (let row = 0; row < shapes[name]![0]!; row++) {
            const flags = m.subarray(row * cols, (row + 1) * cols);
            expect(flags.every((f) => f === flags[0])).toBe(true); // whole rows
          }
        }
      }
    });
  }

  for (const pruning of ['structured', 'unstructured'] as const) {
    for (const rho of [0, 0.25, 0.5, 0.75]) {
      it(`${pruning}, rho = ${rho}: bytes uploaded = the cost model's S0 + (1 - rho) S1 in fp32`, () => {
        const params = jcpbaParams.parse({ pruning, rhoMax: 0.8 });
        const g = rule.init(base, ctx, params);
        const u = rule.clientWork(rule.configure(g, 1, { client: 0, rho }, ctx, params), params, PROXY);
        const load = jcpba.load({ arch: PROXY, work: FP32_WORK, round: 0, client: 0, clients: 2, rho }, params);
        expect(u.uploadBytes).toBe(load.uploadBytes);
        const mask = pruning === 'unstructured' ? P / 8 : 0;
        expect(u.uploadBytes).toBe(4 * (124_672 - P) + mask + 4 * (1 - rho) * P);
      });
    }
  }

  it('aggregation is mask-aware on the real model (2 clients, unstructured, rho 0.5 and 0.25)', () => {
    const params = jcpbaParams.parse({ pruning: 'unstructured' });
    const g = rule.init(base, ctx, params);
    const ups = [0.5, 0.25].map((rho, client) => rule.clientWork(rule.configure(g, 1, { client, rho }, ctx, params), params, PROXY) as ClientUpdate<JcpbaUpdate>);
    const next = rule.aggregate(g, 1, [{ weight: 1, update: ups[0]! }, { weight: 2, update: ups[1]! }], ctx, params);
    const name = 'l0.mlp.w1';
    const masks = [0.5, 0.25].map((rho) => jcpbaMasks(PROXY, base, rho, 'unstructured').masks[name]!);
    const vals = ups.map((u, k) => expand(u.update.kept[name]!, masks[k]!));
    let both = 0;
    for (let i = 0; i < vals[0]!.length; i++) {
      const m0 = masks[0]![i]!;
      const m1 = masks[1]![i]!;
      const expected = m0 && m1 ? (vals[0]![i]! + 2 * vals[1]![i]!) / 3 : m0 ? vals[0]![i]! : m1 ? vals[1]![i]! : base[name]![i]!;
      expect(next.weights[name]![i]).toBeCloseTo(expected, 6);
      if (m0 && m1) both++;
    }
    expect(both).toBeGreaterThan(0);
    // Non-prunable parameters: the plain weighted average.
    const ln = 'l0.ln1.g';
    const d = ups.map((u) => u.update.dense[ln]!);
    expect(next.weights[ln]![3]).toBeCloseTo((d[0]![3]! + 2 * d[1]![3]!) / 3, 6);
    expect(Object.keys(next.weights)).toEqual(paramNames(PROXY));
  });

  it('rho = 0 for everyone is FedAvg', async () => {
    const { fedavg } = await import('../../src/methods/fedavg.js');
    const params = jcpbaParams.parse({});
    const g = rule.init(base, ctx, params);
    const contrib = [0, 1].map((client) => ({ weight: 1 + client, update: rule.clientWork(rule.configure(g, 1, { client, rho: 0 }, ctx, params), params, PROXY) }));
    const fa = fedavg.training!;
    const gf = fa.init(base, ctx, {});
    const cf = [0, 1].map((client) => ({ weight: 1 + client, update: fa.clientWork(fa.configure(gf, 1, { client }, ctx, {}), {}, PROXY) }));
    expect(rule.aggregate(g, 1, contrib, ctx, params).weights).toEqual(fa.aggregate(gf, 1, cf, ctx, {}).weights);
  });
});
