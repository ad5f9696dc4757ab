/**
 * BlockLLM's coordinate-block selection as the official code does it (Ramesh et al. 2024,
 * "BlockLLM: Memory-Efficient Adaptation of LLMs by Selecting and Optimizing the Right Coordinate
 * Blocks", arXiv 2406.17296; github.com/RAmruthaVignesh/blockllm, commit 4a629f44,
 * blockllm_torch/blockllm.py, class BlockLLM):
 * - embeddings and the LM head are never selected (`__init__`: names containing "embed" or
 *   "lm_head" get requires_grad False and no optimizer group);
 * - the first selection takes max(1, int((1 - s)·#tensors)) tensors in random order
 *   (`_choose_top_k_params_by_mag` shuffles before taking them);
 * - a tensor's score is ||g|| / exp(f / t): g its last measured gradient, f its normalised visit
 *   frequency, t the optimiser step (`_adjust_parameters`, the sort key);
 * - reselection happens at steps t with t % update_freq = 0, once more than `patience` losses were
 *   recorded since the last one, when the mean of the last `patience` losses is above the mean of
 *   all of them (`_should_adjust_parameters`: the loss stopped improving);
 * - tensors are taken by descending score while the running count stays below (1 - s)·N; the
 *   first that would reach it ends the selection (`break`); if the scored tensors run out first,
 *   random tensors fill up (the `while running_param_count < num_params_to_keep` loop);
 * - each selected tensor, in parameter order, updates the frequencies as f <- (f + e_name) / 2
 *   (`_update_param_visit_frequency`: +1, then renormalise to sum 1);
 * - every `param_update_interval` steps one random inactive tensor gets gradients (not updates),
 *   so its norm is known at the next reselection (`step`, `num_bottom_to_sample`).
 */
import { RandomStream } from '../../random/index.js';

/** Defaults of the official `BlockLLMConfig`. */
export const BLOCKLLM_DEFAULTS = { updateFreq: 1000, patience: 100, paramUpdateInterval: 20, numBottomToSample: 1, sparsity: 0.9 } as const;

/** One client's selection state, kept between rounds (it lives on the device). */
export interface BlockSelectionState {
  /** Selected tensors, canonical order. */
  selected: string[];
  /** Normalised visit frequency of every eligible tensor (sums to 1). */
  visits: Record<string, number>;
  /** Last measured gradient L2 norm of the tensors measured so far. */
  gradNorms: Record<string, number>;
  /** Step losses since the last (re)selection. */
  losses: number[];
  /** Optimiser steps done by the client so far (t). */
  step: number;
  /** The inactive tensor whose gradient is being observed (null before the first interval). */
  sampled: string | null;
  /** Times the selection was recomputed from scores. */
  reselections: number;
}

/** Selection score of the official code: ||g|| / exp(f / t). */
export const selectionScore = (gradNorm: number, frequency: number, step: number): number =>
  gradNorm / Math.exp(frequency / Math.max(step, 1));

/** First selection: int(keepFraction·#eligible) tensors in a random order (canonical order returned). */
export function initialSelection(eligible: readonly string[], keepFraction: number, stream: RandomStream): string[] {
  const order = [...eligible];
  for (let i = order.length - 1; i > 0; i--) {
    const j = stream.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  // The official loop appends, then stops once the count is reached: at least one tensor.
  const take = new Set(order.slice(0, Math.max(1, Math.floor(keepFraction * eligible.length))));
  return eligible.filter((n) => take.has(n));
}

/** Initial normalised visit frequencies: 1 / #eligible each. */
export function initialVisits(eligible: readonly string[]): Record<string, number> {
  return Object.fromEntries(eligible.map((n) => [n, 1 / eligible.length]));
}

/** Stall test of `_should_adjust_parameters` at step t. */
export function shouldReselect(losses: readonly number[], step: number, updateFreq: number, patience: number): boolean {
  if (losses.length <= patience || step % updateFreq !== 0) return false;
  const all = losses.reduce((a, b) => a + b, 0) / losses.length;
  const recent = losses.slice(-patience).reduce((a, b) => a + b, 0) / patience;
  return all < recent;
}

/**
 * Reselection (`_adjust_parameters`): the measured tensors by descending score (ties: canonical
 * order), taken while the running size stays below `budget`; the first that reaches it stops the
 * selection; random eligible tensors fill up when the measured ones run out. Returns the new
 * selection (canonical order) and the visit frequencies after it.
 */
export function reselect(
  eligible: readonly string[],
  sizes: Record<string, number>,
  state: Pick<BlockSelectionState, 'gradNorms' | 'visits' | 'step'>,
  budget: number,
  stream: RandomStream,
): { selected: string[]; visits: Record<string, number> } {
  const index = new Map(eligible.map((n, i) => [n, i]));
  const order = eligible
    .filter((n) => state.gradNorms[n] !== undefined)
    .map((n) => ({ n, s: selectionScore(state.gradNorms[n]!, state.visits[n] ?? 0, state.step) }))
    .sort((a, b) => b.s - a.s || index.get(a.n)! - index.get(b.n)!);
  const chosen = new Set<string>();
  let running = 0;
  for (const { n } of order) {
    running += sizes[n]!;
    if (running >= budget) break;
    chosen.add(n);
  }
  while (running < budget && chosen.size < eligible.length) {
    const n = eligible[stream.int(eligible.length)]!;
    if (chosen.has(n)) continue;
    chosen.add(n);
    running += sizes[n]!;
  }
  const selected = eligible.filter((n) => chosen.has(n));
  const visits = { ...state.visits };
  for (const n of selected) {
    visits[n] = (visits[n] ?? 0) + 1;
    const total = Object.values(visits).reduce((a, b) => a + b, 0);
    for (const k of Object.keys(visits)) visits[k] = visits[k]! / total;
  }
  return { selected, visits };
}

/** A random inactive eligible tensor (`random.choice(bottom_k_param_names)`), or null if none. */
export function sampleInactive(eligible: readonly string[], selected: readonly string[], stream: RandomStream): string | null {
  const active = new Set(selected);
  const inactive = eligible.filter((n) => !active.has(n));
  return inactive.length === 0 ? null : inactive[stream.int(inactive.length)]!;
}
