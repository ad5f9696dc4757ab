/**
 * Moments of one fading block's spectral efficiency, for integrating a transfer over many blocks
 * at once (aggregate.ts). In block k the SINR is Y = s X_k (a link of mean SINR s; a broadcast
 * block carries the worst receiver, Y = min_i s_i X_i,k) and the block carries SE(Y) bit/s/Hz,
 * 0 below the outage cut. aggregate.ts needs E[SE(Y)], its variance, skewness, excess kurtosis and
 * P(SE(Y) = 0) under each fading law:
 *
 * - Rayleigh: X ~ Exp(1), so P(Y > y) = e^(-y/s); the minimum of independent exponentials is
 *   exponential, P(min_i s_i X_i > y) = e^(-y sum_i 1/s_i), i.e. Rayleigh with mean SINR
 *   1 / sum_i (1/s_i).
 * - Rician with K-factor K: (K+1) X = |sqrt(K) + W|^2, W ~ CN(0, 1), so 2 (K+1) X is noncentral
 *   chi-square with 2 degrees of freedom and noncentrality 2K: a Poisson(K) mixture of
 *   Gamma(j + 1, 1) laws (Johnson, Kotz & Balakrishnan, "Continuous Univariate Distributions",
 *   vol. 2, 2nd ed., 1995, eq. (29.2)). With v = (K+1) y / s and q_j(v) = e^-v v^j / j!:
 *     f_Y(y) = ((K+1)/s) sum_j p_j(K) q_j(v),   P(Y > y) = sum_j q_j(v) T_j(K),
 *   p_j(K) = e^-K K^j / j!, T_j(K) = sum_{i >= j} p_i(K). A broadcast's minimum has survival
 *   prod_i P(Y_i > y) and density sum_i f_i prod_{l != i} P(Y_l > y).
 *
 * The link models' SE is nondecreasing and smooth between its breakpoints (MCS thresholds,
 * SINR_MIN / SINR_MAX, the cut), so E[g(SE(Y))] is a sum over the pieces between breakpoints: a
 * flat piece [a, b) with value c gives g(c) (P(Y > a) - P(Y > b)) exactly (an MCS step function
 * under Rayleigh fading is thus a sum of exponentials, as in `nrMcsLink.rayleighErgodic`), and a
 * smooth piece is integrated against the density by adaptive Gauss-Kronrod quadrature
 * (quadrature.ts). Central moments are integrated directly, after the mean, so that nearly
 * constant efficiencies (a saturated MCS link) keep their digits. Results are cached per link,
 * law and cut.
 */
import { blockSpectralEfficiency, type LinkAbstraction } from './link-abstraction.js';
import { integrate } from './quadrature.js';

/** The small-scale fading law of a block's power gain X (mean 1). */
export type GainLaw = { kind: 'rayleigh' } | { kind: 'rician'; kFactorLinear: number };

/** Law of one block's SINR Y. */
export interface SnrLaw {
  /** Identifies the law in caches. */
  readonly key: string;
  /** P(Y > y). */
  survival(y: number): number;
  /** Density of Y at y. */
  pdf(y: number): number;
  /** Typical size of Y (mean SINR of the worst receiver): the length scale of the quadrature. */
  readonly scale: number;
  /** A cheap estimate of E[SE(Y)] (exact for Rayleigh, SE at the mean SINR otherwise). */
  roughMeanSe(link: LinkAbstraction, cutSnr: number): number;
}

function rayleighLaw(s: number): SnrLaw {
  return {
    key: `R${s}`,
    survival: (y) => (y <= 0 ? 1 : Math.exp(-y / s)),
    pdf: (y) => (y < 0 ? 0 : Math.exp(-y / s) / s),
    scale: s,
    roughMeanSe: (link, cut) => link.rayleighErgodic(s, cut),
  };
}

/** Poisson(K) weights p_j and upper tails T_j = sum_{i >= j} p_i, j = 0..J, with ln j! for the q_j. */
interface PoissonTables {
  logP: Float64Array;
  tail: Float64Array;
  logFact: Float64Array;
}

const poissonCache = new Map<number, PoissonTables>();

