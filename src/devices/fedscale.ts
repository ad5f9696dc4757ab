/**
 * FedScale's device traces (Lai et al., "FedScale: Benchmarking Model and System Performance of
 * Federated Learning at Scale", ICML 2022; repository SymbioticLab/FedScale), read from text
 * exports of its two pickled dictionaries (benchmark/dataset/data/device_info/README.md):
 *
 * - device capacity (`client_device_capacity`): client id -> { computation, communication }, the
 *   inference latency of one sample in ms and the network bandwidth in kbit/s
 *   (fedscale/cloud/internal/client_metadata.py `get_completion_time`);
 * - availability (`client_behave_trace`): client id -> { active: [s], inactive: [s], finish_time,
 *   duration, model }; a client is active at t when active[i] <= t mod finish_time <= inactive[i]
 *   for some i (client_metadata.py `is_active`).
 *
 * Python can export them (`json.dump(pickle.load(f), out)`); pickle itself is not read here. The
 * capacity may also be CSV with columns client_id, computation, communication.
 *
 * Mapping to airtune's device fields (README "Device traces", docs/fidelity.md Devices):
 * - compute: FedScale charges 3 x batch x steps x latency (the backward pass taken as twice the
 *   forward). airtune times a round by FLOPs, so a client's sustained FLOP/s is
 *   flopsPerSample / latency, with `utilisation` 1 (the latency is measured, not a peak), and
 *   flopsPerSample the forward FLOPs of one sample of the model the latencies are for: by default
 *   the timing model's (seqLen tokens), which is FedScale's own reading (its latency is that of the
 *   model being trained); full fine-tuning then takes FedScale's 3 x batch x steps x latency
 *   exactly, since airtune's backward pass is twice the forward.
 * - communication: with `network.type: fixed`, the client's uplink and downlink rate, as in
 *   FedScale's (upload + download) / bandwidth. FedScale divides sizes in units of 1024 bits
 *   (aggregator.py: bytes / 1024 x 8 "kbits") by it, so the rate is communication x 1024 bit/s and
 *   transfer times equal FedScale's. A wireless cell takes rates from its link budget instead:
 *   `communication: ignore` is then required, so a trace column is never silently unused.
 * - availability: windows [active[i], inactive[i]) repeating every finish_time s.
 * - the i-th client takes the i-th entry in ascending client id (numeric ids first), cycling when
 *   the file has fewer entries than clients (FedScale maps client id k to entry k mod n).
 */
import { InputFileError, readBoundedText } from '../scenario/input-file.js';
import { LIMITS } from '../scenario/limits.js';
import { extname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { positive } from '../scenario/fields.js';
import type { Availability } from './device.js';

/** `clients.fedscale` in a scenario. */
export const fedscaleSchema = z
  .object({
    capacity: z
      .string()
      .min(1)
      .optional()
      .describe('FedScale device capacity (client_device_capacity exported as JSON, or CSV client_id,computation,communication): ms per sample and kbit/s; relative to the scenario file.'),
    availability: z
      .string()
      .min(1)
      .optional()
      .describe('FedScale availability trace (client_behave_trace exported as JSON: active, inactive, finish_time per client id); relative to the scenario file.'),
    flopsPerSample: positive('flops')
      .optional()
      .describe("Forward FLOPs of one sample of the model the capacity's latencies were measured on; default: the timing model's (FedScale's reading)."),
    communication: z
      .enum(['rates', 'ignore'])
      .optional()
      .describe("rates (with network.type fixed: the trace's bandwidth is each client's uplink and downlink rate) or ignore (a wireless cell's link budget decides)."),
  })
  .strict()
  .refine((f) => f.capacity !== undefined || f.availability !== undefined, { message: 'give capacity, availability or both' });

export type FedScaleConfig = z.output<typeof fedscaleSchema>;

/** A trace problem, naming the file, the entry (client id or CSV row) and the field. */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly where: string | undefined,
    detail: string,
    /** The scenario field that names the file (clients.fedscale.capacity, ...). */
    readonly field: (string | number)[],
  ) {
    super(`${file}${where ? `, ${where}` : ''}: ${detail}`);
    this.name = 'TraceError';
  }
}

export interface Capacity {
  /** Inference latency of one sample, ms. */
  computationMs: number;
  /** Bandwidth, FedScale's kbit/s (units of 1024 bit, see the module comment). */
  communicationKbps: number;
}

export interface BehaviourTrace {
  active: number[];
  inactive: number[];
  finishTimeS: number;
}

