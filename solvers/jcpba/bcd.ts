/**
 * `bcd`: BCD on the reconstructed model, as the JCPBA method is stated (docs/jcpba-model.md, "The
 * method as stated"):
 * 1. start at rho = memory floors, b = B / K;
 * 2. bandwidth block (rho fixed): min-max latency by bisection on T (bandwidth.ts);
 * 3. pruning block (b fixed): for a budget G on rhobar, the LP
 *      min t  s.t.  e_k + a_k (1 - rho_k) <= t,  rhobar <= G,  floor_k <= rho_k <= rho_max
 *    solved with javascript-lp-solver, and a search over G for the least R(G) t*(G);
 * 4. repeat until J changes by less than a relative 1e-9, or an iteration cap.
 *
 * javascript-lp-solver's dense simplex takes seconds per LP at K = 1,000 (3.3 s measured), so the
 * G search is a golden-section search with a tolerance and a cap on the total number of LPs
 * (`maxLps`); the cap makes a large-K BCD stop early, and the result then says how far it got
 * through `iterations` and `trace`.
 */
import solver from 'javascript-lp-solver';
import { minMaxBandwidth } from './bandwidth.js';
import { affineLatencies, bestPruningForBandwidth } from './baselines.js';
import { evaluateAllocation, feasibleFloors, objectiveJ, roundsToTarget } from './model.js';
import { solveExact } from './exact.js';
import { SolverRangeError, type JcpbaInstance, type JcpbaSolved } from './types.js';
import { LIMITS } from '../../src/scenario/limits.js';

export interface BcdOptions {
  /** Outer BCD iterations (default 50). */
  maxIterations?: number;
  /** Relative change of J that stops the descent (default 1e-9). */
  relTolerance?: number;
  /** Absolute tolerance of the golden-section search on G (default 1e-7). */
  budgetTolerance?: number;
  /**
   * Cap on the total number of LPs over the whole run (default BCD_DEFAULT_MAX_LPS = 200; the
   * random instances of the tests use at most ~4 iterations of ~36 LPs). With the
   * iteration cap it bounds bcd's time: see solvers/README.md, "Time bounds".
   */
  maxLps?: number;
  /**
   * 'lp' (default): the pruning block as published (LP + search over G). 'closed-form': the same
   * block solved exactly by breakpoint enumeration (baselines.ts), for fast repeated solves.
   */
  pruningBlock?: 'lp' | 'closed-form';
  /**
   * Where the descent starts. 'floors' (default, the method as stated): rho = memory floors,
   * b = B / K, bandwidth block first. 'pruning-first': the same start, pruning block first (at
   * the equal split, where clients are not all on the critical path). 'exact': the exact
   * solver's allocation (the descent then only confirms it: both blocks are optimal there).
   */
  start?: 'floors' | 'pruning-first' | 'exact';
}

interface LpCounter {
  used: number;
  cap: number;
}

/** The spec's LP at budget G: returns t* and rho, or null if infeasible. */
export function pruningLp(
  instance: JcpbaInstance,
  floors: readonly number[],
  bandwidthHz: readonly number[],
  budget: number,
): { latencyS: number; rho: number[] } | null {
  const { e, a } = affineLatencies(instance, bandwidthHz);
  const { clients, rhoMax } = instance;
  const W = clients.reduce((s, c) => s + c.weight, 0);
  // Variables z_k = rho_k - floor_k >= 0 (the solver's default bound) and t.
  const constraints: Record<string, { min?: number; max?: number }> = {};
  const variables: Record<string, Record<string, number>> = { t: { t: 1 } };
  let floorMass = 0;
  clients.forEach((c, k) => {
    floorMass += c.weight * floors[k]!;
    constraints[`l${k}`] = { min: e[k]! + a[k]! * (1 - floors[k]!) };
    constraints[`u${k}`] = { max: rhoMax - floors[k]! };
    variables.t![`l${k}`] = 1;
    variables[`z${k}`] = { [`l${k}`]: a[k]!, [`u${k}`]: 1, mean: c.weight / W };
  });
  constraints.mean = { max: Math.max(0, budget - floorMass / W) };
  const res = solver.Solve({ optimize: 't', opType: 'min', constraints, variables }) as {
    feasible: boolean;
    [name: string]: number | boolean | undefined;
  };
  if (!res.feasible) return null;
  const rho = clients.map((_, k) => {
    const z = res[`z${k}`];
    return Math.min(rhoMax, Math.max(floors[k]!, floors[k]! + (typeof z === 'number' ? z : 0)));
  });
  const t = res.t;
  return { latencyS: typeof t === 'number' ? t : 0, rho };
}

