/**
 * Adaptive Gauss-Kronrod quadrature (the 7-point Gauss / 15-point Kronrod pair of QUADPACK's QK15:
 * Piessens et al., "QUADPACK", Springer 1983, Sec. 2.2; nodes and weights from its qk15.f), with
 * global error control: the interval with the largest error estimate |K15 - G7| is bisected until
 * every component's error is below `relTol` times the integral of its absolute value. A vector of
 * integrands shares the nodes (the block-moment passes integrate 3 or 4 functions at once).
 * No npm package offers adaptive quadrature for vector integrands; this is the textbook algorithm.
 */

const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.58608723546769113029414483825873, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0,
];
const WGK = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
];
const WG = [0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327];

interface Piece {
  a: number;
  b: number;
  value: Float64Array;
  abs: Float64Array;
  err: Float64Array;
}

function qk15(f: (x: number, out: Float64Array) => void, a: number, b: number, n: number, buf: Float64Array): Piece {
  const c = 0.5 * (a + b);
  const h = 0.5 * (b - a);
  const k = new Float64Array(n);
  const g = new Float64Array(n);
  const abs = new Float64Array(n);
  // Nodes c -+ h XGK[idx] (idx 0..6) and the centre (idx 7); the Gauss nodes are idx 1, 3, 5, 7.
  const add = (x: number, idx: number): void => {
    f(x, buf);
    const wk = WGK[idx]!;
    const wg = idx % 2 === 1 ? WG[(idx - 1) >> 1]! : 0;
    for (let i = 0; i < n; i++) {
      const v = buf[i]!;
      k[i]! += wk * v;
      g[i]! += wg * v;
      abs[i]! += wk * Math.abs(v);
    }
  };
  for (let idx = 0; idx < 7; idx++) {
    add(c - h * XGK[idx]!, idx);
    add(c + h * XGK[idx]!, idx);
  }
  add(c, 7);
  const err = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    k[i]! *= h;
    g[i]! *= h;
    abs[i]! *= Math.abs(h);
    err[i] = Math.abs(k[i]! - g[i]!);
  }
  return { a, b, value: k, abs, err };
}

export interface QuadratureOptions {
  /** Relative tolerance on each component, against the integral of its absolute value. Default 1e-11. */
  relTol?: number;
  /** Largest number of subintervals. Default 2000. */
  maxPieces?: number;
}

/**
 * int_a^b f(x) dx for a vector integrand: `f(x, out)` writes the n components at x into `out`.
 * `b` may be Infinity: x = a + scale t / (1 - t), t in [0, 1) (the nodes never reach t = 1).
 */
export function integrate(
  f: (x: number, out: Float64Array) => void,
  a: number,
  b: number,
  n: number,
  opts: QuadratureOptions & { scale?: number } = {},
): Float64Array {
  const relTol = opts.relTol ?? 1e-11;
  const maxPieces = opts.maxPieces ?? 2000;
  let g = f;
  let lo = a;
  let hi = b;
  if (b === Infinity) {
    const L = opts.scale ?? 1;
    const inner = new Float64Array(n);
    g = (t, out) => {
      const u = 1 - t;
      f(a + (L * t) / u, inner);
      const jac = L / (u * u);
      for (let i = 0; i < n; i++) out[i] = inner[i]! * jac;
    };
    lo = 0;
    hi = 1;
  }
  const buf = new Float64Array(n);
  const pieces: Piece[] = [qk15(g, lo, hi, n, buf)];
  for (;;) {
    const total = new Float64Array(n);
    const absTotal = new Float64Array(n);
    const errTotal = new Float64Array(n);
    for (const p of pieces) {
      for (let i = 0; i < n; i++) {
        total[i]! += p.value[i]!;
        absTotal[i]! += p.abs[i]!;
        errTotal[i]! += p.err[i]!;
      }
    }
    let ok = true;
    for (let i = 0; i < n; i++) if (errTotal[i]! > relTol * absTotal[i]! + 1e-300) ok = false;
    if (ok || pieces.length >= maxPieces) return total;
    // Bisect the piece with the largest error relative to its component's scale.
    let worst = 0;
    let worstScore = -1;
    for (let j = 0; j < pieces.length; j++) {
      let score = 0;
      for (let i = 0; i < n; i++) score = Math.max(score, pieces[j]!.err[i]! / (absTotal[i]! + 1e-300));
      if (score > worstScore) {
        worstScore = score;
        worst = j;
      }
    }
    const p = pieces[worst]!;
    const mid = 0.5 * (p.a + p.b);
    if (!(mid > p.a && mid < p.b)) return total; // no room left to bisect
    pieces[worst] = qk15(g, p.a, mid, n, buf);
    pieces.push(qk15(g, mid, p.b, n, buf));
  }
}
