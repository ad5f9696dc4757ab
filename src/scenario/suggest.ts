/**
 * "Did you mean ...?" for misspelt field names, enum values, method ids, presets and units.
 *
 * The distance is the optimal string alignment distance (restricted Damerau-Levenshtein: insert,
 * delete, substitute, or swap two adjacent characters, each substring edited once; Boytsov 2011,
 * "Indexing methods for approximate dictionary searching", Sec. 2.2). It is written here (a dozen
 * lines) because no string-distance package is installed and the candidate lists are tiny (tens of
 * words); the well-kept packages (fastest-levenshtein, leven) count no transpositions, and a swap
 * ("bandwdith") is the commonest typo.
 */

/** Optimal string alignment distance between `a` and `b` (a swap of two adjacent characters costs 1). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // d[i][j]: distance between a[0, i) and b[0, j); three rows are enough for the swap.
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/**
 * The candidate `word` most likely stands for, or undefined when none is close enough to be a
 * typo. In order: the one candidate equal to `word` ignoring case (`Mhz` -> `MHz`); the one
 * candidate `word` is the start of (`r` -> `rank`); the one nearest candidate within
 * max(1, floor(len / 3)) edits of `word` (`synch` -> `sync`, `llama2-7b` -> `llama-2-7b`).
 * A tie is no suggestion: a guess between two words helps less than the list of valid ones.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const options = [...new Set(candidates)].filter((c) => c !== word && c !== '');
  if (word === '' || options.length === 0) return undefined;
  const lower = word.toLowerCase();
  const unique = (found: string[]) => (found.length === 1 ? found[0] : undefined);
  const sameCase = options.filter((c) => c.toLowerCase() === lower);
  if (sameCase.length > 0) return unique(sameCase);
  const prefix = unique(options.filter((c) => c.toLowerCase().startsWith(lower)));
  if (prefix !== undefined) return prefix;
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string[] = [];
  let bestD = Infinity;
  for (const c of options) {
    // The length difference is a lower bound of the distance: a far longer word costs nothing.
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) [best, bestD] = [[c], d];
    else if (d === bestD) best.push(c);
  }
  return bestD <= limit ? unique(best) : undefined;
}

/** `; did you mean "x"?` for `word` among `candidates`, or '' when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `; did you mean ${JSON.stringify(c)}?`;
}