/** Client ids in the order clients take them: numeric ids ascending, then the others by text. */
export function traceOrder(ids: readonly string[]): string[] {
  const num = (id: string) => (/^\d+$/.test(id) ? Number(id) : NaN);
  return [...ids].sort((a, b) => {
    const x = num(a);
    const y = num(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

const positiveNumber = z.number().positive().finite();
const capacityEntry = z.object({ computation: positiveNumber, communication: positiveNumber }).passthrough();
const behaviourEntry = z
  .object({
    active: z.array(z.number().finite().nonnegative()),
    inactive: z.array(z.number().finite().nonnegative()),
    finish_time: positiveNumber,
  })
  .passthrough();

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

function readText(file: string, baseDir: string, field: (string | number)[]): string {
  try {
    return readBoundedText(resolve(baseDir, file), LIMITS.traceFileBytes, 'trace file').text;
  } catch (e) {
    if (e instanceof InputFileError) throw new TraceError(file, undefined, e.reason, field);
    throw new TraceError(file, undefined, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, field);
  }
}

function readJsonObject(file: string, text: string, field: (string | number)[]): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TraceError(file, undefined, `not valid JSON (${(e as Error).message})`, field);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || Object.keys(doc).length === 0) {
    throw new TraceError(file, undefined, 'expected an object of client id -> entry with at least one entry', field);
  }
  return doc as Record<string, unknown>;
}

/** Pick the entries of `count` clients: the i-th takes entry i mod n in trace order. */
function pick<T>(ids: string[], count: number, read: (id: string) => T): T[] {
  const order = traceOrder(ids);
  const cache = new Map<string, T>();
  return Array.from({ length: count }, (_, i) => {
    const id = order[i % order.length]!;
    if (!cache.has(id)) cache.set(id, read(id));
    return cache.get(id)!;
  });
}

/** The capacities of `count` clients from a JSON or CSV capacity file. */
export function readCapacity(file: string, baseDir: string, count: number): Capacity[] {
  const field = ['clients', 'fedscale', 'capacity'];
  const text = readText(file, baseDir, field);
  const toCapacity = (e: { computation: number; communication: number }): Capacity => ({ computationMs: e.computation, communicationKbps: e.communication });
  if (extname(file).toLowerCase() === '.json') {
    const doc = readJsonObject(file, text, field);
    return pick(Object.keys(doc), count, (id) => {
      const r = capacityEntry.safeParse(doc[id]);
      if (!r.success) throw new TraceError(file, `client "${id}"`, `expected { computation: ms per sample > 0, communication: kbit/s > 0 }; ${issues(r.error)}`, field);
      return toCapacity(r.data);
    });
  }
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, comment: '#' }) as typeof rows;
  } catch (e) {
    throw new TraceError(file, undefined, (e as Error).message, field);
  }
  if (rows.length === 0) throw new TraceError(file, undefined, 'no clients (a header client_id,computation,communication and at least one row)', field);
  const columns = Object.keys(rows[0]!.record);
  for (const c of ['client_id', 'computation', 'communication']) {
    if (!columns.includes(c)) throw new TraceError(file, 'row 1', `missing column "${c}" (columns: client_id, computation, communication)`, field);
  }
  const unknown = columns.filter((c) => !['client_id', 'computation', 'communication'].includes(c));
  if (unknown.length > 0) throw new TraceError(file, 'row 1', `unknown column "${unknown[0]}" (columns: client_id, computation, communication)`, field);
  const byId = new Map<string, { record: Record<string, string>; line: number }>();
  for (const { record, info } of rows) {
    if (byId.has(record.client_id!)) throw new TraceError(file, `row ${info.lines}`, `duplicate client_id "${record.client_id}"`, field);
    byId.set(record.client_id!, { record, line: info.lines });
  }
  return pick([...byId.keys()], count, (id) => {
    const { record, line } = byId.get(id)!;
    const value = (c: 'computation' | 'communication') => {
      const v = Number(record[c]);
      if (record[c] === '' || !Number.isFinite(v) || v <= 0) {
        throw new TraceError(file, `row ${line}, column "${c}"`, `expected a number > 0 (${c === 'computation' ? 'ms per sample' : 'kbit/s'}), found ${JSON.stringify(record[c])}`, field);
      }
      return v;
    };
    return toCapacity({ computation: value('computation'), communication: value('communication') });
  });
}

/** The availability traces of `count` clients from a JSON behaviour trace. */
export function readBehaviour(file: string, baseDir: string, count: number): BehaviourTrace[] {
  const field = ['clients', 'fedscale', 'availability'];
  const doc = readJsonObject(file, readText(file, baseDir, field), field);
  return pick(Object.keys(doc), count, (id) => {
    const r = behaviourEntry.safeParse(doc[id]);
    const where = `client "${id}"`;
    if (!r.success) throw new TraceError(file, where, `expected { active: [s], inactive: [s], finish_time: s > 0 }; ${issues(r.error)}`, field);
    const { active, inactive, finish_time: finishTimeS } = r.data;
    if (active.length !== inactive.length) {
      throw new TraceError(file, where, `active has ${active.length} times and inactive ${inactive.length}; they pair up (active[i] .. inactive[i])`, field);
    }
    active.forEach((a, i) => {
      if (!(inactive[i]! >= a)) throw new TraceError(file, where, `window ${i} ends (inactive ${inactive[i]}) before it starts (active ${a})`, field);
    });
    return { active, inactive, finishTimeS };
  });
}

/** A behaviour trace as airtune availability: its windows, repeating every finish_time. */
export function traceAvailability(t: BehaviourTrace): Availability {
  const windows = t.active
    .map((a, i) => [a, Math.min(t.inactive[i]!, t.finishTimeS)] as const)
    .filter(([s, e]) => e > s);
  return { kind: 'windows', windows, periodS: t.finishTimeS };
}

/** FedScale's rate unit: its sizes are bytes / 1024 x 8 "kbits" (see the module comment). */
export const FEDSCALE_KBIT = 1024;

/** Sustained FLOP/s of a client whose sample takes `computationMs` on a model of `flopsPerSample` forward FLOPs. */
export const capacityFlopsPerS = (flopsPerSample: number, computationMs: number): number => flopsPerSample / (computationMs / 1000);

/** Link rate, bit/s, of a FedScale bandwidth. */
export const capacityRateBps = (communicationKbps: number): number => communicationKbps * FEDSCALE_KBIT;