function poissonTables(k: number): PoissonTables {
  const hit = poissonCache.get(k);
  if (hit) return hit;
  // Beyond K + 12 sqrt(K) + 40 the Poisson(K) tail is below 1e-30.
  const J = Math.ceil(k + 12 * Math.sqrt(k) + 40);
  const logFact = new Float64Array(J + 1);
  for (let j = 1; j <= J; j++) logFact[j] = logFact[j - 1]! + Math.log(j);
  const logP = new Float64Array(J + 1);
  const p = new Float64Array(J + 1);
  for (let j = 0; j <= J; j++) {
    logP[j] = -k + (j === 0 ? 0 : j * Math.log(k)) - logFact[j]!;
    p[j] = Math.exp(logP[j]!);
  }
  const tail = new Float64Array(J + 1);
  let acc = 0;
  for (let j = J; j >= 0; j--) {
    acc += p[j]!;
    tail[j] = acc;
  }
  const t = { logP, tail, logFact };
  if (poissonCache.size > 64) poissonCache.clear();
  poissonCache.set(k, t);
  return t;
}

/** P(Y > y) and density of Y = s X, X Rician with K-factor k (mean 1): the Poisson mixture above. */
export function ricianSnr(k: number, s: number): { survival: (y: number) => number; pdf: (y: number) => number } {
  const { logP, tail, logFact } = poissonTables(k);
  const J = logP.length - 1;
  const c = (k + 1) / s;
  return {
    survival(y) {
      if (!(y > 0)) return 1;
      const v = c * y;
      const lv = Math.log(v);
      let sum = 0;
      for (let j = 0; j <= J; j++) sum += Math.exp(-v + j * lv - logFact[j]!) * tail[j]!;
      return Math.min(1, sum);
    },
    pdf(y) {
      if (y < 0) return 0;
      if (y === 0) return c * Math.exp(logP[0]!);
      const v = c * y;
      const lv = Math.log(v);
      let sum = 0;
      for (let j = 0; j <= J; j++) sum += Math.exp(logP[j]! - v + j * lv - logFact[j]!);
      return c * sum;
    },
  };
}

/**
 * The law of a block's SINR: one link of mean SINR `meanSnrs[0]`, or the worst of several
 * independently fading receivers of mean SINRs `meanSnrs` (a broadcast coded per block).
 */
export function snrLaw(law: GainLaw, meanSnrs: readonly number[]): SnrLaw {
  if (meanSnrs.length === 0 || meanSnrs.some((s) => !(s > 0))) throw new RangeError('an SINR law needs positive mean SINRs');
  if (law.kind === 'rayleigh' || law.kFactorLinear === 0) {
    let rate = 0;
    for (const s of meanSnrs) rate += 1 / s;
    return rayleighLaw(1 / rate);
  }
  const k = law.kFactorLinear;
  const parts = meanSnrs.map((s) => ricianSnr(k, s));
  const worst = Math.min(...meanSnrs);
  const key = `C${k}:${meanSnrs.join(',')}`;
  const roughMeanSe = (link: LinkAbstraction, cut: number) => blockSpectralEfficiency(link, worst, cut);
  if (parts.length === 1) return { key, ...parts[0]!, scale: worst, roughMeanSe };
  const n = parts.length;
  const surv = new Float64Array(n);
  const suffix = new Float64Array(n);
  return {
    key,
    scale: worst / n,
    roughMeanSe,
    survival(y) {
      let p = 1;
      for (const part of parts) p *= part.survival(y);
      return p;
    },
    pdf(y) {
      for (let i = 0; i < n; i++) surv[i] = parts[i]!.survival(y);
      // prod_{l != i} S_l = (prefix product before i) x (suffix product after i): O(n).
      let sum = 0;
      let prefix = 1;
      suffix[n - 1] = 1;
      for (let i = n - 2; i >= 0; i--) suffix[i] = suffix[i + 1]! * surv[i + 1]!;
      for (let i = 0; i < n; i++) {
        const others = prefix * suffix[i]!;
        if (others > 0) sum += parts[i]!.pdf(y) * others;
        prefix *= surv[i]!;
      }
      return sum;
    },
  };
}

/** Moments of SE(Y) (bit/s/Hz) in one block. */
export interface SeMoments {
  mean: number;
  variance: number;
  /** E[(SE - mean)^3] / sd^3 (0 when the variance is 0). */
  skewness: number;
  /** E[(SE - mean)^4] / sd^4 - 3 (0 when the variance is 0). */
  excessKurtosis: number;
  /** P(SE(Y) = 0): outage (below the cut or the link's lowest SINR). */
  pZero: number;
}

const momentCache = new WeakMap<LinkAbstraction, Map<string, SeMoments>>();
const MAX_CACHED = 8192;
/** Quadrature tolerance (relative to the integral of |integrand|): far below the O(1/M) of a leap. */
const REL_TOL = 1e-9;

