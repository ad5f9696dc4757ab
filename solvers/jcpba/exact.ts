/**
 * `exact`: the global optimum of the JCPBA problem (the reconstructed model of docs/jcpba-model.md) to a certified
 * relative tolerance. The argument is written out in solvers/README.md; in short:
 *
 * 1. For a fixed round latency T, the least weighted mean pruning rate rhobar*(T) that fits the
 *    bandwidth is a convex separable resource-allocation problem. In the kept fraction
 *    u_k = 1 - rho_k, client k can keep u_k(b) = (r_k(b) tau_k - S0_k) / (S1_k + r_k(b) c1_k)
 *    with bandwidth b (tau_k = T - d_k - C0_k/F_k, c1_k = C1_k/F_k), which is concave and
 *    increasing in b. So rhobar*(T) = 1 - max { sum w_k u_k(b_k) : sum b_k <= B,
 *    b_k in [bLo_k, bHi_k] } / W, solved by KKT: w_k u_k'(b_k) = mu, bisection-safe Newton on mu.
 *    The dual value gives a certified lower bound on rhobar*(T).
 * 2. J(T) = A T / (eps - beta rhobar*(T)) on [T_lo, T_hi] (T_lo: min-max latency at rho_max,
 *    T_hi: at the memory floors; J increases beyond T_hi). rhobar* is nonincreasing in T, so on
 *    [T_i, T_{i+1}] J >= A T_i / (eps - beta rhobar*(T_{i+1})): a branch and bound on T refines
 *    intervals until no interval's bound is below the best J / (1 + tol).
 */
import { minMaxBandwidth } from './bandwidth.js';
import {
  bandwidthForRateHz,
  evaluateAllocation,
  feasibleFloors,
  rateCurvatureBpsPerHz2,
  rateFunction,
  rateModelOf,
  rateSlopeBpsPerHz,
  saturationBandwidthHz,
  snrBandwidthHz,
  type RateFunction,
} from './model.js';
import { SolverRangeError, type JcpbaInstance, type JcpbaSolved, type RateModel } from './types.js';

/** Default certified relative tolerance of `exact`. */
export const EXACT_TOLERANCE = 1e-5;

export interface ExactOptions {
  /** Certified relative optimality tolerance of the T search (default 1e-5). */
  tolerance?: number;
  /** Cap on the number of round-latency evaluations (default 5000). */
  maxEvaluations?: number;
}

export interface ExactDiagnostics {
  /** Number of T at which rhobar*(T) was solved. */
  evaluations: number;
  /** Certified bound: best J / (global lower bound) - 1 (<= tolerance unless capped). */
  certifiedGap: number;
  /** The optimal round latency bound T* and the search interval. */
  latencyS: number;
  latencyLoS: number;
  latencyHiS: number;
}

/** Per-client constants independent of T. */
interface ClientConsts {
  w: number;
  /** d + C0/F: the time not affected by pruning or bandwidth. */
  fixedS: number;
  /** C1/F. */
  c1: number;
  s0: number;
  s1: number;
  /** p g / N0. */
  snrHz: number;
  p: number;
  g: number;
  /** SNR ceiling (power control; Infinity without). */
  cap: number;
  uLo: number;
  uHi: number;
}

/** rhobar*(T) with its allocation and a dual lower bound. */
interface LatencyEval {
  /** Primal value: sum w u of the feasible allocation returned. */
  keptUpper: number;
  /** Upper bound on max sum w u (dual), so rhobar*(T) >= 1 - keptBound / W. */
  keptBound: number;
  /** ln of the multiplier of the bandwidth constraint (NaN when it is slack). */
  logMu: number;
}

/**
 * Solver of the per-T problem. Keeps per-client warm starts across calls (consecutive T of the
 * search are close), so a JcpbaExact object is meant for one instance.
 */
