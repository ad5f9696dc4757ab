import { describe, expect, it } from 'vitest';
import { layerMatmulParams, PRESETS } from '../../src/costs/index.js';
import { fedavg } from '../../src/methods/fedavg.js';
import { jcpba, jcpbaParams, jcpbaSolverFields } from '../../src/methods/jcpba.js';
import { ctx, WORK } from './helpers.js';

describe('JCPBA load split (pruned full fine-tuning)', () => {
  const structured = jcpbaParams.parse({});
  const unstructured = jcpbaParams.parse({ pruning: 'unstructured' });

  it('rho = 0 (structured) is FedAvg', () => {
    for (const preset of ['llama-2-7b', 'gpt2-124m', 'proxy']) {
      const c = ctx(preset, { rho: 0 });
      const j = jcpba.load(c, structured);
      const f = fedavg.load(c, {});
      expect(j.flops).toBeCloseTo(f.flops, -4);
      expect(j.memoryBytes).toBeCloseTo(f.memoryBytes, -2);
      expect(j.uploadBytes).toBe(f.uploadBytes);
      expect(j.downloadBytes).toBe(f.downloadBytes);
      expect(j.trainedParams).toBe(f.trainedParams);
    }
  });

  it('pruning rho removes rho of the prunable part from the FedAvg load (hand counts, LLaMA-3.2-1B)', () => {
    // Prunable: the layers' projections, 16 x (q 2048·2048 + k, v 2048·512 + o 2048·2048 +
    // gate, up, down 2048·8192) = 973,078,528 weights; per weight 6 FLOPs per token (10 steps x
    // 512 x 4 tokens), 2 + 14 B of memory (bf16 value + grad, fp32 master, Adam), 2 B on the wire.
    const p = 16 * (2 * 2048 * 2048 + 2 * 2048 * 512 + 3 * 2048 * 8192);
    expect(p).toBe(973_078_528);
    const full = fedavg.load(ctx('llama-3.2-1b'), {});
    for (const rho of [0, 0.1, 0.37, 0.8]) {
      for (const params of [structured, unstructured]) {
        const l = jcpba.load(ctx('llama-3.2-1b', { rho }), params);
        const mask = params.pruning === 'unstructured' ? p / 8 : 0;
        expect(l.flops / (full.flops - rho * 10 * 512 * 4 * 6 * p)).toBeCloseTo(1, 12);
        expect(l.memoryBytes / (full.memoryBytes - rho * 16 * p)).toBeCloseTo(1, 12);
        expect(l.uploadBytes / (full.uploadBytes + mask - rho * 2 * p)).toBeCloseTo(1, 12);
        expect(l.downloadBytes).toBe(full.downloadBytes);
      }
    }
  });

  it('prunable part: the layers\' linear weights (6 FLOPs/weight/token, 16 B/weight, wire bytes)', () => {
    const arch = PRESETS['llama-2-7b'];
    const p = arch.layers * layerMatmulParams(arch);
    const s = jcpba.load(ctx('llama-2-7b', { rho: 0.5 }), structured).split!;
    expect(s.prunableFlops).toBe(WORK.localSteps * 512 * 4 * 6 * p);
    expect(s.prunableMemoryBytes).toBe(16 * p);
    expect(s.prunableUploadBytes).toBe(2 * p);
    expect(s.fixedFlops).toBeGreaterThan(0);
    expect(s.fixedMemoryBytes).toBeGreaterThan(0);
  });

  it('unstructured pruning adds a 1-bit-per-weight mask to the fixed upload', () => {
    const arch = PRESETS['llama-2-7b'];
    const p = arch.layers * layerMatmulParams(arch);
    const a = jcpba.load(ctx('llama-2-7b', { rho: 0.5 }), structured);
    const b = jcpba.load(ctx('llama-2-7b', { rho: 0.5 }), unstructured);
    expect(b.split!.fixedUploadBytes - a.split!.fixedUploadBytes).toBe(p / 8);
    expect(b.uploadBytes - a.uploadBytes).toBe(p / 8);
  });

  it('rho outside [0, rhoMax] is an error; the params rho is the default', () => {
    expect(() => jcpba.load(ctx('proxy', { rho: 0.9 }), structured)).toThrow(/rhoMax/);
    const viaParams = jcpba.load(ctx('proxy'), jcpbaParams.parse({ rho: 0.3 }));
    const viaCtx = jcpba.load(ctx('proxy', { rho: 0.3 }), structured);
    expect(viaParams).toEqual(viaCtx);
  });

  it('solver fields carry the upload in bits', () => {
    const s = jcpba.load(ctx('gpt2-124m', { rho: 0.2 }), structured).split!;
    const f = jcpbaSolverFields(s);
    expect(f.prunableUploadBits).toBe(8 * s.prunableUploadBytes);
    expect(f.fixedUploadBits).toBe(8 * s.fixedUploadBytes);
    expect(f.prunableFlops).toBe(s.prunableFlops);
  });
});
