/**
 * Scenario configuration of the client population (`clients:`). Per-client values are
 * distributions (`dist(kind)` from src/scenario/fields.ts): a constant, a list, uniform(a, b),
 * normal(mu, sigma), lognormal(median, sigma) or choice([...]).
 *
 * ```yaml
 * clients:
 *   count: 20
 *   groups:                       # optional; fields not set in a group come from the top level
 *     - { kind: phone, share: 0.6, compute: uniform(0.5 TFLOP/s, 2 TFLOP/s), memory: choice([6 GB, 8 GB]), memoryBandwidth: 51.2 GB/s }
 *     - { kind: laptop, share: 0.4, compute: lognormal(8 TFLOP/s, 0.3), memory: 16 GB, txPower: 20 dBm }
 *   distance: uniform(50 m, 500 m)  # or placement: { disc: { radius: 500 m, minDistance: 35 m } }
 *   utilisation: 0.462                # fraction of the peak `compute` training reaches (default, see device.ts)
 *   dropout: 0.05
 *   availability: always            # or "0 s..1 h; 2 h..3 h", periodic(1 h, 30 min), {windows: ...}
 *   file: devices.csv               # alternative: one device per row (relative to the scenario file)
 * ```
 */
import { z } from 'zod';
import { boundedCount, dist, fraction, positive, whenValid, type Dist } from '../scenario/fields.js';
import { checkQuantityRange, formatQuantity, KINDS, parseQuantity, QuantityError, dbmToWatts, type QuantityKind } from '../scenario/units.js';
import { LIMITS } from '../scenario/limits.js';
import { DEFAULT_UTILISATION, type Availability } from './device.js';
import { fedscaleSchema } from './fedscale.js';
import { closest } from '../scenario/suggest.js';

const constant = (value: number): Dist => ({ kind: 'const', value });

/**
 * Parse an availability given as text: `always`, windows `"0 s..1 h; 2 h..3 h"` (start..end pairs
 * separated by `;`, units allowed, plain numbers in s), or `periodic(period, on[, phase])`.
 * Throws QuantityError.
 */
export function parseAvailabilityText(text: string): Availability {
  const t = text.trim();
  if (t === '' || t === 'always') return { kind: 'always' };
  const periodic = /^periodic\s*\((.*)\)$/s.exec(t);
  if (periodic) {
    const args = periodic[1]!.split(',').map((a) => a.trim());
    if (args.length < 2 || args.length > 3) {
      throw new QuantityError('periodic(period, on[, phase])', JSON.stringify(text));
    }
    return makePeriodic(
      parseQuantity(args[0], 'time'),
      parseQuantity(args[1], 'time'),
      args[2] === undefined ? 0 : parseQuantity(args[2], 'time'),
      text,
    );
  }
  if (!t.includes('..')) {
    // Not windows: a misspelt "always" or "periodic(...)" gets a suggestion.
    const word = /^([A-Za-z_]+)\s*(\(.*)?$/s.exec(t);
    const name = word ? closest(word[1]!, [word[2] === undefined ? 'always' : 'periodic']) : undefined;
    const hint = name === undefined ? '' : `; did you mean ${JSON.stringify(`${name}${word![2] ?? ''}`)}?`;
    throw new QuantityError('always, windows "start..end; start..end" (e.g. "0 s..1 h; 2 h..3 h") or periodic(period, on[, phase])', JSON.stringify(text), hint);
  }
  const windows = t.split(';').map((w) => {
    const parts = w.split('..');
    if (parts.length !== 2) {
      throw new QuantityError('availability windows "start..end; start..end" (e.g. "0 s..1 h; 2 h..3 h")', JSON.stringify(text));
    }
    return [parseQuantity(parts[0]!.trim(), 'time'), parseQuantity(parts[1]!.trim(), 'time')] as const;
  });
  return makeWindows(windows, text);
}

function makePeriodic(periodS: number, onS: number, phaseS: number, text: unknown): Availability {
  if (!(periodS > 0) || !(onS >= 0) || onS > periodS) {
    throw new QuantityError('periodic availability with period > 0 and 0 <= on <= period', JSON.stringify(text));
  }
  return { kind: 'periodic', periodS, onS, phaseS };
}

function makeWindows(windows: (readonly [number, number])[], text: unknown): Availability {
  for (const [s, e] of windows) {
    if (!(e > s)) throw new QuantityError('availability windows with end > start', JSON.stringify(text));
  }
  return { kind: 'windows', windows };
}

const timeValue = z.union([z.number(), z.string()]);

/** `always`, a text form (see parseAvailabilityText), `{ windows: [[s, e], ...] }` or `{ periodic: {...} }`. */
export const availabilitySchema = z
  .union([
    z.string(),
    z.object({ windows: z.array(z.tuple([timeValue, timeValue])).min(1) }).strict(),
    z
      .object({
        periodic: z.object({ period: timeValue, on: timeValue, phase: timeValue.default(0) }).strict(),
      })
      .strict(),
  ])
  .transform((value, ctx): Availability => {
    try {
      if (typeof value === 'string') return parseAvailabilityText(value);
      if ('windows' in value) {
        return makeWindows(
          value.windows.map(([s, e]) => [parseQuantity(s, 'time'), parseQuantity(e, 'time')] as const),
          value,
        );
      }
      const p = value.periodic;
      return makePeriodic(parseQuantity(p.period, 'time'), parseQuantity(p.on, 'time'), parseQuantity(p.phase, 'time'), value);
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message, input: value });
      return z.NEVER;
    }
  });

