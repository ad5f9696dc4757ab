// BCD on the reconstructed JCPBA model (docs/jcpba-model.md): why it stops at bandwidth-only and
// the `start` option (solvers/README.md, "Why BCD stops at bandwidth-only").
import { describe, expect, it } from 'vitest';
import { randomInstance, solveJcpba } from '../../solvers/jcpba/index.js';
import { affineLatencies } from '../../solvers/jcpba/baselines.js';
import { minMaxBandwidth } from '../../solvers/jcpba/bandwidth.js';
import { solveBcd } from '../../solvers/jcpba/bcd.js';
import { feasibleFloors, meanPruningRate } from '../../solvers/jcpba/model.js';

const CASES = Array.from({ length: 50 }, (_, i) => randomInstance(500 + i, 'solvers-test', 2 + (i % 6) * 2));
const J = (r: { totalLatencyS: number | null }) => r.totalLatencyS!;

describe('BCD start', () => {
  it('as stated (floors, bandwidth block first) it stops where the first bandwidth block leaves it whenever pruning everyone does not pay', () => {
    let stuck = 0;
    for (const inst of CASES) {
      const floors = feasibleFloors(inst);
      const bw = minMaxBandwidth(inst, floors);
      const { e, a } = affineLatencies(inst, bw.bandwidthHz);
      // After the min-max block every client ends at T: shortening T by d needs every rho_k up by d / a_k.
      e.forEach((ek, k) => expect((ek + a[k]! * (1 - floors[k]!)) / bw.latencyS).toBeCloseTo(1, 6));
      const W = inst.clients.reduce((s, c) => s + c.weight, 0);
      const marginal = (bw.latencyS * inst.rounds.beta * inst.clients.reduce((s, c, k) => s + c.weight / a[k]!, 0)) / W;
      const slack = inst.rounds.epsilon - inst.rounds.beta * meanPruningRate(inst.clients, floors);
      if (marginal > slack) {
        stuck++;
        expect(J(solveBcd(inst)) / J(solveJcpba(inst, 'bandwidth-only'))).toBeCloseTo(1, 9);
      }
    }
    expect(stuck).toBeGreaterThan(10);
  });

  it('pruning-first is never worse than pruning-only; exact start returns the exact optimum', () => {
    let better = 0;
    for (const inst of CASES) {
      const pf = J(solveBcd(inst, { start: 'pruning-first', pruningBlock: 'closed-form' }));
      expect(pf).toBeLessThanOrEqual(J(solveJcpba(inst, 'pruning-only')) * (1 + 1e-9));
      if (pf < J(solveBcd(inst, { pruningBlock: 'closed-form' })) * (1 - 1e-3)) better++;
      // The exact solver is optimal to its certified 1e-5; the blocks can only polish within it.
      const ratio = J(solveBcd(inst, { start: 'exact', pruningBlock: 'closed-form' })) / J(solveJcpba(inst, 'exact'));
      expect(ratio).toBeLessThanOrEqual(1 + 1e-12);
      expect(ratio).toBeGreaterThan(1 - 1e-5);
    }
    expect(better).toBeGreaterThan(30);
  });
});
