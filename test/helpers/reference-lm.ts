/**
 * An independent float64 reference of the proxy LM's loss, written from the model statement
 * (src/training/model/forward.ts header, params.ts names, lora.ts and masks.ts semantics), with
 * plain loops over Float64Arrays. It imports nothing from src/training: tests compare the tfjs
 * model (and its hand-written gradients) with this and with central differences of this.
 *
 * Model: x_t = E'[tok_t] + P[t]; per layer x += Attn(N1(x)), x += FFN(N2(x)); logits =
 * N_f(x) H'^T with H' = E' when tied; loss = mean over positions of -log softmax(logits)[next].
 * N is LayerNorm (g, b; eps 1e-5, biased variance) or RMSNorm (g; eps 1e-5). Attn: causal,
 * heads of width d = h/H, scores q·k/sqrt(d). FFN: GELU(x W1^T + b1) W2^T + b2 (exact GELU) or,
 * gated, (SiLU(x W1^T + b1) ⊙ (x W3^T + b3)) W2^T + b2. Every weight W [out, in] is applied as
 * x W^T (+ b) and used as its effective value (W + (alpha/r) B A) ⊙ M.
 */
import type { Architecture } from '../../src/costs/architecture.js';

export type W64 = Record<string, Float64Array>;

export interface RefOptions {
  lora?: { rank: number; alpha: number; weights: W64 };
  masks?: Record<string, ArrayLike<number>>;
}

const EPS = 1e-5;

/** erf by its Maclaurin series (Abramowitz & Stegun 7.1.5), exact to double precision for |x| < 4. */
export function erf(x: number): number {
  if (Math.abs(x) >= 5.5) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Copy float32 weights into float64 arrays (same values). */
export function to64(w: Record<string, ArrayLike<number>>): W64 {
  const out: W64 = {};
  for (const [k, v] of Object.entries(w)) out[k] = Float64Array.from(v);
  return out;
}

function effective(name: string, w: W64, opts: RefOptions, rows: number, cols: number): Float64Array {
  const base = w[name];
  if (!base) throw new Error(`reference: missing ${name}`);
  let out = base;
  const A = opts.lora?.weights[`${name}.A`];
  if (A) {
    const B = opts.lora!.weights[`${name}.B`]!;
    const r = opts.lora!.rank;
    const s = opts.lora!.alpha / r;
    out = base.slice();
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        let acc = 0;
        for (let k = 0; k < r; k++) acc += B[i * r + k]! * A[k * cols + j]!;
        out[i * cols + j]! += s * acc;
      }
  }
  const m = opts.masks?.[name];
  if (m) {
    if (out === base) out = base.slice();
    for (let i = 0; i < out.length; i++) if (m[i] === 0) out[i] = 0;
  }
  return out;
}

/** y[n, out] = x[n, in] W^T (+ b). */
function linear(x: Float64Array, n: number, inp: number, W: Float64Array, out: number, b?: Float64Array): Float64Array {
  const y = new Float64Array(n * out);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < out; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inp; i++) s += x[r * inp + i]! * W[o * inp + i]!;
      y[r * out + o] = s;
    }
  return y;
}

function norm(arch: Architecture, x: Float64Array, n: number, h: number, g: Float64Array, b: Float64Array | undefined): Float64Array {
  const y = new Float64Array(n * h);
  for (let r = 0; r < n; r++) {
    const o = r * h;
    if (arch.norm === 'layernorm') {
      let mu = 0;
      for (let c = 0; c < h; c++) mu += x[o + c]!;
      mu /= h;
      let v = 0;
      for (let c = 0; c < h; c++) v += (x[o + c]! - mu) ** 2;
      v /= h;
      const rs = 1 / Math.sqrt(v + EPS);
      for (let c = 0; c < h; c++) y[o + c] = (x[o + c]! - mu) * rs * g[c]! + b![c]!;
    } else {
      let ms = 0;
      for (let c = 0; c < h; c++) ms += x[o + c]! ** 2;
      ms /= h;
      const rs = 1 / Math.sqrt(ms + EPS);
      for (let c = 0; c < h; c++) y[o + c] = x[o + c]! * rs * g[c]!;
    }
  }
  return y;
}