/** The pruning block: golden-section search over G of R(G) t*(G), one LP per point. */
function pruningBlockLp(
  instance: JcpbaInstance,
  floors: readonly number[],
  bandwidthHz: readonly number[],
  tol: number,
  lps: LpCounter,
): number[] | null {
  const { clients, rhoMax, rounds } = instance;
  const W = clients.reduce((s, c) => s + c.weight, 0);
  const gLo = clients.reduce((s, c, k) => s + c.weight * floors[k]!, 0) / W;
  // R is finite only for G < eps / beta.
  const gHi = Math.min(rhoMax, rounds.beta > 0 ? (rounds.epsilon / rounds.beta) * (1 - 1e-9) : rhoMax);
  const cache = new Map<number, { j: number; rho: number[] }>();
  const at = (g: number): { j: number; rho: number[] } | null => {
    const hit = cache.get(g);
    if (hit) return hit;
    if (lps.used >= lps.cap) return null;
    lps.used++;
    const sol = pruningLp(instance, floors, bandwidthHz, g);
    const out = sol ? { j: roundsToTarget(rounds, g) * sol.latencyS, rho: sol.rho } : { j: Infinity, rho: [] };
    cache.set(g, out);
    return out;
  };
  let best: { j: number; rho: number[] } | null = null;
  const consider = (v: { j: number; rho: number[] } | null) => {
    if (v && v.rho.length > 0 && (best === null || v.j < best.j)) best = v;
  };
  if (!(gHi > gLo)) {
    consider(at(gLo));
    return best === null ? null : (best as { rho: number[] }).rho;
  }
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = gLo;
  let hi = gHi;
  let x1 = hi - phi * (hi - lo);
  let x2 = lo + phi * (hi - lo);
  let f1 = at(x1);
  let f2 = at(x2);
  consider(f1);
  consider(f2);
  while (hi - lo > tol && f1 && f2) {
    if (f1.j <= f2.j) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - phi * (hi - lo);
      f1 = at(x1);
      consider(f1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + phi * (hi - lo);
      f2 = at(x2);
      consider(f2);
    }
  }
  return best === null ? null : (best as { rho: number[] }).rho;
}

/** Default cap on bcd's LPs (solvers/README.md, "Time bounds"). */
export const BCD_DEFAULT_MAX_LPS = 200;

export function solveBcd(instance: JcpbaInstance, options: BcdOptions = {}): JcpbaSolved {
  const maxIterations = options.maxIterations ?? 50;
  const relTol = options.relTolerance ?? 1e-9;
  const gTol = options.budgetTolerance ?? 1e-7;
  const lps: LpCounter = { used: 0, cap: options.maxLps ?? BCD_DEFAULT_MAX_LPS };
  const lpBlock = options.pruningBlock !== 'closed-form';
  if (lpBlock && options.maxLps === undefined && instance.clients.length > LIMITS.bcdLpClients) {
    // javascript-lp-solver's dense simplex grows like K^3 (5.2 s per LP at K = 1,000 and 43 s at
    // K = 2,000 from an equal split): beyond the limit even the LP cap would not bound the time.
    throw new SolverRangeError(
      `bcd solves a dense LP over every client in its pruning block: at most ${LIMITS.bcdLpClients.toLocaleString('en-US')} clients ` +
        `(src/scenario/limits.ts), found ${instance.clients.length.toLocaleString('en-US')}; use --solver exact`,
    );
  }
  const floors = feasibleFloors(instance);
  const start = options.start ?? 'floors';
  let rho = [...floors];
  let b = floors.map(() => instance.bandwidthHz / floors.length);
  if (start === 'exact') {
    const x = solveExact(instance);
    rho = [...x.rho];
    b = [...x.bandwidthHz];
  }
  let j = objectiveJ(instance, rho, b);
  const trace = [j];
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    // Bandwidth block: min-max latency at fixed rho never increases J (skipped in the first
    // iteration of 'pruning-first').
    const bw = start === 'pruning-first' && iterations === 1 ? b : minMaxBandwidth(instance, rho).bandwidthHz;
    const jBw = objectiveJ(instance, rho, bw);
    if (jBw <= j) b = bw;
    // Pruning block at fixed b.
    const candidate =
      options.pruningBlock === 'closed-form'
        ? bestPruningForBandwidth(instance, floors, b)
        : pruningBlockLp(instance, floors, b, gTol, lps);
    const jNow = Math.min(j, jBw);
    if (candidate) {
      const jPr = objectiveJ(instance, candidate, b);
      if (jPr < jNow) rho = candidate;
    }
    const jNew = objectiveJ(instance, rho, b);
    trace.push(jNew);
    const done = Math.abs(j - jNew) < relTol * j || lps.used >= lps.cap;
    j = jNew;
    if (done) break;
  }
  return evaluateAllocation(instance, rho, b, iterations, trace);
}