class PerLatencySolver {
  readonly k: number;
  readonly tau: Float64Array;
  readonly bLo: Float64Array;
  readonly bHi: Float64Array;
  readonly fixed: Uint8Array;
  /** Current bandwidth (also the Newton warm start). */
  readonly b: Float64Array;
  readonly u: Float64Array;
  /** d ln(w u'(b)) / d ln b at the current b of interior clients (for the Newton step on mu). */
  readonly dlog: Float64Array;
  readonly interior: Uint8Array;
  /** ln(w u'(b)) at bLo and bHi (-Infinity when bHi is infinite), fixed per T. */
  readonly hLo: Float64Array;
  readonly hHi: Float64Array;
  lastMu = NaN;
  /** The instance's rate function (Shannon or Rayleigh ergodic: both increasing and concave). */
  readonly rate: RateFunction;

  constructor(
    readonly cs: ClientConsts[],
    readonly totalHz: number,
    readonly n0: number,
    readonly model: RateModel,
  ) {
    this.rate = rateFunction(model);
    this.k = cs.length;
    this.tau = new Float64Array(this.k);
    this.bLo = new Float64Array(this.k);
    this.bHi = new Float64Array(this.k);
    this.fixed = new Uint8Array(this.k);
    this.b = new Float64Array(this.k);
    this.u = new Float64Array(this.k);
    this.dlog = new Float64Array(this.k);
    this.interior = new Uint8Array(this.k);
    this.hLo = new Float64Array(this.k);
    this.hHi = new Float64Array(this.k);
  }

  private bandwidthForKept(c: ClientConsts, tau: number, u: number): number {
    const bits = c.s0 + u * c.s1;
    const slack = tau - u * c.c1;
    if (bits <= 0) return slack >= 0 ? 0 : Infinity;
    if (!(slack > 0)) return Infinity;
    return bandwidthForRateHz(bits / slack, c.p, c.g, this.n0, this.model, c.cap);
  }

  /** u_k(b): the kept fraction client k affords with bandwidth b at this T (clipped to bounds). */
  kept(i: number, b: number): number {
    const c = this.cs[i]!;
    if (this.fixed[i]) return this.u[i]!;
    const r = this.rate(b, c.p, c.g, this.n0, c.cap);
    const u = (r * this.tau[i]! - c.s0) / (c.s1 + r * c.c1);
    return Math.min(c.uHi, Math.max(c.uLo, u));
  }

  /** Scratch outputs of `marginal` (no allocation in the hot loop). */
  private mdh = 0;

  /**
   * ln(w u'(b)) with u'(b) = (tau S1 + S0 c1) r'(b) / (S1 + r c1)^2, and (in mdh) its derivative
   * in ln b: b (r''/r' - 2 c1 r' / (S1 + r c1)). r, r', r'' of the instance's rate model (model.ts:
   * each model's own analytic derivatives; no Shannon-specific form here).
   */
  private marginal(i: number, b: number): number {
    const c = this.cs[i]!;
    const r = this.rate(b, c.p, c.g, this.n0, c.cap);
    const r1 = rateSlopeBpsPerHz(b, c.snrHz, this.model, c.cap);
    const r2 = rateCurvatureBpsPerHz2(b, c.snrHz, this.model, c.cap);
    const den = c.s1 + r * c.c1;
    this.mdh = b * (r2 / r1 - (2 * c.c1 * r1) / den);
    return Math.log(c.w * (this.tau[i]! * c.s1 + c.s0 * c.c1) * r1) - 2 * Math.log(den);
  }

