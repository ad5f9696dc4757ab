/**
 * The method interface (one object per method, as Flower's strategies): the cost side gives a
 * client's per-round load for the timing model; the training side (real tfjs weights) is an
 * optional slot filled in by src/training.
 */
import type { z } from 'zod';
import type { Architecture } from '../costs/architecture.js';
import type { LocalWork } from '../costs/schema.js';
import type { TrainingRule } from '../training/federated/types.js';

export interface LoadContext {
  arch: Architecture;
  work: LocalWork;
  /** Round index, from 0. */
  round: number;
  /** Client index, from 0. */
  client: number;
  /** Number of clients taking part. */
  clients: number;
  /** Pruning rate in [0, 1) (JCPBA); methods without pruning ignore it. */
  rho?: number;
  /**
   * Participants of every round so far in schedule order, the current round last (client
   * indices), when the planner knows them; methods whose download depends on who trained since
   * a client last held the model read it (FedCyBGD). Absent: every client 0..clients-1 in every round.
   */
  history?: readonly (readonly number[])[];
}

/**
 * What the JCPBA solver needs: load = fixed + (1 - rho) × prunable for FLOPs, upload and memory
 * (C0/C1, S0/S1, M0/M1 of docs/jcpba-model.md; upload here in bytes, the solver's S in bits).
 */
export interface LoadSplit {
  fixedFlops: number;
  prunableFlops: number;
  fixedUploadBytes: number;
  prunableUploadBytes: number;
  fixedMemoryBytes: number;
  prunableMemoryBytes: number;
}

/** One client's load in one round. */
export interface ClientLoad {
  /** FLOPs of the round's local computation. */
  flops: number;
  /** Peak device memory. */
  memoryBytes: number;
  uploadBytes: number;
  downloadBytes: number;
  /** Parameters whose values this client changes in the round. */
  trainedParams: number;
  /** Bytes moved between device memory and its cores in the round (the roofline's traffic). */
  memoryTrafficBytes?: number;
  split?: LoadSplit;
}

export interface Method<P> {
  /** Id used in scenario files. */
  id: string;
  title: string;
  /** zod schema of the method's params, with defaults (`paramsSchema.parse({})` is valid). */
  paramsSchema: z.ZodType<P>;
  /** One client's load in one round. */
  load(ctx: LoadContext, params: P): ClientLoad;
  /** One-line summary of the load formula. */
  formula: string;
  /** Training side on the tfjs proxy; absent until src/training provides it. */
  training?: TrainingRule<P, any, any, any>;
  /**
   * How the clients of a synchronous round run: `parallel` (default: all at once, the round
   * waits for the slowest) or `sequential` (client i starts from the model client i - 1 left,
   * so the round's critical path is the sum over its clients; FedCyBGD's cycle).
   */
  schedule?: 'parallel' | 'sequential';
}
