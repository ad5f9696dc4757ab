/**
 * JCPBA solve times (on airtune's reconstruction of the JCPBA model, docs/jcpba-model.md) at
 * K = 10, 100, 1,000 clients for `exact` and `bcd` (random instances of
 * solvers/jcpba/random-instance.ts, fixed seeds).
 *
 * bcd's pruning block runs javascript-lp-solver, whose dense simplex takes seconds per LP at
 * K = 1,000, so at K = 1,000 bcd is capped at 8 LPs in total (one BCD iteration with a short
 * G search); its time and objective are reported as capped.
 */
import { solveExactDetailed } from '../solvers/jcpba/exact.js';
import { solveBcd, type BcdOptions } from '../solvers/jcpba/bcd.js';
import { randomInstance } from '../solvers/jcpba/random-instance.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function bench(): Promise<void> {
  for (const K of [10, 100, 1000]) {
    const seeds = K === 1000 ? [1, 2, 3] : [1, 2, 3, 4, 5];
    const exactMs: number[] = [];
    const evals: number[] = [];
    const bcdMs: number[] = [];
    const gaps: number[] = [];
    for (const seed of seeds) {
      const inst = randomInstance(seed, 'bench', K);
      let t0 = performance.now();
      const ex = solveExactDetailed(inst);
      exactMs.push(performance.now() - t0);
      evals.push(ex.diagnostics.evaluations);
      if (K === 1000 && seed !== seeds[0]) continue; // one capped bcd run at K = 1,000
      const opts: BcdOptions = K === 1000 ? { maxLps: 8, maxIterations: 1, budgetTolerance: 1e-2 } : {};
      t0 = performance.now();
      const bcd = solveBcd(inst, opts);
      bcdMs.push(performance.now() - t0);
      gaps.push(bcd.totalLatencyS / ex.result.totalLatencyS - 1);
    }
    console.log(
      `K=${K}: exact median ${median(exactMs).toFixed(1)} ms (max ${Math.max(...exactMs).toFixed(1)} ms, ` +
        `${median(evals)} T evaluations) | bcd${K === 1000 ? ' (capped: 8 LPs, 1 iteration)' : ''} median ` +
        `${median(bcdMs).toFixed(0)} ms, J_bcd / J_exact - 1: ${gaps.map((g) => g.toFixed(3)).join(', ')}`,
    );
  }
  // The rate model the simulations plan with (Rayleigh ergodic rate: E1 evaluations cost about 2x).
  for (const K of [100, 1000]) {
    const ms: number[] = [];
    for (const seed of [1, 2, 3]) {
      const inst = { ...randomInstance(seed, 'bench', K), rateModel: 'rayleigh-ergodic' as const };
      const t0 = performance.now();
      solveExactDetailed(inst);
      ms.push(performance.now() - t0);
    }
    console.log(`K=${K}: exact with rateModel rayleigh-ergodic median ${median(ms).toFixed(1)} ms (max ${Math.max(...ms).toFixed(1)} ms)`);
  }
}