  /** Set up bounds at T; false when T is infeasible (some client cannot meet T at rho_max). */
  setLatency(latencyS: number): boolean {
    let sumLo = 0;
    for (let i = 0; i < this.k; i++) {
      const c = this.cs[i]!;
      const tau = latencyS - c.fixedS;
      this.tau[i] = tau;
      this.fixed[i] = 0;
      if (c.s0 + c.s1 <= 0) {
        // No upload: bandwidth is useless; keep as much as compute allows.
        const u = c.c1 > 0 ? Math.min(c.uHi, tau / c.c1) : tau >= 0 ? c.uHi : -Infinity;
        if (!(u >= c.uLo)) return false;
        this.fixed[i] = 1;
        this.u[i] = u;
        this.bLo[i] = this.bHi[i] = 0;
        continue;
      }
      const lo = this.bandwidthForKept(c, tau, c.uLo);
      if (lo === Infinity) return false;
      if (c.uHi <= c.uLo || (c.s1 <= 0 && c.c1 <= 0)) {
        // Latency does not depend on pruning (or the rate is pinned): keep uHi at its bandwidth.
        const hi = this.bandwidthForKept(c, tau, c.uHi);
        if (hi === Infinity) return false;
        this.fixed[i] = 1;
        this.u[i] = c.uHi;
        this.bLo[i] = this.bHi[i] = hi;
        sumLo += hi;
        continue;
      }
      // A saturating rate model (a curve with a chord from the origin) gains nothing beyond its
      // saturation bandwidth: a client that cannot reach uHi stops there instead of at infinity.
      const hi = Math.min(this.bandwidthForKept(c, tau, c.uHi), saturationBandwidthHz(this.model, c.snrHz));
      this.bLo[i] = lo;
      this.bHi[i] = hi;
      this.hLo[i] = this.marginal(i, lo);
      this.hHi[i] = hi < Infinity ? this.marginal(i, hi) : -Infinity;
      sumLo += lo;
    }
    return sumLo <= this.totalHz;
  }

  /** b_k(mu) = argmax w u_k(b) - mu b on [bLo, bHi]. Sets b, u, dlog, interior; returns b. */
  private respond(i: number, logMu: number): number {
    this.interior[i] = 0;
    if (this.fixed[i]) return (this.b[i] = this.bLo[i]!);
    const c = this.cs[i]!;
    const lo = this.bLo[i]!;
    const hi = this.bHi[i]!;
    if (this.hLo[i]! <= logMu) {
      this.u[i] = c.uLo;
      return (this.b[i] = lo);
    }
    if (this.hHi[i]! >= logMu) {
      this.b[i] = hi;
      this.u[i] = this.kept(i, hi); // uHi, or less at a saturation bandwidth
      return hi;
    }
    const warm = this.b[i]!;
    let sHi: number;
    if (hi < Infinity) sHi = Math.log(hi);
    else {
      // u'(b) -> 0 as b -> infinity: find a bandwidth where the marginal is below mu.
      let b = warm > lo ? 2 * warm : 2 * lo;
      while (this.marginal(i, b) > logMu) b *= 4;
      sHi = Math.log(b);
    }
    let sLo = Math.log(lo);
    // Safeguarded Newton on f(s) = ln(w u'(e^s)) - ln mu, decreasing in s = ln b.
    let s = warm > lo && warm < hi ? Math.log(warm) : 0.5 * (sLo + sHi);
    if (!(s > sLo && s < sHi)) s = 0.5 * (sLo + sHi);
    let dh = -1;
    for (let it = 0; it < 100; it++) {
      const f = this.marginal(i, Math.exp(s)) - logMu;
      dh = this.mdh;
      if (f > 0) sLo = s;
      else sHi = s;
      if (Math.abs(f) < 1e-13) break;
      let next = s - f / dh;
      if (!(next > sLo && next < sHi)) next = 0.5 * (sLo + sHi);
      if (Math.abs(next - s) < 1e-15 * Math.abs(s) + 1e-300) {
        s = next;
        break;
      }
      s = next;
    }
    const b = Math.exp(s);
    this.b[i] = b;
    this.u[i] = this.kept(i, b);
    this.dlog[i] = dh;
    this.interior[i] = 1;
    return b;
  }

  /** sum_k b_k(mu) (returned) and d sum / d ln mu (in this.dsum). */
  private dsum = 0;
  private total(logMu: number): number {
    let sum = 0;
    let dsum = 0;
    for (let i = 0; i < this.k; i++) {
      const b = this.respond(i, logMu);
      sum += b;
      if (this.interior[i]) dsum += b / this.dlog[i]!;
    }
    this.dsum = dsum;
    return sum;
  }

  private keptSum(): number {
    let s = 0;
    for (let i = 0; i < this.k; i++) s += this.cs[i]!.w * this.u[i]!;
    return s;
  }

