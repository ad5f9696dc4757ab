/**
 * The scenario file, composed from the parts each module owns. A scenario is the whole input of a
 * run: clients (devices), the radio cell (network), the timing model (model), the methods to
 * compare, the round protocol, and the optional real training.
 */
import { z } from 'zod';
import { boundedCount, delegate, dist, positive, whenValid } from './fields.js';
import { LIMITS } from './limits.js';
import { parseQuantity } from './units.js';
import { clientsSchema } from '../devices/config.js';
import { wirelessNetworkSchema } from '../radio/config.js';
import { trainingSectionSchema } from '../training/config.js';
import { modelSchema, type TimingModel } from '../costs/schema.js';
import { getMethod, METHOD_IDS, type MethodId } from '../methods/registry.js';
import { scenarioNameSchema } from './name.js';
import { objectKeys, scenarioErrorMap, unknownFieldsMessage } from './errors.js';
import { didYouMean } from './suggest.js';
import { stopSchema, type StopSpec } from '../simulation/stop.js';
import { compareSchema } from '../compare/config.js';

/** Fixed-rate links: no radio, each client has a constant uplink and downlink rate. */
export const fixedNetworkSchema = z
  .object({
    type: z.literal('fixed'),
    uplinkRate: dist('bitRate').describe("Each client's uplink rate."),
    downlinkRate: dist('bitRate').describe("Each client's downlink rate."),
  })
  .strict();

/**
 * `network.bandwidth` is a shorthand for the uplink and downlink bandwidth of a wireless cell (the
 * knob what-if sweeps turn most); explicit `uplink.bandwidth` / `downlink.bandwidth` win.
 */
function applyBandwidthShorthand(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || !('bandwidth' in v)) return v;
  const raw = v as Record<string, unknown> & { uplink?: object; downlink?: object };
  let hz: number;
  try {
    hz = parseQuantity(raw.bandwidth, 'frequency');
  } catch {
    return v; // reported by the schema at network.bandwidth
  }
  if (!(hz > 0)) return v;
  return {
    ...raw,
    uplink: { bandwidth: raw.bandwidth, ...(raw.uplink ?? {}) },
    downlink: { bandwidth: raw.bandwidth, ...(raw.downlink ?? {}) },
  };
}

export const networkSchema = z.preprocess(
  applyBandwidthShorthand,
  z.discriminatedUnion('type', [
    fixedNetworkSchema,
    // `bandwidth` stays in the object so that a bad value is reported where the user wrote it.
    wirelessNetworkSchema.extend({ bandwidth: positive('frequency').optional() }),
  ]),
);

/** An explicit per-client, per-round workload (bypasses the LLM cost model). */
export const workloadSchema = z
  .object({
    flops: positive('flops', true).describe("A client's FLOPs per round."),
    upload: positive('bytes', true).describe('Bytes a client uploads per round.'),
    download: positive('bytes', true).describe('Bytes a client downloads per round.'),
    memory: positive('bytes', true).default(0).describe('Memory a client needs (clients with less are out: oom).'),
  })
  .strict();

/** `model:` with `workload:` is an explicit load; otherwise it is an LLM timing model (src/costs). */
export const explicitModelSchema = z
  .object({
    name: z.string().default('explicit workload'),
    workload: workloadSchema,
  })
  .strict()
  .transform((m) => ({ kind: 'explicit' as const, ...m }));

export const llmModelSchema = modelSchema.transform((t: TimingModel) => ({
  kind: 'llm' as const,
  ...t,
  name: `${t.arch.name} (${t.work.weights}, seq ${t.work.seqLen}, batch ${t.work.batchSize}, ${t.work.localSteps} steps/round)`,
}));

export type ModelSection = z.output<typeof explicitModelSchema> | z.output<typeof llmModelSchema>;

export const modelSectionSchema = delegate<ModelSection>((v) =>
  v !== null && typeof v === 'object' && 'workload' in v ? explicitModelSchema : llmModelSchema,
);

export { METHOD_IDS };

export interface MethodEntry {
  id: MethodId;
  /** Name in outputs (defaults to the id); lets one method appear twice with other params. */
  label: string;
  /** The method's params, validated by its own schema, defaults filled. */
  params: Record<string, unknown>;
  /** This method's own stop rules (override the scenario's `stop`, field by field). */
  stop?: StopSpec;
}

