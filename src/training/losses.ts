/**
 * What the round simulation needs from a loss source (src/simulation/run.ts): told who contributed
 * to an aggregation, it returns the losses after it. Implemented by the federated trainer
 * (real tfjs training, federated/trainer.ts) and by loss traces (trace.ts); defined here, below the
 * simulation, so that training does not import from the layer that uses it.
 */

export interface RoundLosses {
  trainLoss: number | null;
  testLoss: number | null;
}

/** Real training: told who contributed to an aggregation, returns the losses after it. */
export interface Trainer {
  aggregate(round: number, contributions: { client: number; weight: number; staleness: number; rho?: number }[]): Promise<RoundLosses> | RoundLosses;
}