  /** Solve max sum w u_k(b_k) s.t. sum b <= B at the T of the last setLatency (which returned true). */
  solve(logMuGuess = NaN): LatencyEval {
    const B = this.totalHz;
    let sumHi = 0;
    for (let i = 0; i < this.k; i++) sumHi += this.bHi[i]!;
    if (sumHi <= B) {
      for (let i = 0; i < this.k; i++) {
        this.b[i] = this.bHi[i]!;
        if (!this.fixed[i]) this.u[i] = this.kept(i, this.bHi[i]!);
      }
      const kept = this.keptSum();
      return { keptUpper: kept, keptBound: kept, logMu: NaN };
    }
    // Bracket ln mu: the total is <= B at lmHi (everyone at bLo) and > B at lmLo.
    let lmHi = -Infinity;
    for (let i = 0; i < this.k; i++) if (!this.fixed[i]) lmHi = Math.max(lmHi, this.hLo[i]!);
    let lmLo = -Infinity;
    const guess = Number.isFinite(logMuGuess) ? logMuGuess : this.lastMu;
    let lm = Number.isFinite(guess) && guess < lmHi ? guess : lmHi - 1;
    let sum = this.total(lm);
    // Expand geometrically from the warm start until the root is bracketed.
    for (let step = 1; sum <= B; step *= 2) {
      lmHi = lm;
      lm -= step;
      sum = this.total(lm);
    }
    lmLo = lm;
    // Safeguarded Newton on F(ln mu) = sum_k b_k(mu) - B (decreasing), keeping the bracket; a
    // bisection step whenever two steps did not halve the bracket.
    let width = lmHi - lmLo;
    for (let it = 0; it < 200; it++) {
      if (sum <= B) {
        lmHi = lm;
        if (sum >= B * (1 - 1e-11)) break;
      } else lmLo = lm;
      const w = lmHi - lmLo;
      if (w < 1e-15 * Math.max(1, Math.abs(lmHi))) break;
      let next = this.dsum < 0 ? lm - (sum - B) / this.dsum : NaN;
      if (it % 2 === 1) {
        if (w > 0.5 * width) next = NaN;
        width = w;
      }
      if (!(next > lmLo && next < lmHi)) next = 0.5 * (lmLo + lmHi);
      lm = next;
      sum = this.total(lm);
    }
    if (lm !== lmHi) {
      lm = lmHi;
      sum = this.total(lm);
    }
    this.lastMu = lm;
    const kept = this.keptSum();
    // Weak duality: max sum w u <= sum_k max_b (w u_k - mu b) + mu B = kept + mu (B - sum b).
    const bound = kept + Math.exp(lm) * Math.max(0, B - sum);
    return { keptUpper: kept, keptBound: bound, logMu: lm };
  }
}

interface Point {
  latencyS: number;
  /** J at this T (Infinity if T infeasible or the rounds model is undefined). */
  j: number;
  /** Certified lower bound on rhobar*(T) (Infinity when T is infeasible). */
  rhoLower: number;
  logMu: number;
}