/** A method entry: a bare id, or `{ id, label?, ...params }` checked against the method's schema. */
export const methodEntrySchema = delegate<MethodEntry>((v) => {
  const entry = typeof v === 'string' ? { id: v } : v;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return `expected a method id or { id: ..., label?: ..., ...params }, found ${Array.isArray(entry) ? 'a list' : String(entry)}`;
  }
  const { id, label } = entry as { id?: unknown; label?: unknown };
  if (typeof id !== 'string') return `missing "id" (one of ${METHOD_IDS.join(', ')})`;
  if (!(METHOD_IDS as string[]).includes(id)) return `expected a method id (one of ${METHOD_IDS.join(', ')}), found "${id}"${didYouMean(id, METHOD_IDS)}`;
  if (label !== undefined && typeof label !== 'string') return `label: expected a string, found ${typeof label}`;
  const strip = (x: unknown) => {
    const { id: _id, label: _label, stop: _stop, ...rest } = (typeof x === 'string' ? { id: x } : x) as Record<string, unknown>;
    return rest;
  };
  // `stop` sits beside the method's own params but is checked by the stop-rule schema. The two
  // parse apart (not as a z.intersection, which accepts a key that either side does not reject:
  // an unknown param would pass) and their problems are reported together.
  const stopOf = (x: unknown) => (typeof x === 'object' && x !== null && 'stop' in x ? { stop: (x as { stop?: unknown }).stop } : {});
  const paramsSchema = z.preprocess(strip, getMethod(id).paramsSchema);
  const stopPart = z.preprocess(stopOf, z.object({ stop: stopSchema.optional() }));
  const paramsErrors = (iss: z.core.$ZodRawIssue) =>
    iss.code === 'unrecognized_keys' && (iss.path ?? []).length === 0
      ? unknownFieldsMessage(iss.keys, [...objectKeys((iss as { inst?: unknown }).inst), 'label', 'stop'], ` for method ${id}`)
      : scenarioErrorMap(iss);
  return z.unknown().transform((x, ctx): MethodEntry => {
    const params = paramsSchema.safeParse(x, { reportInput: true, error: paramsErrors });
    const stop = stopPart.safeParse(x, { reportInput: true, error: scenarioErrorMap });
    for (const r of [params, stop]) {
      if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...(issue as z.core.$ZodRawIssue) });
    }
    if (!params.success || !stop.success) return z.NEVER;
    return { id: id as MethodId, label: (label as string | undefined) ?? id, params: params.data as Record<string, unknown>, ...(stop.data.stop ? { stop: stop.data.stop } : {}) };
  });
});

export const roundSchema = z
  .object({
    mode: z.enum(['sync', 'deadline', 'async']).default('sync').describe('sync: wait for every client; deadline: drop clients not done by the deadline; async: aggregate every `buffer` arrivals (FedBuff).'),
    /** Deadline mode: clients not done by round start + deadline are dropped. */
    deadline: positive('time').optional().describe('mode deadline: clients not done by round start + deadline are dropped.'),
    /** Server-side aggregation time per round. */
    aggregationTime: positive('time', true).default(0).describe('Server aggregation time per round.'),
    /** Async mode: the server aggregates every `buffer` arriving updates (FedBuff, Nguyen et al. 2022). */
    buffer: boundedCount(LIMITS.clientRows, 'updates per aggregation').default(2).describe('mode async: updates per aggregation (FedBuff, Nguyen et al. 2022).'),
    /** Async mode: staleness weight (1 + s)^(-a) (Xie et al. 2019, FedAsync polynomial). */
    stalenessExponent: z.number().min(0).default(0.5).describe('mode async: a stale update weighs (1 + s)^(-a) (Xie et al. 2019, FedAsync).'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.mode === 'deadline' && r.deadline === undefined) {
      ctx.addIssue({ code: 'custom', path: ['deadline'], message: 'missing required field (expected a time, e.g. "30 s", for mode deadline)', input: undefined });
    }
  }, whenValid('mode', 'deadline'))
  .default({ mode: 'sync', aggregationTime: 0, buffer: 2, stalenessExponent: 0.5 });

export const scenarioSchema = z
  .object({
    name: scenarioNameSchema.describe('The scenario name; also the output folder output/<name>/ (letters, digits, ".", "_", "-", not first; at most 100).'),
    description: z.string().default('').describe('Free text shown in the report.'),
    seed: z.number().int().min(0).describe('Seed of every random stream (placement, fading, dropout, data): same scenario and seed, same outputs.'),
    /** Older spelling of `stop.rounds`. */
    rounds: boundedCount(LIMITS.rounds, 'rounds').optional().describe('Older spelling of stop.rounds.'),
    clients: clientsSchema.describe('The client devices: how many, their compute, memory, power, position and availability (src/devices).'),
    network: networkSchema.describe('The links: a wireless cell (type: wireless, src/radio) or fixed rates (type: fixed).'),
    model: modelSectionSchema,
    methods: z.array(methodEntrySchema).min(1).describe('The federated methods to compare, each on the same clients, cell and seed.'),
    round: roundSchema.describe('The round protocol: synchronous, with a deadline, or asynchronous buffered aggregation.'),
    /** Real federated training of the tfjs proxy, or a loss trace (losses); absent: timing only. */
    training: trainingSectionSchema.optional(),
    /**
     * Default grid for `airtune sweep` when no --set is given: a dotted path -> its values, e.g.
     * `network.bandwidth: [5 MHz, 10 MHz]`. `airtune run` ignores it.
     */
    sweep: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)).optional().describe('Default grid of `airtune sweep`: a dotted path -> its values, e.g. network.bandwidth: [5 MHz, 10 MHz].'),
    /** Older spelling of `stop.simTime`. */
    maxSimTime: positive('time').optional().describe('Older spelling of stop.simTime.'),
    /** When each method's run ends (src/simulation/stop.ts); a method entry may override it. */
    stop: stopSchema.optional().describe("When each method's run ends: the first rule that fires (a method entry may override it)."),
    /** How methods are compared at equal simulated time (src/compare). */
    compare: compareSchema.optional().describe('The simulated times at which methods are compared.'),
    /** Runs of the whole scenario with seeds derived from `seed` (src/compare/replications.ts). */
    replications: boundedCount(LIMITS.replications, 'replications (each is a whole run held in memory)').default(1).describe('Runs of the whole scenario with seeds derived from seed: means and 95% intervals.'),
  })
  .strict();

export type Scenario = z.output<typeof scenarioSchema>;