/**
 * What each per-client quantity allows: its kind (whose magnitude range is in
 * src/scenario/limits.ts), whether 0 is allowed, and an upper bound of its own when it has one
 * (`utilisation` is a fraction of the peak). The one table behind every check of a device value:
 * constants, lists, distribution supports (schema), each client's draw and each device-file cell
 * (src/devices/population.ts).
 */
export const DEVICE_VALUE_RULES = {
  compute: { kind: 'flopRate', allowZero: false },
  utilisation: { kind: 'dimensionless', allowZero: false, max: 1 },
  memoryBandwidth: { kind: 'byteRate', allowZero: false },
  memory: { kind: 'bytes', allowZero: false },
  txPower: { kind: 'power', allowZero: false },
  computePower: { kind: 'power', allowZero: true },
  cyclesPerFlop: { kind: 'dimensionless', allowZero: false },
  clock: { kind: 'frequency', allowZero: false },
  kappa: { kind: 'dimensionless', allowZero: false },
  distance: { kind: 'length', allowZero: false },
} as const satisfies Record<string, { kind: QuantityKind; allowZero: boolean; max?: number }>;
export type DeviceValueField = keyof typeof DEVICE_VALUE_RULES;
export const DEVICE_VALUE_FIELDS = Object.keys(DEVICE_VALUE_RULES) as DeviceValueField[];

/** "compute = -2e12 FLOP/s: it must be > 0 FLOP/s" style reason why `value` is not allowed, or undefined. */
export function deviceValueProblem(field: DeviceValueField, value: number): string | undefined {
  const rule: { kind: QuantityKind; allowZero: boolean; max?: number } = DEVICE_VALUE_RULES[field];
  const unit = KINDS[rule.kind].si === '' ? '' : ` ${KINDS[rule.kind].si}`;
  if (Number.isFinite(value) && (rule.allowZero ? value < 0 : value <= 0)) {
    return `it must be ${rule.allowZero ? '>= 0' : '> 0'}${unit}`;
  }
  if (rule.max !== undefined && value > rule.max) {
    return `it must be in (0, ${rule.max}]${unit}`;
  }
  try {
    checkQuantityRange(value, rule.kind, value);
  } catch (e) {
    if (!(e instanceof QuantityError)) throw e;
    return `it must be ${e.expected}`;
  }
  return undefined;
}

