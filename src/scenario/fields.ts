/**
 * zod building blocks for scenario fields that carry units or per-client distributions.
 * Every module that owns a part of the scenario (radio, devices, costs, methods, training)
 * declares its part with these, and `src/scenario/schema.ts` composes the parts.
 */
import { z } from 'zod';
import { checkQuantityRange, dbmToWatts, KINDS, parseQuantity, QuantityError, type QuantityKind } from './units.js';
import type { RandomStream } from '../random/index.js';
import { scenarioErrorMap } from './errors.js';
import { closest } from './suggest.js';

/**
 * What a field holds as a file writes it, for the JSON Schema of scenario files
 * (src/scenario/json-schema.ts): a quantity or a per-client distribution of `kind`, whose plain
 * numbers are in `numberUnit` when that is not the SI unit (a dBm field). zod copies registry
 * entries to derived schemas (`.default()`, `.refine()`, `.describe()`).
 */
export const fieldForms = z.registry<{ form: 'quantity' | 'dist'; kind: QuantityKind; numberUnit?: string }>();

/**
 * A scalar quantity of `kind`, given as "20 MHz" or a plain SI number; parsed to SI. `fromNumber`
 * reads a plain number in another unit (e.g. a field named in dBm: `dbmToWatts`).
 */
export function quantity(kind: QuantityKind, fromNumber?: (n: number) => number) {
  const schema = z.unknown().transform((value, ctx) => {
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a ${kind} quantity (e.g. "${KINDS[kind].example}"), found nothing (the field is missing)`, input: value });
      return z.NEVER;
    }
    try {
      if (typeof value === 'number' && fromNumber && Number.isFinite(value)) return checkQuantityRange(fromNumber(value), kind, value);
      return parseQuantity(value, kind);
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message, input: value });
      return z.NEVER;
    }
  });
  const numberUnit = fromNumber === undefined ? undefined : fromNumber === dbmToWatts ? 'dBm' : 'the unit the description names';
  fieldForms.add(schema, { form: 'quantity', kind, ...(numberUnit ? { numberUnit } : {}) });
  return schema;
}

/** A quantity that must be > 0 (or >= 0 with `allowZero`). */
export function positive(kind: QuantityKind, allowZero = false) {
  return quantity(kind).superRefine((v, ctx) => {
    if (allowZero ? v < 0 : v <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a ${allowZero ? 'non-negative' : 'positive'} ${kind}, found ${v}`,
        input: v,
      });
    }
  });
}

/**
 * An integer count >= `min` and at most `max`, a limit of src/scenario/limits.ts; the message says
 * the limit and what it bounds (`what`, e.g. "clients: beyond it the records outgrow memory").
 */
export function boundedCount(max: number, what: string, min = 1) {
  const int = z.number().int();
  return (min === 1 ? int.positive() : int.min(min)).superRefine((v, ctx) => {
      if (v > max) {
        ctx.addIssue({ code: 'custom', message: `expected at most ${max.toLocaleString('en-US')} ${what} (limit in src/scenario/limits.ts), found ${v}`, input: v });
      }
    });
}

/**
 * Option of an object's `superRefine` (a check across its fields): run it also when other fields
 * have problems, as long as none of `fields` (those it reads) has one, so that every problem of a
 * file is reported at once (zod skips an object's refinements after any problem of its fields).
 */
export function whenValid(...fields: string[]): { when: (payload: z.core.ParsePayload) => boolean } {
  return {
    when: (payload) =>
      payload.value !== null &&
      typeof payload.value === 'object' &&
      // A problem of the object itself (not a mapping) stops it; an unknown field does not.
      !payload.issues.some((i) => (i.path === undefined || i.path.length === 0 ? i.code !== 'unrecognized_keys' : fields.includes(String(i.path[0])))),
  };
}

/** A probability-like number in [lo, hi]. */
export function fraction(lo = 0, hi = 1) {
  return z.number().min(lo).max(hi);
}

/** A per-client value: a constant, a distribution, or an explicit list (one entry per client). */
export type Dist =
  | { kind: 'const'; value: number }
  | { kind: 'uniform'; a: number; b: number }
  | { kind: 'normal'; mu: number; sigma: number }
  | { kind: 'lognormal'; median: number; sigma: number }
  | { kind: 'choice'; options: number[] }
  | { kind: 'list'; values: number[] };

const CALL_RE = /^\s*(uniform|normal|lognormal|choice)\s*\((.*)\)\s*$/s;

/** Split "a, b" at top-level commas (not inside brackets). */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

const DIST_HELP =
  'a value, a list (one per client), or uniform(a, b), normal(mu, sigma), lognormal(median, sigma), choice([x, y, ...])';

