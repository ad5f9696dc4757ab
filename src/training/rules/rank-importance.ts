/**
 * Rank importance for LoRA-A2's adaptive rank selection (Koo et al. 2024, §3.2): a client keeps
 * the ranks whose contribution to this round's change of the adapter ΔW = (alpha/r)·B·A is
 * largest. Rank k contributes the rank-1 matrix B[:,k]·A[k,:], so with only one factor trained
 * its change is ΔB[:,k]·A[k,:] (B trained) or B[:,k]·ΔA[k,:] (A trained), whose Frobenius norm
 * is the product of the two vector norms: that is the score (the common alpha/r factor drops out
 * of the ranking).
 *
 * Layout (src/training/model/lora.ts): A is [r, in] row-major, B is [out, r] row-major.
 */

/** ||B[:,k]|| for every rank k of B [out, r]. */
export function columnNorms(b: Float32Array, rank: number): Float64Array {
  const out = new Float64Array(rank);
  for (let i = 0; i < b.length; i++) out[i % rank]! += b[i]! * b[i]!;
  return out.map(Math.sqrt);
}

/** ||A[k,:]|| for every rank k of A [r, in]. */
export function rowNorms(a: Float32Array, rank: number): Float64Array {
  const cols = a.length / rank;
  const out = new Float64Array(rank);
  for (let k = 0; k < rank; k++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += a[k * cols + j]! ** 2;
    out[k] = Math.sqrt(s);
  }
  return out;
}

const diff = (x: Float32Array, y: Float32Array): Float32Array => x.map((v, i) => v - y[i]!);

/**
 * Importance of each rank of one module after training `factor`: ||ΔB[:,k]||·||A[k,:]|| or
 * ||B[:,k]||·||ΔA[k,:]||. `before`/`after` are the module's {A, B} before and after the round.
 */
export function rankImportance(
  factor: 'A' | 'B',
  rank: number,
  before: { A: Float32Array; B: Float32Array },
  after: { A: Float32Array; B: Float32Array },
): Float64Array {
  if (factor === 'B') {
    const db = columnNorms(diff(after.B, before.B), rank);
    const a = rowNorms(after.A, rank);
    return db.map((v, k) => v * a[k]!);
  }
  const da = rowNorms(diff(after.A, before.A), rank);
  const b = columnNorms(after.B, rank);
  return da.map((v, k) => v * b[k]!);
}

/** The `budget` highest-scoring ranks, ascending by index (ties: lower index first). */
export function topRanks(scores: ArrayLike<number>, budget: number): Int32Array {
  const order = Array.from({ length: scores.length }, (_, k) => k).sort((x, y) => scores[y]! - scores[x]! || x - y);
  return Int32Array.from(order.slice(0, Math.min(budget, scores.length)).sort((x, y) => x - y));
}

/** Flat positions in the factor of the given ranks: columns of B [out, r] or rows of A [r, in]. */
export function rankPositions(factor: 'A' | 'B', ranks: Int32Array, rank: number, length: number): Int32Array {
  const out = new Int32Array(ranks.length * (length / rank));
  if (factor === 'B') {
    const rows = length / rank;
    // values[i·budget + m] = B[i, ranks[m]]: per output row, the kept columns.
    for (let i = 0; i < rows; i++) for (let m = 0; m < ranks.length; m++) out[i * ranks.length + m] = i * rank + ranks[m]!;
  } else {
    const cols = length / rank;
    for (let m = 0; m < ranks.length; m++) for (let j = 0; j < cols; j++) out[m * cols + j] = ranks[m]! * cols + j;
  }
  return out;
}

/**
 * LoRA-A2's global selection (Koo et al. 2024, Sec. 4.2): the `budget` highest-scoring ranks over
 * all modules together (scores[m][k] of rank k of module m; ties: lower module, then lower rank
 * first). Returns each module's kept ranks, ascending (possibly none).
 */
export function globalTopRanks(scores: readonly ArrayLike<number>[], budget: number): Int32Array[] {
  const all: { m: number; k: number; s: number }[] = [];
  scores.forEach((row, m) => {
    for (let k = 0; k < row.length; k++) all.push({ m, k, s: row[k]! });
  });
  all.sort((x, y) => y.s - x.s || x.m - y.m || x.k - y.k);
  const kept: number[][] = scores.map(() => []);
  for (const { m, k } of all.slice(0, Math.max(0, budget))) kept[m]!.push(k);
  return kept.map((ks) => Int32Array.from(ks.sort((a, b) => a - b)));
}
