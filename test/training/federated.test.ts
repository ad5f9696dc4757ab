import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import { getMethod } from '../../src/methods/registry.js';
import { trainingSchema, type TrainingInput } from '../../src/training/config.js';
import {
  createFederatedTrainer,
  createTrainingEnvironment,
  flContext,
  pretrainedBase,
  type TrainingEnvironment,
} from '../../src/training/federated/index.js';
import { defaultProxy } from '../../src/training/model/index.js';
import { decode, EOT } from '../../src/training/data/tokenizer.js';
import { createExecutor, type TrainingExecutor } from '../../src/training/pool/index.js';

// A tiny proxy (1 layer, width 32) so a few rounds of several methods run in seconds.
const TINY: Architecture = { ...defaultProxy(), name: 'tiny', layers: 1, hidden: 32, heads: 4, kvHeads: 4, ffn: 64, maxPositions: 32 };
const CLIENTS = 3;
const SEED = 5;

function config(over: Partial<TrainingInput> = {}) {
  return trainingSchema.parse({
    model: TINY,
    data: { source: 'generated-gsm8k', records: 240, partition: { kind: 'dirichlet', alpha: 0.5 } },
    localSteps: 3,
    batchSize: 4,
    seqLen: 16,
    lr: 0.01,
    pretrainSteps: 100,
    pretrainLr: 0.01,
    evalBatches: 3,
    workers: 0,
    backend: 'wasm',
    ...over,
  });
}

const everyone = (staleness = 0) => Array.from({ length: CLIENTS }, (_, c) => ({ client: c, weight: 1 + c, staleness }));

let env: TrainingEnvironment;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  env = await createTrainingEnvironment(config(), { seed: SEED, clients: CLIENTS, baseDir: process.cwd() });
  closers.push(() => env.close());
});
afterAll(async () => {
  for (const c of closers) await c();
});

describe('training config', () => {
  it('has defaults and resolves the model', () => {
    const c = trainingSchema.parse({});
    expect(c.arch.name).toBe('proxy');
    expect(c).toMatchObject({ localSteps: 4, batchSize: 8, seqLen: 32, optimizer: 'adam', evalEvery: 1, backend: 'auto', pretrainSteps: 60 });
  });
  it('rejects unknown fields, unsupported models and too-long sequences', () => {
    expect(() => trainingSchema.parse({ lr: 0.1, steps: 3 })).toThrow(/steps/);
    expect(() => trainingSchema.parse({ model: 'llama-2-7b' })).toThrow(/not supported/);
    expect(() => trainingSchema.parse({ model: 'nope' })).toThrow(/unknown preset/);
    expect(() => trainingSchema.parse({ seqLen: 200 })).toThrow(/128 learned positions/);
  });
});