/** Moments of the block efficiency SE(Y) (0 below `cutSnr`) under `law`; cached. */
export function seMoments(link: LinkAbstraction, cutSnr: number, law: SnrLaw): SeMoments {
  let byLink = momentCache.get(link);
  if (!byLink) {
    byLink = new Map();
    momentCache.set(link, byLink);
  }
  const key = `${law.key}|${cutSnr}`;
  const hit = byLink.get(key);
  if (hit) return hit;
  const m = computeSeMoments(link, cutSnr, law);
  if (byLink.size >= MAX_CACHED) byLink.clear();
  byLink.set(key, m);
  return m;
}

interface PieceInfo {
  a: number;
  b: number;
  /** Value on a flat piece, NaN on a smooth one. */
  flat: number;
  /** P(a < Y <= b). */
  mass: number;
}

function pieces(link: LinkAbstraction, cut: number, law: SnrLaw): PieceInfo[] {
  const se = (y: number) => blockSpectralEfficiency(link, y, cut);
  const pts = [...new Set([cut, link.minSnr, ...link.breakpoints].filter((y) => y > 0 && Number.isFinite(y)))].sort((a, b) => a - b);
  const edges = [0, ...pts, Infinity];
  const out: PieceInfo[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const a = edges[i]!;
    const b = edges[i + 1]!;
    // Nondecreasing SE that takes one value near both ends is flat in between.
    const lo = b === Infinity ? a + 1e-9 * Math.max(a, 1e-300) : a + (b - a) * 1e-9;
    const hi = b === Infinity ? 1e300 : b - (b - a) * 1e-9;
    const vLo = se(lo);
    const flat = vLo === se(hi) ? vLo : Number.NaN;
    out.push({ a, b, flat, mass: law.survival(a) - (b === Infinity ? 0 : law.survival(b)) });
  }
  return out;
}

function computeSeMoments(link: LinkAbstraction, cut: number, law: SnrLaw): SeMoments {
  const se = (y: number) => blockSpectralEfficiency(link, y, cut);
  const ps = pieces(link, cut, law);
  const integratePiece = (p: PieceInfo, n: number, g: (v: number, out: Float64Array) => void): Float64Array => {
    const tmp = new Float64Array(n);
    const f = (y: number, out: Float64Array) => {
      const w = law.pdf(y);
      g(se(y), tmp);
      for (let i = 0; i < n; i++) out[i] = w === 0 ? 0 : tmp[i]! * w;
    };
    if (p.b === Infinity) return integrate(f, p.a, p.b, n, { scale: Math.max(law.scale, p.a), relTol: REL_TOL });
    // A finite piece much longer than the law's scale is cut at a + L/4, a + L, a + 4L, ...:
    // the density falls by orders of magnitude across it, which a single bisection tree resolves slowly.
    const sum = new Float64Array(n);
    const L = law.scale;
    let lo = p.a;
    for (let step = L / 4; lo < p.b; step *= 4) {
      const hi = Math.min(p.b, p.a + step);
      if (hi > lo) {
        const r = integrate(f, lo, hi, n, { relTol: REL_TOL });
        for (let i = 0; i < n; i++) sum[i]! += r[i]!;
      }
      lo = hi;
    }
    return sum;
  };
  let mean = 0;
  let pZero = 0;
  for (const p of ps) {
    if (!Number.isNaN(p.flat)) {
      mean += p.flat * p.mass;
      if (p.flat === 0) pZero += p.mass;
    } else mean += integratePiece(p, 1, (v, out) => void (out[0] = v))[0]!;
  }
  const c = new Float64Array(3);
  const central = (v: number, out: Float64Array) => {
    const d = v - mean;
    out[0] = d * d;
    out[1] = d * d * d;
    out[2] = d * d * d * d;
  };
  const tmp = new Float64Array(3);
  for (const p of ps) {
    if (!Number.isNaN(p.flat)) {
      central(p.flat, tmp);
      for (let i = 0; i < 3; i++) c[i]! += tmp[i]! * p.mass;
    } else {
      const r = integratePiece(p, 3, central);
      for (let i = 0; i < 3; i++) c[i]! += r[i]!;
    }
  }
  const variance = Math.max(0, c[0]!);
  const sd = Math.sqrt(variance);
  const tiny = variance <= 1e-24 * Math.max(mean * mean, 1e-300);
  return {
    mean,
    variance: tiny ? 0 : variance,
    skewness: tiny ? 0 : c[1]! / (sd * variance),
    excessKurtosis: tiny ? 0 : c[2]! / (variance * variance) - 3,
    pZero: Math.min(1, Math.max(0, pZero)),
  };
}
