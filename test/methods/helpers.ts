import { expect } from 'vitest';
import { getPreset, type LocalWork } from '../../src/costs/index.js';
import type { LoadContext } from '../../src/methods/types.js';

export const WORK: LocalWork = {
  weights: 'bf16',
  seqLen: 512,
  batchSize: 4,
  localSteps: 10,
  optimizer: 'adam',
  activationCheckpointing: false,
};

export function ctx(preset: string, over: Partial<LoadContext> = {}): LoadContext {
  return { arch: getPreset(preset), work: WORK, round: 0, client: 0, clients: 10, ...over };
}

/** A held-out set shares no document with the training documents (and is not empty). */
export function expectDisjoint(train: readonly string[], heldOut: readonly string[]): void {
  expect(heldOut.length).toBeGreaterThan(0);
  const seen = new Set(train);
  expect(heldOut.filter((t) => seen.has(t))).toEqual([]);
}
