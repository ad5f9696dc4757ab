/**
 * Concave surrogate of a link model for planning (JCPBA). The exact JCPBA solver needs a rate
 * r(b) = b S(c / b) that is increasing and concave in the bandwidth b, which holds when the
 * efficiency curve S is concave and nondecreasing with S(0) = 0 (the perspective of a concave
 * function is concave). Shannon is; the MCS staircase, the SINR_MIN cut of attenuated Shannon, an
 * outage threshold, and their Rayleigh-ergodic averages are not. The planner therefore uses the
 * least concave majorant of the effective curve: the upper concave hull of (0, 0) and the curve
 * sampled every 0.05 dB from -40 dB to +70 dB plus its exact breakpoints (MCS thresholds,
 * SINR_MIN, SINR_MAX, outage threshold), linear between hull vertices and flat past the last one.
 * It lies on or above the true curve (it plans at most one MCS step optimistically between
 * thresholds) and equals it at every hull vertex (every MCS threshold that is on the hull, and the
 * whole smooth concave parts). Planned and realised latencies are reported side by side
 * (`planned_latency_s` / `round_latency_s`), so the surrogate's optimism stays visible.
 */
import { lastAtOrBelow } from './link-abstraction.js';

/**
 * A concave, nondecreasing spectral-efficiency curve S with S(0) = 0 (bit/s/Hz at mean SNR x,
 * linear): a share b then carries r(b) = b S(c / b), the perspective of S, increasing and concave
 * in b. The JCPBA solvers accept it as a rate model (solvers/jcpba/types.ts, solvers/README.md).
 */
export interface SpectralEfficiencyCurve {
  readonly name: string;
  value(x: number): number;
  /** S'(x) (the right derivative where S has a kink). */
  slope(x: number): number;
  /** S''(x) (0 on a piecewise-linear curve). */
  curvature(x: number): number;
  /** S'(0) = lim S(x) / x: the rate of infinite bandwidth is c S'(0). */
  readonly slopeAtZero: number;
  /** sup_x S(x) (Infinity if unbounded). */
  readonly max: number;
  /**
   * S(x) = S'(0) x exactly on [0, linearBelow] (a chord from the origin; 0 if none): then the rate
   * reaches its limit c S'(0) at the finite bandwidth c / linearBelow and stays there.
   */
  readonly linearBelow?: number;
}

export interface ConcaveCurve extends SpectralEfficiencyCurve {
  /** The first vertex after the origin: the surrogate is linear (a chord) below it. */
  readonly linearBelow: number;
  /** Hull vertices (x, S), x increasing, starting at (0, 0). */
  readonly xs: readonly number[];
  readonly ys: readonly number[];
}

const GRID_MIN_DB = -40;
const GRID_MAX_DB = 70;
const GRID_STEP_DB = 0.05;

/**
 * The least concave majorant of the nondecreasing curve `se` (bit/s/Hz at linear SINR x), from
 * samples on the dB grid above plus `breakpoints` (linear SINRs where `se` jumps; each is sampled
 * at the point itself, where the higher value applies).
 */
export function concaveSurrogate(name: string, se: (x: number) => number, breakpoints: readonly number[] = []): ConcaveCurve {
  const pts: number[] = [];
  const n = Math.round((GRID_MAX_DB - GRID_MIN_DB) / GRID_STEP_DB);
  for (let i = 0; i <= n; i++) pts.push(10 ** ((GRID_MIN_DB + i * GRID_STEP_DB) / 10));
  for (const b of breakpoints) if (b > 0 && Number.isFinite(b)) pts.push(b);
  pts.sort((a, b) => a - b);
  // Upper hull (Andrew's monotone chain) of (0, 0) and the samples.
  const hx: number[] = [0];
  const hy: number[] = [0];
  for (const x of pts) {
    if (x === hx[hx.length - 1]) continue;
    const y = se(x);
    if (!(y >= 0) || !Number.isFinite(y)) throw new RangeError(`concave surrogate: efficiency ${y} at SINR ${x}`);
    while (hx.length >= 2) {
      const k = hx.length;
      const [x1, y1, x2, y2] = [hx[k - 2]!, hy[k - 2]!, hx[k - 1]!, hy[k - 1]!];
      // Drop the middle point when it lies on or below the chord from (x1, y1) to (x, y).
      if ((y2 - y1) * (x - x1) <= (y - y1) * (x2 - x1)) {
        hx.pop();
        hy.pop();
      } else break;
    }
    hx.push(x);
    hy.push(y);
  }
  // Flat from the highest vertex on: the hull of a nondecreasing curve never falls.
  let top = 0;
  for (let i = 1; i < hy.length; i++) if (hy[i]! >= hy[top]!) top = i;
  hx.length = top + 1;
  hy.length = top + 1;
  const m = hx.length;
  // Index j of the segment [x_j, x_{j+1}) holding x (m - 1 past the last vertex).
  const segment = (x: number): number => lastAtOrBelow(hx, x);
  const slopeOf = (j: number): number => (j >= m - 1 ? 0 : (hy[j + 1]! - hy[j]!) / (hx[j + 1]! - hx[j]!));
  return {
    name,
    xs: hx,
    ys: hy,
    value(x) {
      if (!(x > 0)) return 0;
      const j = segment(x);
      return j >= m - 1 ? hy[m - 1]! : hy[j]! + slopeOf(j) * (x - hx[j]!);
    },
    slope(x) {
      return slopeOf(segment(Math.max(0, x)));
    },
    curvature() {
      return 0;
    },
    slopeAtZero: slopeOf(0),
    max: hy[m - 1]!,
    linearBelow: m > 1 ? hx[1]! : 0,
  };
}