describe('federated trainer', () => {
  it('every method starts from the same pre-trained base, better than the random init', async () => {
    const base = await pretrainedBase(env);
    expect(await pretrainedBase(env)).toBe(base); // cached
    const a = await createFederatedTrainer({ method: { id: 'fedavg' }, env });
    const b = await createFederatedTrainer({ method: { id: 'fedlora' }, env });
    expect(a.global().weights).toEqual(b.global().weights);
    expect(await a.evaluate()).toBe(await b.evaluate());
    const raw = await createTrainingEnvironment(config({ pretrainSteps: 0 }), { seed: SEED, clients: CLIENTS, baseDir: process.cwd() });
    const r = await createFederatedTrainer({ method: { id: 'fedavg' }, env: raw });
    // The warm-up lowered the loss on the (other-domain) test text.
    expect(await a.evaluate()).toBeLessThan(await r.evaluate());
    expect(a.describe()).toMatch(/^fedavg on tiny [\d,]+ params, tfjs-\w+/);
  });

  it('the test set is held out: no test document is in any client\'s training data', () => {
    const docs = (tokens: Uint8Array) => decode(tokens).split(String.fromCharCode(EOT)).filter((d) => d !== '');
    const clientDocs = new Set(env.data.train.flatMap((c) => docs(c.tokens)));
    expect(clientDocs.size).toBeGreaterThan(100);
    const test = docs(env.data.test.tokens);
    expect(test).toEqual(env.data.testTexts);
    expect(test.length).toBeGreaterThan(5);
    expect(test.filter((t) => clientDocs.has(t))).toEqual([]);
  });

  // Each method lowers the held-out loss within a few rounds (fixed seeds; 4 rounds x 3 clients x 3 steps).
  for (const [id, params] of [
    ['fedavg', {}],
    ['fedlora', { rank: 4, targets: ['q', 'v', 'up'] }],
    ['jcpba', { pruning: 'structured' }],
    ['jcpba', { pruning: 'unstructured' }],
  ] as const) {
    it(`${id} ${JSON.stringify(params)} lowers the test loss`, async () => {
      const t = await createFederatedTrainer({ method: { id, params }, env });
      const before = await t.evaluate();
      let last = NaN;
      for (let round = 1; round <= 4; round++) {
        const rho = id === 'jcpba' ? [0, 0.25, 0.5] : undefined;
        const res = await t.aggregate(round, everyone().map((c) => (rho ? { ...c, rho: rho[c.client]! } : c)));
        expect(res.trainLoss).toBeGreaterThan(0);
        last = res.testLoss!;
      }
      expect(last).toBeLessThan(before - 0.05);
      expect(t.lastUploadBytes().map((u) => u.client)).toEqual([0, 1, 2]);
      await t.close();
    });
  }

  it('aggregation 1 is the rules\' round 0: LoRA-A2 trains B first (Alg. 1), as the cost model counts it', async () => {
    const t = await createFederatedTrainer({ method: { id: 'lora-a2', params: { rank: 4, targets: ['q', 'v'] } }, env });
    const before = t.global().lora!.weights;
    await t.aggregate(1, everyone());
    const after = t.global().lora!.weights;
    const changed = (suffix: string) => Object.keys(after).filter((k) => k.endsWith(suffix)).some((k) => after[k]!.some((v, i) => v !== before[k]![i]));
    expect(changed('.B')).toBe(true);
    expect(changed('.A')).toBe(false);
    await t.close();
  });

  it('evaluates every evalEvery rounds and keeps the model when nobody contributes', async () => {
    const e2 = { ...env, config: { ...env.config, evalEvery: 2 } };
    const t = await createFederatedTrainer({ method: { id: 'fedavg' }, env: e2 });
    const w0 = t.global();
    expect(await t.aggregate(1, [])).toEqual({ trainLoss: null, testLoss: null });
    expect(t.global()).toBe(w0);
    const r2 = await t.aggregate(2, [{ client: 0, weight: 1, staleness: 0 }]);
    expect(r2.testLoss).not.toBeNull();
    await expect(t.aggregate(4, [])).rejects.toThrow(/rounds must follow/);
  });

  it('async: a stale contribution is trained from the older global version', async () => {
    const t = await createFederatedTrainer({ method: { id: 'fedavg' }, env });
    const v0 = t.global();
    await t.aggregate(1, [{ client: 0, weight: 1, staleness: 0 }, { client: 1, weight: 1, staleness: 0 }]);
    const v1 = t.global();
    await t.aggregate(2, [{ client: 2, weight: 1, staleness: 1 }]);
    // By hand: client 2 trains from v0 (downloaded before aggregation 1), the server merges into v1;
    // aggregation 2 is the rules' round 1 (rules count from 0).
    const rule = getMethod('fedavg').training!;
    const ctx = flContext(env);
    const expected = (from: typeof v0) =>
      rule.aggregate(v1, 1, [{ weight: 1, update: rule.clientWork(rule.configure(from, 1, { client: 2 }, ctx, {}), {}, env.arch) }], ctx, {});
    expect(t.global().weights).toEqual(expected(v0).weights);
    expect(t.global().weights).not.toEqual(expected(v1).weights);
    await expect(t.aggregate(3, [{ client: 0, weight: 1, staleness: 5 }])).rejects.toThrow(/refers to version/);
  });

  it('gives identical results with 0 and 2 pool workers (sync and stale contributions)', async () => {
    let pool: TrainingExecutor | undefined = await createExecutor({ workers: 2, backend: 'wasm' });
    closers.push(() => pool!.close());
    const env2 = await createTrainingEnvironment(config(), { seed: SEED, clients: CLIENTS, baseDir: process.cwd(), executor: pool });
    const run = async (e: TrainingEnvironment, id: string, params: object) => {
      const t = await createFederatedTrainer({ method: { id, params }, env: e });
      const losses = [];
      losses.push(await t.aggregate(1, everyone().map((c) => ({ ...c, rho: 0.5 }))));
      losses.push(await t.aggregate(2, [{ client: 1, weight: 0.5, staleness: 1, rho: 0.25 }, { client: 2, weight: 1, staleness: 0, rho: 0 }]));
      return { losses, global: t.global(), uploads: t.lastUploadBytes() };
    };
    for (const [id, params] of [['fedlora', {}], ['jcpba', { pruning: 'unstructured' }]] as const) {
      const r0 = await run(env, id, params);
      const r2 = await run(env2, id, params);
      expect(r2).toEqual(r0);
    }
  });
});
