/**
 * The `airtune solve` instance file (docs/jcpba-model.md): JSON or YAML, validated with zod.
 * Fields take the spec's SI numbers (dBm for `txPowerDbm`, dBm/Hz for `noisePsdDbmPerHz`) or a
 * quantity string with a unit ("20 MHz", "0.2 W", "-174 dBm/Hz", "8 GB", "2 TFLOP/s").
 * Errors name the file, the field path (and YAML/JSON line), what was expected and what was found.
 */
import { z } from 'zod';
import { parseScenarioText } from '../../src/scenario/parse.js';
import { ScenarioError, issueMessage, type FieldProblem } from '../../src/scenario/errors.js';
import { positive, quantity } from '../../src/scenario/fields.js';
import { dbmToWatts, type QuantityKind } from '../../src/scenario/units.js';
import { LIMITS } from '../../src/scenario/limits.js';
import { RATE_MODELS, type JcpbaInstance } from './types.js';

/** A level field named in dBm: a plain number is dBm, a string may carry any unit of `kind`. */
const dbmLevel = (kind: QuantityKind) => quantity(kind, dbmToWatts);

const nonNegative = (kind: QuantityKind) => positive(kind, true);

const clientSchema = z
  .object({
    weight: positive('dimensionless').default(1),
    flopsPerS: positive('flopRate'),
    fixedFlops: nonNegative('flops').default(0),
    prunableFlops: nonNegative('flops'),
    fixedUploadBits: nonNegative('bits').default(0),
    prunableUploadBits: nonNegative('bits'),
    txPowerDbm: dbmLevel('power'),
    /** Linear power gain, or a level such as "-110 dB". */
    channelGain: positive('dimensionless'),
    downloadS: nonNegative('time').default(0),
    memoryBytes: positive('bytes'),
    fixedMemoryBytes: nonNegative('bytes').default(0),
    prunableMemoryBytes: nonNegative('bytes'),
  })
  .strict();

export const instanceSchema = z
  .object({
    bandwidthHz: positive('frequency'),
    noisePsdDbmPerHz: dbmLevel('psd'),
    rhoMax: z.number().min(0).lt(1),
    // Bounded so that R = A / (epsilon - beta rhobar) cannot overflow through its parameters alone
    // (the same bounds as the jcpba method's roundsModel).
    rounds: z
      .object({
        A: z.number().positive().max(1e9),
        epsilon: z.number().min(1e-6).max(1e6),
        beta: z.number().min(0).max(1e6),
      })
      .strict(),
    clients: z
      .array(clientSchema)
      .min(1)
      .max(LIMITS.solverClients), // src/scenario/limits.ts
    /** Extension of the spec: the uplink rate model (solvers/README.md); default the spec's Shannon rate. */
    rateModel: z.enum(RATE_MODELS).default('shannon'),
  })
  .strict();

/** Parse and validate an instance; throws ScenarioError (file, field path, expected, found). */
export function parseInstance(text: string, fileName: string): JcpbaInstance {
  const { raw, lineOf } = parseScenarioText(text, fileName);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError(fileName, [
      { path: [], message: `expected a mapping with bandwidthHz, noisePsdDbmPerHz, rhoMax, rounds, clients; found ${raw === null ? 'an empty file' : Array.isArray(raw) ? 'a list' : typeof raw}` },
    ]);
  }
  const parsed = instanceSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const problems: FieldProblem[] = parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      return { path, message: issueMessage(issue), line: lineOf(path) };
    });
    throw new ScenarioError(fileName, problems);
  }
  const d = parsed.data;
  return {
    bandwidthHz: d.bandwidthHz,
    n0WPerHz: d.noisePsdDbmPerHz,
    rhoMax: d.rhoMax,
    rounds: { ...d.rounds },
    rateModel: d.rateModel,
    clients: d.clients.map((c) => ({
      weight: c.weight,
      flopsPerS: c.flopsPerS,
      fixedFlops: c.fixedFlops,
      prunableFlops: c.prunableFlops,
      fixedUploadBits: c.fixedUploadBits,
      prunableUploadBits: c.prunableUploadBits,
      txPowerW: c.txPowerDbm,
      channelGain: c.channelGain,
      downloadS: c.downloadS,
      memoryBytes: c.memoryBytes,
      fixedMemoryBytes: c.fixedMemoryBytes,
      prunableMemoryBytes: c.prunableMemoryBytes,
    })),
  };
}