/** Mean next-token cross-entropy (nats) of `batch` rows of `seqLen + 1` tokens. */
export function referenceLoss(
  arch: Architecture,
  w: W64,
  tokens: ArrayLike<number>,
  batch: number,
  seqLen: number,
  opts: RefOptions = {},
): number {
  const h = arch.hidden;
  const H = arch.heads;
  const d = h / H;
  const f = arch.ffn;
  const V = arch.vocab;
  const T = seqLen;
  const bias = (name: string) => (arch.bias ? w[name] : undefined);
  const nb = (prefix: string) => (arch.norm === 'layernorm' ? w[`${prefix}.b`] : undefined);
  const E = effective('tok_emb', w, opts, V, h);
  const P = w['pos_emb']!;
  const head = arch.tiedEmbeddings ? E : effective('head', w, opts, V, h);
  let total = 0;
  for (let bi = 0; bi < batch; bi++) {
    const tok = (t: number) => tokens[bi * (T + 1) + t]!;
    const x = new Float64Array(T * h);
    for (let t = 0; t < T; t++) for (let c = 0; c < h; c++) x[t * h + c] = E[tok(t) * h + c]! + P[t * h + c]!;
    for (let l = 0; l < arch.layers; l++) {
      const a = `l${l}.attn`;
      const m = `l${l}.mlp`;
      const xn = norm(arch, x, T, h, w[`l${l}.ln1.g`]!, nb(`l${l}.ln1`));
      const q = linear(xn, T, h, effective(`${a}.wq`, w, opts, h, h), h, bias(`${a}.bq`));
      const k = linear(xn, T, h, effective(`${a}.wk`, w, opts, h, h), h, bias(`${a}.bk`));
      const v = linear(xn, T, h, effective(`${a}.wv`, w, opts, h, h), h, bias(`${a}.bv`));
      const ctx = new Float64Array(T * h);
      const s = new Float64Array(T);
      for (let hd = 0; hd < H; hd++)
        for (let i = 0; i < T; i++) {
          let mx = -Infinity;
          for (let j = 0; j <= i; j++) {
            let dot = 0;
            for (let c = 0; c < d; c++) dot += q[i * h + hd * d + c]! * k[j * h + hd * d + c]!;
            s[j] = dot / Math.sqrt(d);
            if (s[j]! > mx) mx = s[j]!;
          }
          let z = 0;
          for (let j = 0; j <= i; j++) z += (s[j] = Math.exp(s[j]! - mx));
          for (let j = 0; j <= i; j++)
            for (let c = 0; c < d; c++) ctx[i * h + hd * d + c]! += (s[j]! / z) * v[j * h + hd * d + c]!;
        }
      const o = linear(ctx, T, h, effective(`${a}.wo`, w, opts, h, h), h, bias(`${a}.bo`));
      for (let i = 0; i < x.length; i++) x[i]! += o[i]!;
      const xn2 = norm(arch, x, T, h, w[`l${l}.ln2.g`]!, nb(`l${l}.ln2`));
      const u = linear(xn2, T, h, effective(`${m}.w1`, w, opts, f, h), f, bias(`${m}.b1`));
      if (arch.ffnKind === 'gated') {
        const up = linear(xn2, T, h, effective(`${m}.w3`, w, opts, f, h), f, bias(`${m}.b3`));
        for (let i = 0; i < u.length; i++) u[i] = (u[i]! / (1 + Math.exp(-u[i]!))) * up[i]!;
      } else {
        for (let i = 0; i < u.length; i++) u[i] = 0.5 * u[i]! * (1 + erf(u[i]! / Math.SQRT2));
      }
      const y = linear(u, T, f, effective(`${m}.w2`, w, opts, h, f), h, bias(`${m}.b2`));
      for (let i = 0; i < x.length; i++) x[i]! += y[i]!;
    }
    const xf = norm(arch, x, T, h, w['ln_f.g']!, nb('ln_f'));
    const logits = linear(xf, T, h, head, V);
    for (let t = 0; t < T; t++) {
      let mx = -Infinity;
      for (let c = 0; c < V; c++) mx = Math.max(mx, logits[t * V + c]!);
      let z = 0;
      for (let c = 0; c < V; c++) z += Math.exp(logits[t * V + c]! - mx);
      total += mx + Math.log(z) - logits[t * V + tok(t + 1)]!;
    }
  }
  return total / (batch * T);
}