/**
 * Problems a distribution has whatever the seed: a constant, list entry or choice option that is
 * not allowed, or a uniform range that reaches outside what the field allows. (Draws of normal and
 * lognormal distributions are checked per client when the population is built.)
 */
export function distProblems(field: DeviceValueField, d: Dist): { path: (string | number)[]; message: string }[] {
  const kind = DEVICE_VALUE_RULES[field].kind;
  const check = (v: number, what: string, path: (string | number)[] = []) => {
    const why = deviceValueProblem(field, v);
    return why === undefined ? [] : [{ path, message: `${what} ${formatQuantity(v, kind)} is not allowed for ${field}: ${why}` }];
  };
  switch (d.kind) {
    case 'const':
      return check(d.value, 'the value');
    case 'list':
      return d.values.flatMap((v, i) => check(v, `entry ${i} (client ${i}, ${i + d.values.length}, ... of those the list is for)`, [i]));
    case 'choice':
      return d.options.flatMap((v, i) => check(v, `choice option ${i + 1}`));
    case 'uniform':
      return [...check(d.a, 'uniform(a, b) can draw values down to a ='), ...(d.b === d.a ? [] : check(d.b, 'uniform(a, b) can draw values up to b ='))];
    case 'normal':
      return d.sigma === 0 ? check(d.mu, 'normal(mu, 0) is the constant') : check(d.mu, 'normal(mu, sigma) has its mean mu =');
    case 'lognormal':
      return check(d.median, 'lognormal(median, sigma) has its median =');
  }
}

/** A per-client field: a distribution of its kind, checked against DEVICE_VALUE_RULES (distProblems). */
function deviceDist(field: DeviceValueField) {
  return dist(DEVICE_VALUE_RULES[field].kind).superRefine((d, ctx) => {
    for (const p of distProblems(field, d)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message, input: d });
  });
}

/** Per-client hardware fields; a group may override any of them. */
const deviceFields = {
  kind: z.string().min(1).describe('Device class, e.g. phone (in client ids and outputs).'),
  /** Peak FLOP/s of the device at the training precision (datasheet). */
  compute: deviceDist('compute').describe('Peak FLOP/s at the training precision (datasheet).'),
  /** Fraction of `compute` training reaches (model FLOPs utilisation); default DEFAULT_UTILISATION. */
  utilisation: deviceDist('utilisation').describe('Fraction of compute that training sustains (model FLOPs utilisation, in (0, 1]; default 0.462, PaLM); 1 reads compute as sustained.'),
  /** Memory bandwidth (optional): a step is also at least its bytes moved / this (roofline). */
  memoryBandwidth: deviceDist('memoryBandwidth').describe('Optional: a step takes at least its bytes moved / this (roofline).'),
  memory: deviceDist('memory').describe('Memory available to fine-tuning (a client short of it is oom).'),
  txPower: deviceDist('txPower').describe('Uplink transmit power (the maximum, with power control).'),
  computePower: deviceDist('computePower').describe('Power drawn while computing (energy = power x compute time).'),
  /** CMOS energy model (all three or none): cycles per FLOP, clock (Hz), kappa. */
  cyclesPerFlop: deviceDist('cyclesPerFlop'),
  clock: deviceDist('clock'),
  kappa: deviceDist('kappa'),
  /** Distance to the base station (overrides disc placement). */
  distance: deviceDist('distance').describe('Distance to the base station (instead of placement).'),
  dropout: fraction().describe('Probability of dropping out of a round, per client and round.'),
  availability: availabilitySchema.describe('When a client can take part: always, windows "0 s..1 h; 2 h..3 h", "periodic(period, on[, phase])", { windows: [[start, end], ...] } or { periodic: { period, on, phase } }.'),
};

