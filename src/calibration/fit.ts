/**
 * Least-squares fit of JCPBA's rounds model R(rho) = A / (epsilon - beta rho) to measured rounds to
 * the target loss at uniform pruning rates rho_i (src/calibration/calibrate.ts measures them).
 *
 * Identifiability: R = (A/epsilon) / (1 - (beta/epsilon) rho), so rounds data determine only
 * A/epsilon and beta/epsilon; scaling (A, epsilon, beta) by any c > 0 gives the same R. The
 * allocator's objective J = R T, its minimiser and its value depend on the constants only through
 * those two ratios too. airtune therefore fixes epsilon = 1 by convention and fits A and beta.
 *
 * Method: minimise S(A, beta) = sum_i (R_i - A g_i(beta))^2 with g_i = 1 / (1 - beta rho_i), over
 * A > 0 and 0 <= beta < 1 / max rho_i (R finite and positive at every measured rate; beta >= 0: pruning
 * does not speed convergence, as the model's source assumes, solvers/README.md). For fixed beta
 * the best A is linear least squares, A*(beta) = sum R_i g_i / sum g_i^2 (variable projection,
 * Golub & Pereyra 1973), leaving a one-dimensional search in beta: a grid, then golden-section
 * refinement around the best grid point.
 */

export interface RoundsPoint {
  /** Uniform pruning rate of every client. */
  rho: number;
  /** Rounds to reach the target test loss. */
  rounds: number;
}

export interface RoundsFit {
  A: number;
  /** Fixed at 1 (see above). */
  epsilon: number;
  beta: number;
  /** Root-mean-square residual of R over the points, in rounds. */
  rmsErrorRounds: number;
  /** rmsErrorRounds / mean R. */
  relativeRmsError: number;
  /** Largest |R_i - R(rho_i)|, rounds. */
  maxErrorRounds: number;
  points: number;
  /** beta hit a bound of its range (0, or the pole 1 / max rho). */
  atBound: boolean;
}

export class FitError extends Error {}

function profile(points: readonly RoundsPoint[], beta: number): { A: number; sse: number } {
  let rg = 0;
  let gg = 0;
  for (const p of points) {
    const g = 1 / (1 - beta * p.rho);
    rg += p.rounds * g;
    gg += g * g;
  }
  const A = rg / gg;
  let sse = 0;
  for (const p of points) sse += (p.rounds - A / (1 - beta * p.rho)) ** 2;
  return { A, sse };
}

const GRID = 2000;
const INV_PHI = (Math.sqrt(5) - 1) / 2;

export function fitRoundsModel(points: readonly RoundsPoint[]): RoundsFit {
  const rates = new Set(points.map((p) => p.rho));
  if (rates.size < 2) throw new FitError(`the rounds model needs rounds to the target at 2 or more distinct pruning rates, found ${rates.size}`);
  for (const p of points) {
    if (!(p.rounds > 0) || !Number.isFinite(p.rounds)) throw new FitError(`rounds to the target must be positive, found ${p.rounds} at rho = ${p.rho}`);
    if (!(p.rho >= 0 && p.rho < 1)) throw new FitError(`pruning rates must be in [0, 1), found ${p.rho}`);
  }
  const maxRho = Math.max(...rates);
  // Stay a hair inside the pole beta = 1 / max rho, where R(max rho) is infinite.
  const hi = (1 / maxRho) * (1 - 1e-9);
  let bestK = 0;
  let bestSse = Infinity;
  for (let k = 0; k <= GRID; k++) {
    const { sse } = profile(points, (hi * k) / GRID);
    if (sse < bestSse) {
      bestSse = sse;
      bestK = k;
    }
  }
  let a = (hi * Math.max(0, bestK - 1)) / GRID;
  let b = (hi * Math.min(GRID, bestK + 1)) / GRID;
  let c = b - INV_PHI * (b - a);
  let d = a + INV_PHI * (b - a);
  let fc = profile(points, c).sse;
  let fd = profile(points, d).sse;
  for (let i = 0; i < 200 && b - a > 1e-15 * Math.max(1, hi); i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - INV_PHI * (b - a);
      fc = profile(points, c).sse;
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + INV_PHI * (b - a);
      fd = profile(points, d).sse;
    }
  }
  let beta = (a + b) / 2;
  // The ends of the range are candidates too (golden section only looks inside).
  for (const edge of [0, hi]) if (profile(points, edge).sse < profile(points, beta).sse) beta = edge;
  const { A, sse } = profile(points, beta);
  const residuals = points.map((p) => Math.abs(p.rounds - A / (1 - beta * p.rho)));
  const meanR = points.reduce((s, p) => s + p.rounds, 0) / points.length;
  const rms = Math.sqrt(sse / points.length);
  return {
    A,
    epsilon: 1,
    beta,
    rmsErrorRounds: rms,
    relativeRmsError: rms / meanR,
    maxErrorRounds: Math.max(...residuals),
    points: points.length,
    atBound: beta < 1e-9 * hi || beta >= hi * (1 - 1e-6),
  };
}