/** Parse a distribution spec whose values are quantities of `kind`. Throws QuantityError. */
export function parseDist(input: unknown, kind: QuantityKind): Dist {
  if (Array.isArray(input)) {
    if (input.length === 0) throw new QuantityError(DIST_HELP, 'an empty list');
    return { kind: 'list', values: input.map((v) => parseQuantity(v, kind)) };
  }
  if (typeof input === 'string') {
    const m = CALL_RE.exec(input);
    if (m) {
      const name = m[1]!;
      let args = splitArgs(m[2]!);
      if (name === 'choice') {
        const inner = args.length === 1 ? /^\[(.*)\]$/s.exec(args[0]!) : null;
        if (inner) args = splitArgs(inner[1]!);
        if (args.length === 0) throw new QuantityError('choice([x, y, ...]) with at least one option', JSON.stringify(input));
        return { kind: 'choice', options: args.map((a) => parseQuantity(a, kind)) };
      }
      if (args.length !== 2) {
        throw new QuantityError(`${name}(two arguments)`, `${JSON.stringify(input)} with ${args.length} argument(s)`);
      }
      if (name === 'uniform') {
        const a = parseQuantity(args[0], kind);
        const b = parseQuantity(args[1], kind);
        if (!(b >= a)) throw new QuantityError('uniform(a, b) with a <= b', JSON.stringify(input));
        return { kind: 'uniform', a, b };
      }
      if (name === 'normal') {
        const sigma = parseQuantity(args[1], kind);
        if (sigma < 0) throw new QuantityError('normal(mu, sigma) with sigma >= 0', JSON.stringify(input));
        return { kind: 'normal', mu: parseQuantity(args[0], kind), sigma };
      }
      // lognormal(median, sigma): median in the field's unit, sigma of ln(value), unitless.
      const median = parseQuantity(args[0], kind);
      const sigma = parseQuantity(args[1], 'dimensionless');
      if (!(median > 0) || sigma < 0) {
        throw new QuantityError('lognormal(median > 0, sigma >= 0)', JSON.stringify(input));
      }
      return { kind: 'lognormal', median, sigma };
    }
    const call = /^\s*([a-zA-Z_]+)\s*(\(.*)$/s.exec(input);
    if (call) {
      const name = closest(call[1]!, ['uniform', 'normal', 'lognormal', 'choice']);
      throw new QuantityError(DIST_HELP, JSON.stringify(input), name === undefined ? '' : `; did you mean ${JSON.stringify(`${name}${call[2]!.trimEnd()}`)}?`);
    }
  }
  return { kind: 'const', value: parseQuantity(input, kind) };
}

/** zod field for a per-client distribution of quantities of `kind`. */
export function dist(kind: QuantityKind) {
  const schema = z.unknown().transform((value, ctx) => {
    try {
      return parseDist(value, kind);
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message, input: value });
      return z.NEVER;
    }
  });
  fieldForms.add(schema, { form: 'dist', kind });
  return schema;
}

/**
 * Draw client `index`'s value. `stream` must be that client's own stream for this field, so
 * each client's draw is independent of how many other clients there are.
 */
export function sampleDist(d: Dist, index: number, stream: RandomStream): number {
  switch (d.kind) {
    case 'const':
      return d.value;
    case 'uniform':
      return stream.uniform(d.a, d.b);
    case 'normal':
      return stream.normal(d.mu, d.sigma);
    case 'lognormal':
      return d.median * Math.exp(d.sigma * stream.normal());
    case 'choice':
      return d.options[stream.int(d.options.length)]!;
    case 'list':
      return d.values[index % d.values.length]!;
  }
}

/** The smallest value a distribution can produce (normal: -inf), for validation of bounds. */
export function distMin(d: Dist): number {
  switch (d.kind) {
    case 'const':
      return d.value;
    case 'uniform':
      return d.a;
    case 'normal':
      return d.sigma === 0 ? d.mu : -Infinity;
    case 'lognormal':
      return 0;
    case 'choice':
      return d.options.reduce((a, b) => Math.min(a, b), Infinity);
    case 'list':
      return d.values.reduce((a, b) => Math.min(a, b), Infinity);
  }
}

/**
 * A field whose schema depends on its own value (e.g. a method's params depend on its `id`):
 * `pick` chooses the schema, whose issues are reported at this field's path.
 */
export function delegate<T>(pick: (value: unknown) => z.ZodType<T> | string) {
  return z.unknown().transform((value, ctx): T => {
    const schema = pick(value);
    if (typeof schema === 'string') {
      ctx.addIssue({ code: 'custom', message: schema, input: value });
      return z.NEVER;
    }
    const r = schema.safeParse(value, { reportInput: true, error: scenarioErrorMap });
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ ...(issue as z.core.$ZodRawIssue) });
      return z.NEVER;
    }
    return r.data;
  });
}