export const groupSchema = z
  .object({
    kind: deviceFields.kind,
    /** Fraction of the clients in this group (shares must sum to 1). */
    share: z.number().positive().max(1).describe('Fraction of the clients in this group (shares sum to 1).'),
    compute: deviceFields.compute.optional(),
    utilisation: deviceFields.utilisation.optional(),
    memoryBandwidth: deviceFields.memoryBandwidth.optional(),
    memory: deviceFields.memory.optional(),
    txPower: deviceFields.txPower.optional(),
    computePower: deviceFields.computePower.optional(),
    cyclesPerFlop: deviceFields.cyclesPerFlop.optional(),
    clock: deviceFields.clock.optional(),
    kappa: deviceFields.kappa.optional(),
    distance: deviceFields.distance.optional(),
    dropout: deviceFields.dropout.optional(),
    availability: deviceFields.availability.optional(),
  })
  .strict();

export const placementSchema = z
  .object({
    /**
     * Uniform in the annulus minDistance <= r <= radius around the base station (uniform in area).
     * `radius` defaults to the network's cell radius; minDistance 35 m is the minimum UE-BS
     * distance of 3GPP TR 36.814.
     */
    disc: z
      .object({ radius: positive('length').optional(), minDistance: positive('length', true).default(35) })
      .strict()
      .prefault({}),
  })
  .strict();

export const clientsSchema = z
  .object({
    /** Number of clients; with `file`, optional (the file's rows) and must match if given. */
    count: boundedCount(LIMITS.clients, 'clients (beyond it the population and its per-round records outgrow memory)').optional().describe('Number of clients (with file: optional, must match its rows).'),
    kind: deviceFields.kind.default('device'),
    compute: deviceFields.compute.default(constant(1e12)),
    utilisation: deviceFields.utilisation.default(constant(DEFAULT_UTILISATION)),
    memoryBandwidth: deviceFields.memoryBandwidth.optional(),
    memory: deviceFields.memory.default(constant(8e9)),
    txPower: deviceFields.txPower.default(constant(dbmToWatts(23))),
    computePower: deviceFields.computePower.default(constant(5)),
    cyclesPerFlop: deviceFields.cyclesPerFlop.optional(),
    clock: deviceFields.clock.optional(),
    kappa: deviceFields.kappa.optional(),
    distance: deviceFields.distance.optional(),
    placement: placementSchema.optional().describe('Uniform in the disc minDistance <= r <= radius around the base station (radius: the cell radius).'),
    dropout: deviceFields.dropout.default(0),
    availability: deviceFields.availability.default({ kind: 'always' }),
    groups: z.array(groupSchema).min(1).optional().describe('Device classes with their share; a field a group does not set comes from this level.'),
    /** CSV device file, one device per row, path relative to the scenario file. */
    file: z.string().min(1).optional().describe('CSV device file, one device per row (relative to the scenario file); empty cells are drawn from this section.'),
    /** FedScale device traces (fedscale.ts): compute and link rates, availability. */
    fedscale: fedscaleSchema.optional().describe("FedScale's device traces: each client's compute and link rate from a capacity file, its availability from a behaviour trace."),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.file === undefined && c.count === undefined) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'give the number of clients (count) or a device file (file)' });
    }
    if (c.file !== undefined && c.fedscale !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['fedscale'], message: 'file and fedscale are alternatives: use one' });
    }
    if (c.file !== undefined && c.groups !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['groups'], message: 'groups and file are alternatives: use one' });
    }
    if (c.distance !== undefined && c.placement !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['placement'], message: 'distance and placement are alternatives: use one' });
    }
    if (c.groups) {
      const sum = c.groups.reduce((a, g) => a + g.share, 0);
      if (Math.abs(sum - 1) > 1e-6) {
        ctx.addIssue({ code: 'custom', path: ['groups'], message: `group shares must sum to 1, they sum to ${sum}` });
      }
    }
  }, whenValid('file', 'count', 'fedscale', 'groups', 'distance', 'placement'));

export type ClientsConfig = z.output<typeof clientsSchema>;
export type ClientsConfigInput = z.input<typeof clientsSchema>;
export type GroupConfig = z.output<typeof groupSchema>;
