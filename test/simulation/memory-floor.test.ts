/**
 * Issue 10, "Solver memory floor": a client that JCPBA places exactly at its memory floor (rho such
 * that the load equals the capacity up to rounding, e.g. 32000000000.000004 B against 32 GB) must
 * take part with its bandwidth, not be rejected as oom by the device check of the run. The planner,
 * the solver's floors and the device check decide with one function (memoryFits).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/simulation/scenario.js';
import { jcpba, jcpbaParams, jcpbaSplit } from '../../src/methods/jcpba.js';
import { modelSchema } from '../../src/costs/schema.js';
import { MEMORY_FIT_TOLERANCE, fitsInMemory, memoryFits } from '../../src/devices/device.js';
import { rhoMinFromMemory } from '../../solvers/jcpba/model.js';
import { loadObject } from '../helpers/scenario.js';

const model = { preset: 'llama-2-7b', weights: 'fp32', seqLen: 128, batchSize: 4, localSteps: 4, activationCheckpointing: true };

describe('solver memory floor: one tolerance for planner and device check', () => {
  const m = modelSchema.parse(model);
  const params = jcpbaParams.parse({});
  const ctx = { arch: m.arch, work: m.work, round: 0, client: 0, clients: 3 };
  const split = jcpbaSplit(ctx, params);
  const M = 32e9;

  it('the load at the floor of a 32 GB client is 32 GB only up to rounding (the case of the issue)', () => {
    // The floor from the memory constraint, written out: (1 - rho) M1 + M0 = M.
    const rho = 1 - (M - split.fixedMemoryBytes) / split.prunableMemoryBytes;
    const load = jcpba.load({ ...ctx, rho }, params).memoryBytes;
    expect(load).toBeGreaterThan(M); // 32000000000.000004: a strict <= would call this oom
    expect(load - M).toBeLessThan(M * 1e-15);
    expect(fitsInMemory({ memoryBytes: M }, load)).toBe(true);
    expect(rhoMinFromMemory(M, split.fixedMemoryBytes, split.prunableMemoryBytes)).toBeCloseTo(rho, 14);
    // The tolerance is far below anything physical: one whole byte more than 32 GB does not fit.
    expect(MEMORY_FIT_TOLERANCE).toBeLessThanOrEqual(1e-12);
    expect(memoryFits(M + 1, M)).toBe(false);
    expect(memoryFits(M * (1 + 1e-15), M)).toBe(true);
  });

  it('a client placed exactly at its memory floor is not rejected as oom and its bandwidth is used', async () => {
    const run = await runScenario(
      loadObject({
        name: 'floor',
        seed: 1,
        rounds: 2,
        // Client 0: 32 GB, close and fast, so the solver keeps it at its floor (pruning more only raises R).
        clients: { count: 3, compute: ['50 TFLOP/s', '10 TFLOP/s', '10 TFLOP/s'], memory: ['32 GB', '400 GB', '400 GB'], distance: ['40 m', '300 m', '400 m'] },
        network: { type: 'wireless', bandwidth: '20 MHz', shadowing: { sigma: '0 dB' }, fading: 'none' },
        model,
        methods: ['jcpba'],
      }),
    );
    const floor = rhoMinFromMemory(M, split.fixedMemoryBytes, split.prunableMemoryBytes);
    const c0 = run.clients.filter((c) => c.client === 0);
    expect(c0.length).toBe(2);
    for (const c of c0) {
      expect(c.rho).toBeCloseTo(floor, 9); // exactly at the floor: the case that was rejected
      expect(c.status).toBe('ok');
      expect(c.bandwidth_hz).toBeGreaterThan(0);
      expect(c.memory_bytes).toBeGreaterThan(M - 1);
    }
  });
});
