import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { getPreset } from '../../src/costs/presets.js';
import { blockllm, blockllmTraining, blockllmBudget, blockllmEligibleProxy, blockllmEligibleTensors, blockllmParams } from '../../src/methods/blockllm.js';
import { RandomStream } from '../../src/random/index.js';
import { initBackend } from '../../src/training/backend.js';
import { buildCorpus, formatGsm8k, generateGsm8kLike } from '../../src/training/data/index.js';
import type { LocalTraining } from '../../src/training/federated/types.js';
import { defaultProxy, initWeights, paramNames, paramShapes, sizeOf } from '../../src/training/model/index.js';
import { initialSelection, initialVisits, reselect, selectionScore, shouldReselect } from '../../src/training/rules/block-selection.js';
import { corpusContext, globalLoss, heldOutLossDrop, runInProcess } from '../../src/training/rules/harness.js';
import { ctx as costCtx, expectDisjoint } from './helpers.js';

const arch: Architecture = { ...defaultProxy(), name: 'bl-small', layers: 2, hidden: 32, ffn: 64, maxPositions: 32 };
const local: LocalTraining = { steps: 4, batchSize: 4, seqLen: 16, lr: 1e-2, optimizer: 'adam' };
const texts = generateGsm8kLike(60, 7).map(formatGsm8k);
const corpus = buildCorpus(texts);
const rule: typeof blockllmTraining = blockllm.training!;
const sizes = (a: Architecture) => Object.fromEntries(Object.entries(paramShapes(a)).map(([n, s]) => [n, sizeOf(s)]));

beforeAll(async () => {
  await initBackend('wasm');
});

