/**
 * Calibrating JCPBA's rounds model on the training proxy (`airtune calibrate`, or
 * `roundsModel: calibrated` in a jcpba method entry).
 *
 * JCPBA's equations are not public; airtune's rounds model R(rhobar) = A / (epsilon - beta rhobar)
 * is a reconstruction from the pruning-FL literature (solvers/README.md) with assumed constants.
 * Calibration measures instead: at each of a few uniform pruning rates rho (every client prunes
 * rho), JCPBA's training rule runs on the tfjs proxy with every client taking part in every round
 * (the rounds model counts rounds of the algorithm, not of the clock: who can take part is the
 * simulation's business) until the test loss is at or below the target (evaluated every round) or
 * `maxRounds` pass. The rates that reached the target are fitted by least squares (fit.ts,
 * epsilon = 1 by convention); rates that did not are listed and left out.
 *
 * Results are cached (cache.ts): the key hashes everything they depend on (airtune version, seed,
 * the training section, the clients, JCPBA's pruning, rates, round cap, target, tfjs backend).
 */
import { backendId } from '../training/backend.js';
import type { JcpbaParams, RoundsConstants } from '../methods/jcpba.js';
import { createFederatedTrainer, type TrainingEnvironment } from '../training/federated/trainer.js';
import { FitError, fitRoundsModel, type RoundsFit } from './fit.js';
import { cacheKey, readCache, writeCache } from './cache.js';

/** Rates trained when the scenario gives none (those above rhoMax are dropped). */
export const DEFAULT_CALIBRATION_RATES = [0, 0.2, 0.4, 0.6];
export const DEFAULT_CALIBRATION_MAX_ROUNDS = 60;

export interface CalibrationRequest {
  params: JcpbaParams;
  targetTestLoss: number;
  rates?: readonly number[];
  maxRounds?: number;
  /** Folder of the cache (see cache.ts); none: no cache. */
  cacheDir?: string;
  /** Called after each rate (progress). */
  onRate?: (rho: number, rounds: number | null) => void;
  /** Called after each training round of a rate (progress). */
  onRound?: (rho: number, round: number, maxRounds: number) => void;
}

export interface Calibration {
  rates: number[];
  /** Rounds to the target at each rate; null: not reached within maxRounds. */
  rounds: (number | null)[];
  targetTestLoss: number;
  maxRounds: number;
  initialTestLoss: number;
  fit: RoundsFit;
  /** What the losses came from (the proxy, its size and backend). */
  lossModel: string;
  /** The cache key (and file name) of this calibration. */
  key: string;
  /** Read from the cache rather than computed now. */
  cached: boolean;
}

export class CalibrationError extends Error {}

export function calibrationRates(params: JcpbaParams, rates?: readonly number[]): number[] {
  const chosen = rates ?? params.calibration?.rates ?? DEFAULT_CALIBRATION_RATES.filter((r) => r <= params.rhoMax);
  return [...new Set(chosen)].sort((a, b) => a - b);
}

/** The constants of a calibration (what the solver uses). */
export function calibratedConstants(c: Calibration): RoundsConstants {
  return { A: c.fit.A, epsilon: c.fit.epsilon, beta: c.fit.beta };
}

function fmt(x: number, digits = 4): string {
  return Number(x.toPrecision(digits)).toString();
}

/** The `rounds_model` label of a calibrated model: constants, how they were measured, the fit error. */
export function describeCalibration(c: Calibration): string {
  const measured = c.rates.map((r, i) => `${fmt(r)}: ${c.rounds[i] ?? `not within ${c.maxRounds}`}`).join(', ');
  return (
    `calibrated: A = ${fmt(c.fit.A)}, epsilon = 1 (fixed: rounds data identify only A/epsilon and beta/epsilon), beta = ${fmt(c.fit.beta)}; ` +
    `least squares on rounds to test loss ${c.targetTestLoss} of ${c.lossModel} at uniform rho (${measured}); ` +
    `fit error RMS ${fmt(c.fit.rmsErrorRounds, 3)} rounds (${fmt(100 * c.fit.relativeRmsError, 3)}% of mean R) over ${c.fit.points} rates`
  );
}

/** Measure rounds to target at each rate on the proxy and fit the rounds model (cached). */
export async function calibrate(env: TrainingEnvironment, clientWeights: readonly number[], lossModel: string, req: CalibrationRequest): Promise<Calibration> {
  const { params, targetTestLoss } = req;
  const rates = calibrationRates(params, req.rates);
  const maxRounds = req.maxRounds ?? params.calibration?.maxRounds ?? DEFAULT_CALIBRATION_MAX_ROUNDS;
  for (const r of rates) {
    if (r > params.rhoMax) throw new CalibrationError(`calibration rate ${r} is above jcpba's rhoMax ${params.rhoMax}`);
  }
  const { config } = env;
  const key = cacheKey({
    seed: env.seed,
    training: { ...config, workers: undefined, backend: backendId(env.executor.backend) },
    clients: env.clients,
    weights: clientWeights,
    pruning: params.pruning,
    rates,
    maxRounds,
    targetTestLoss,
  });
  if (req.cacheDir) {
    const hit = readCache<Calibration>(req.cacheDir, key);
    if (hit) return { ...hit, cached: true };
  }
  const rounds: (number | null)[] = [];
  let initialTestLoss = NaN;
  for (const rho of rates) {
    const trainer = await createFederatedTrainer({ method: { id: 'jcpba', params: { ...params, roundsModel: undefined } }, env });
    try {
      initialTestLoss = await trainer.evaluate();
      if (initialTestLoss <= targetTestLoss) {
        throw new CalibrationError(`the test loss before training (${fmt(initialTestLoss)}) is already at or below the target ${targetTestLoss}: nothing to calibrate`);
      }
      let reached: number | null = null;
      for (let round = 1; round <= maxRounds; round++) {
        const contributions = clientWeights.map((weight, client) => ({ client, weight, staleness: 0, rho }));
        const losses = await trainer.aggregate(round, contributions);
        const loss = losses.testLoss ?? (await trainer.evaluate());
        req.onRound?.(rho, round, maxRounds);
        if (loss <= targetTestLoss) {
          reached = round;
          break;
        }
      }
      rounds.push(reached);
      req.onRate?.(rho, reached);
    } finally {
      await trainer.close();
    }
  }
  const points = rates.map((rho, i) => ({ rho, rounds: rounds[i]! })).filter((p) => p.rounds !== null);
  let fit: RoundsFit;
  try {
    fit = fitRoundsModel(points);
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    const missed = rates.filter((_, i) => rounds[i] === null);
    throw new CalibrationError(
      `${e.message}${missed.length ? ` (test loss ${targetTestLoss} not reached within ${maxRounds} rounds at rho = ${missed.join(', ')}: raise calibration.maxRounds or the target, or lower the rates)` : ''}`,
    );
  }
  const out: Calibration = { rates, rounds, targetTestLoss, maxRounds, initialTestLoss, fit, lossModel, key, cached: false };
  if (req.cacheDir) writeCache(req.cacheDir, key, out);
  return out;
}