/** The exact solver with diagnostics. */
export function solveExactDetailed(
  instance: JcpbaInstance,
  options: ExactOptions = {},
): { result: JcpbaSolved; diagnostics: ExactDiagnostics } {
  const tol = options.tolerance ?? EXACT_TOLERANCE;
  const maxEval = options.maxEvaluations ?? 5000;
  const floors = feasibleFloors(instance);
  const { clients, rhoMax, rounds, n0WPerHz } = instance;
  const W = clients.reduce((s, c) => s + c.weight, 0);
  const cs: ClientConsts[] = clients.map((c, k) => ({
    w: c.weight,
    fixedS: c.downloadS + c.fixedFlops / c.flopsPerS,
    c1: c.prunableFlops / c.flopsPerS,
    s0: c.fixedUploadBits,
    s1: c.prunableUploadBits,
    snrHz: snrBandwidthHz(c.txPowerW, c.channelGain, n0WPerHz),
    p: c.txPowerW,
    g: c.channelGain,
    cap: c.snrCap ?? Infinity,
    uLo: 1 - rhoMax,
    uHi: 1 - floors[k]!,
  }));
  const solver = new PerLatencySolver(cs, instance.bandwidthHz, n0WPerHz, rateModelOf(instance));

  const tLo = minMaxBandwidth(instance, clients.map(() => rhoMax)).latencyS;
  const tHi = minMaxBandwidth(instance, floors).latencyS;

  let best: { j: number; latencyS: number; b: number[]; rho: number[] } | null = null;
  let evaluations = 0;
  const evaluate = (latencyS: number, logMuGuess = NaN): Point => {
    evaluations++;
    if (!solver.setLatency(latencyS)) return { latencyS, j: Infinity, rhoLower: Infinity, logMu: NaN };
    const ev = solver.solve(logMuGuess);
    const rhobar = 1 - ev.keptUpper / W;
    const den = rounds.epsilon - rounds.beta * rhobar;
    const j = den > 0 ? (rounds.A * latencyS) / den : Infinity;
    if (best === null || j < best.j) {
      best = {
        j,
        latencyS,
        b: Array.from(solver.b),
        rho: Array.from(solver.u, (u, k) => Math.min(rhoMax, Math.max(floors[k]!, 1 - u))),
      };
    }
    return { latencyS, j, rhoLower: 1 - ev.keptBound / W, logMu: ev.logMu };
  };
  const lowerBound = (a: Point, b: Point): number => {
    const den = rounds.epsilon - rounds.beta * b.rhoLower;
    return den > 0 ? (rounds.A * a.latencyS) / den : Infinity;
  };

  const points: Point[] = [];
  if (tHi - tLo <= 1e-13 * tHi) {
    points.push(evaluate(tHi));
  } else {
    const n = 16;
    for (let i = 0; i <= n; i++) points.push(evaluate(i === n ? tHi : tLo + ((tHi - tLo) * i) / n));
  }
  const bounds: number[] = [];
  for (let i = 0; i + 1 < points.length; i++) bounds.push(lowerBound(points[i]!, points[i + 1]!));
  let bestJ = points.reduce((a, p) => Math.min(a, p.j), Infinity);
  // Intervals too short to split in floating point keep their bound here (they enter the gap).
  let unresolved = Infinity;
  let certifiedGap = 0;
  for (;;) {
    let iMin = -1;
    for (let i = 0; i < bounds.length; i++) if (iMin < 0 || bounds[i]! < bounds[iMin]!) iMin = i;
    const lb = Math.min(bestJ, unresolved, iMin < 0 ? Infinity : bounds[iMin]!);
    certifiedGap = bestJ / lb - 1;
    if (iMin < 0 || bounds[iMin]! * (1 + tol) >= bestJ || evaluations >= maxEval) break;
    const a = points[iMin]!;
    const c = points[iMin + 1]!;
    const mid = 0.5 * (a.latencyS + c.latencyS);
    if (!(mid > a.latencyS && mid < c.latencyS) || c.latencyS - a.latencyS < 1e-13 * c.latencyS) {
      unresolved = Math.min(unresolved, bounds[iMin]!);
      bounds[iMin] = Infinity;
      continue;
    }
    // The multiplier varies smoothly with T: start from the neighbours' mean.
    const p = evaluate(mid, 0.5 * (a.logMu + c.logMu));
    bestJ = Math.min(bestJ, p.j);
    points.splice(iMin + 1, 0, p);
    bounds.splice(iMin, 1, lowerBound(a, p), lowerBound(p, c));
  }
  const found = best as { j: number; latencyS: number; b: number[]; rho: number[] } | null;
  if (found === null || found.j === Infinity) {
    throw new SolverRangeError(
      'exact: no round latency gives a finite objective although the memory floors are feasible: the instance\'s numbers leave the range of a double (check bandwidthHz, channelGain and the loads)',
    );
  }
  return {
    result: evaluateAllocation(instance, found.rho, found.b, evaluations),
    diagnostics: { evaluations, certifiedGap, latencyS: found.latencyS, latencyLoS: tLo, latencyHiS: tHi },
  };
}

/** `exact`: the global optimum (certified relative tolerance, default 1e-5). */
export function solveExact(instance: JcpbaInstance, options: ExactOptions = {}): JcpbaSolved {
  return solveExactDetailed(instance, options).result;
}