describe('BlockLLM selection rules (official blockllm_torch/blockllm.py)', () => {
  it('score ||g|| / exp(f / t), with f the normalised visit frequency and t the step', () => {
    expect(selectionScore(2, 0.5, 1)).toBeCloseTo(2 / Math.exp(0.5), 14);
    expect(selectionScore(2, 0.5, 100)).toBeCloseTo(2 / Math.exp(0.005), 14);
    // Not the former ||g|| / sqrt(1 + visits).
    expect(selectionScore(3, 1, 1)).not.toBeCloseTo(3 / Math.SQRT2, 3);
    // Reselection by score: b (3 / e^(0.1/10)) beats a (4 / e^(0.9/10))? 2.970 vs 3.655: a first.
    const names = ['a', 'b', 'c', 'd'];
    const sz = { a: 10, b: 6, c: 5, d: 1 };
    const st = { gradNorms: { a: 4, b: 3, c: 2, d: 1 }, visits: { a: 0.25, b: 0.25, c: 0.25, d: 0.25 }, step: 10 };
    // a (10) fits under 12, a + b = 16 reaches 12: the selection stops there (official `break`), d is not tried.
    expect(reselect(names, sz, st, 12, RandomStream.of(1, 't')).selected).toEqual(['a']);
    // A high visit frequency at a small t demotes a tensor: a's score 4/e^(0.97/1) = 1.52 < b's 3/e^(0.01) = 2.97.
    const heavy = { ...st, visits: { a: 0.97, b: 0.01, c: 0.01, d: 0.01 }, step: 1 };
    expect(reselect(names, sz, heavy, 12, RandomStream.of(1, 't')).selected).toEqual(['b', 'c']);
  });

  it('visit frequencies: each selected tensor, in order, f <- (f + e) / 2', () => {
    const names = ['a', 'b', 'c', 'd'];
    const v = reselect(names, { a: 1, b: 1, c: 1, d: 1 }, { gradNorms: { a: 1, b: 2, c: 0, d: 0 }, visits: initialVisits(names), step: 5 }, 2.5, RandomStream.of(1, 't'));
    expect(v.selected).toEqual(['a', 'b']);
    // a: (0.25 + 1)/2 = 0.625, others 0.125; then b: (0.125 + 1)/2 = 0.5625, a 0.3125, c, d 0.0625.
    expect(v.visits.a).toBeCloseTo(0.3125, 14);
    expect(v.visits.b).toBeCloseTo(0.5625, 14);
    expect(v.visits.c).toBeCloseTo(0.0625, 14);
    expect(Object.values(v.visits).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 14);
  });

  it('stall test: only at t % updateFreq = 0, after more than patience losses, when the recent mean is above the mean since the last reselection', () => {
    const falling = [5, 4, 3, 2, 1];
    const rising = [1, 1, 1, 2, 3];
    expect(shouldReselect(rising, 10, 5, 2)).toBe(true); // mean 1.6 < recent (2 + 3)/2
    expect(shouldReselect(falling, 10, 5, 2)).toBe(false);
    expect(shouldReselect(rising, 11, 5, 2)).toBe(false); // not a check step
    expect(shouldReselect(rising.slice(0, 2), 10, 5, 2)).toBe(false); // not more than patience losses
  });

  it('embeddings and the LM head are never selectable (proxy and cost model)', () => {
    const eligible = blockllmEligibleProxy(arch);
    expect(eligible).not.toContain('tok_emb');
    expect(eligible).not.toContain('pos_emb');
    expect(eligible).toContain('ln_f.g'); // the final norm is, as LLaMA's model.norm
    expect(eligible).toHaveLength(paramNames(arch).length - 2);
    for (const preset of ['llama-2-7b', 'roberta-base', 'gpt2-124m']) {
      const t = blockllmEligibleTensors(getPreset(preset));
      expect(t.some((x) => x.block === 'embedding' || x.name.startsWith('head.'))).toBe(false);
    }
    // The first random selection draws from the eligible tensors only: max(1, int(0.5 · 4)) = 2 of them.
    const first = initialSelection(['x', 'y', 'z', 'w'], 0.5, RandomStream.of(3, 'init'));
    expect(first).toHaveLength(2);
  });

  it('the client trains only eligible tensors, never embeddings; upload = its changed tensors', () => {
    for (const indices of ['tensor', 'element'] as const) {
      const a = defaultProxy();
      const params = blockllmParams.parse({ sparsity: 0.7, indices });
      const ctx = corpusContext(a, corpus, 2, { ...local, steps: 2 }, 3);
      runInProcess(rule, params, ctx, initWeights(a, 1), 2, (_round, global, updates, before) => {
        const union = new Set<string>();
        for (const u of updates) {
          const sel = u.update.selection.selected;
          sel.forEach((n) => union.add(n));
          expect(sel.every((n) => n !== 'tok_emb' && n !== 'pos_emb')).toBe(true);
          const count = sel.reduce((s, n) => s + sizes(a)[n]!, 0);
          expect(u.update.values.length).toBe(count);
          expect(u.update.indices.length).toBe(indices === 'tensor' ? sel.length : count);
          expect(u.uploadBytes).toBe(4 * (count + u.update.indices.length));
        }
        for (const n of paramNames(a)) {
          const changed = global.weights[n]!.some((v, i) => v !== before.weights[n]![i]);
          if (!union.has(n)) expect(changed, n).toBe(false);
        }
        expect(global.weights.tok_emb).toEqual(before.weights.tok_emb);
      });
    }
  });

  it('keeps the selection until a check step finds the loss stalled; samples an inactive tensor every interval', () => {
    let ctx = corpusContext(arch, corpus, 1, local, 6);
    const states: { selected: string[]; sampled: string | null; step: number; reselections: number; gradNorms: Record<string, number> }[] = [];
    const run = (params: ReturnType<typeof blockllmParams.parse>) => {
      states.length = 0;
      runInProcess(rule, params, ctx, initWeights(arch, 3), 4, (_r, g) => states.push(g.state!.clients[0]!));
      return [...states];
    };
    // Official defaults: update_freq 1000 steps, so 16 local steps never reselect.
    const fixed = run(blockllmParams.parse({ sparsity: 0.8 }));
    expect(fixed.every((s) => s.reselections === 0 && s.selected.join() === fixed[0]!.selected.join())).toBe(true);
    expect(fixed.map((s) => s.step)).toEqual([4, 8, 12, 16]);
    // Interval 4: an inactive tensor is observed from step 4 on, and its gradient norm is recorded.
    const sampled = run(blockllmParams.parse({ sparsity: 0.8, paramUpdateInterval: 4 }));
    for (const s of sampled) {
      expect(s.sampled).not.toBeNull();
      expect(s.selected).not.toContain(s.sampled);
      // Measured (the key bias, whose gradient is exactly 0 under softmax, can be drawn too).
      expect(s.gradNorms[s.sampled!]).toBeGreaterThanOrEqual(0);
    }
    const observed = Object.keys(sampled[3]!.gradNorms).filter((n) => !sampled[3]!.selected.includes(n));
    expect(observed.length).toBeGreaterThan(0);
    expect(observed.some((n) => sampled[3]!.gradNorms[n]! > 0)).toBe(true);
    // Check every 2 steps with patience 1: a last loss above the mean since the last reselection
    // reselects. With lr 0 nothing is learnt, so the loss varies only with the batch and a check
    // step finds it above the running mean about half the time (a trend-free sequence); a large
    // step size does not reliably make this tiny model's loss rise.
    ctx = corpusContext(arch, corpus, 1, { ...local, lr: 0 }, 6);
    const checked = run(blockllmParams.parse({ sparsity: 0.8, updateFreq: 2, patience: 1, paramUpdateInterval: 2 }));
    expect(checked[checked.length - 1]!.reselections).toBeGreaterThan(0);
    for (const s of checked) expect(s.selected.reduce((a, n) => a + sizes(arch)[n]!, 0)).toBeLessThan(blockllmBudget(arch, 0.8) + Math.max(...Object.values(sizes(arch))));
  });

  it('averages each tensor over the clients that sent it (tensor and element indices agree)', () => {
    const results = (['tensor', 'element'] as const).map((indices) => {
      const params = blockllmParams.parse({ sparsity: 0.7, indices });
      const ctx = corpusContext(arch, corpus, 3, local, 4);
      const global = rule.init(initWeights(arch, 2), ctx, params);
      const ups = [0, 1, 2].map((client) => rule.clientWork(rule.configure(global, 0, { client }, ctx, params), params, arch));
      return { ups, next: rule.aggregate(global, 0, ups.map((update, i) => ({ weight: i + 1, update })), ctx, params), global };
    });
    expect(results[1]!.next.weights).toEqual(results[0]!.next.weights);
    const { ups, next, global } = results[0]!;
    const names = paramNames(arch);
    for (const n of names) {
      const senders = ups.map((u, i) => ({ u, w: i + 1 })).filter(({ u }) => [...u.update.indices].some((t) => names[t] === n));
      if (senders.length === 0) {
        expect(next.weights[n]).toEqual(global.weights[n]);
        continue;
      }
      const valueOf = (u: (typeof ups)[number]) => {
        let at = 0;
        for (const t of u.update.indices) {
          if (names[t] === n) return u.update.values[at]!;
          at += sizes(arch)[names[t]!]!;
        }
        throw new Error('not sent');
      };
      const expected = senders.reduce((s, { u, w }) => s + w * valueOf(u), 0) / senders.reduce((s, { w }) => s + w, 0);
      expect(next.weights[n]![0]!).toBeCloseTo(expected, 6);
    }
  });

  it('cost model: the sampled tensor\'s weight gradient is charged, no full-gradient step', () => {
    const c = costCtx('llama-2-7b');
    const with1 = blockllm.load(c, blockllmParams.parse({ sparsity: 0.95 }));
    const with0 = blockllm.load(c, blockllmParams.parse({ sparsity: 0.95, numBottomToSample: 0 }));
    const eligible = blockllmEligibleTensors(c.arch);
    const meanMatmul = eligible.filter((t) => t.kind === 'linear').reduce((a, t) => a + t.params, 0) / eligible.length;
    expect(with1.flops - with0.flops).toBeCloseTo(c.work.localSteps * c.work.seqLen * c.work.batchSize * 2 * meanMatmul, -3);
    expect(with1.memoryBytes - with0.memoryBytes).toBe(4096 * 11008 * 2); // largest selectable tensor's bf16 gradient
  });

  it('lowers the held-out loss within a few rounds', () => {
    const params = blockllmParams.parse({ sparsity: 0.8 });
    const { before, after, train, heldOut } = heldOutLossDrop(rule, params, arch, texts, local, 6);
    expectDisjoint(train, heldOut);
    console.log(`BlockLLM held-out loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    expect(after).toBeLessThan(before - 0.1);
  });
});
