/**
 * The JSON Schema of scenario files (`airtune schema`, docs/scenario.schema.json), for editors
 * (yaml-language-server: completion, hover, red squiggles) and other tools. Generated from the zod
 * schema (schema.ts) with `z.toJSONSchema` in `io: 'input'` mode, so it describes what users
 * WRITE, not what the parser returns:
 *
 * - quantities (fields.ts `quantity`) are a number in the SI unit or text with a unit, and
 *   per-client distributions (`dist`) also a list or `uniform(a, b)`-style text; their kind and
 *   unit are added to the field's description (zod sees only `string | number` or `unknown`);
 * - fields whose schema depends on their own value (fields.ts `delegate`: the model section, a
 *   method entry, the training section) become the `anyOf` of their alternatives, a method entry
 *   one object per method with that method's own parameters;
 * - a preprocessed union that also takes a bare name (`fading: rayleigh`, `linkModel: shannon`)
 *   also lists those names: each candidate is asked of the zod schema itself.
 *
 * Dialect: JSON Schema draft-07, the newest one yaml-language-server supports everywhere (2019-09
 * and 2020-12 only in its latest releases). zod stays the authority: the JSON Schema cannot express
 * cross-field checks (a deadline for `mode: deadline`, seqLen within a model's positions) or unit
 * dimensions, which `airtune validate` reports.
 */
import { z } from 'zod';
import { getMethod, METHOD_IDS } from '../methods/registry.js';
import { stopSchema } from '../simulation/stop.js';
import { trainingSchema, traceTrainingSchema, trainingSectionSchema } from '../training/config.js';
import { fieldForms } from './fields.js';
import { KINDS } from './units.js';
import { explicitModelSchema, methodEntrySchema, modelSectionSchema, scenarioSchema } from './schema.js';
import { modelSchema } from '../costs/schema.js';

type Json = Record<string, unknown>;

const DIST_FORMS = 'a value, a list (one per client), or "uniform(a, b)", "normal(mu, sigma)", "lognormal(median, sigma)", "choice([x, y, ...])"';

/** What a quantity of each kind is called in descriptions. */
const NOUNS: Record<keyof typeof KINDS, string> = {
  frequency: 'frequency',
  bytes: 'size',
  bits: 'size in bits',
  bitRate: 'bit rate',
  byteRate: 'byte rate',
  flops: 'FLOP count',
  flopRate: 'FLOP rate',
  power: 'power',
  psd: 'power spectral density',
  length: 'length',
  time: 'time',
  energy: 'energy',
  db: 'level in dB',
  dimensionless: 'number',
};

function unitText(form: 'quantity' | 'dist', kind: keyof typeof KINDS, numberUnit?: string): string {
  const k = KINDS[kind];
  const example = k.example.split(' or ').map((e) => `"${e}"`).join(' or ');
  const number = kind === 'dimensionless' ? 'a number' : kind === 'db' ? 'a number of dB' : `a number in ${numberUnit ?? k.si}`;
  const quantity = kind === 'dimensionless' ? number : `${number} or text with a unit, e.g. ${example}`;
  if (form === 'dist') return `Per client: ${DIST_FORMS}; each value ${quantity}.`;
  return kind === 'dimensionless' ? 'A number.' : `A ${NOUNS[kind]}: ${quantity}.`;
}

function withDescription(json: Json, extra: string): void {
  const own = typeof json.description === 'string' ? json.description.trim() : '';
  json.description = own ? `${own}${/[.!?)]$/.test(own) ? '' : '.'} ${extra}` : extra;
}

/** zod's output of one part, in the same mode and with the same overrides, without `$schema`. */
function part(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, OPTIONS) as Json;
  delete json.$schema;
  return json;
}

/** The discriminator constants of a union's options that need no other field, with its key. */
function bareNames(json: Json): { key: string; names: string[] } {
  const options = (json.oneOf ?? json.anyOf) as Json[] | undefined;
  const out = { key: '', names: [] as string[] };
  if (!Array.isArray(options)) return out;
  for (const o of options) {
    const props = o.properties as Record<string, Json> | undefined;
    const required = (o.required as string[] | undefined) ?? [];
    if (!props || required.length !== 1) continue;
    const c = props[required[0]!]?.const;
    if (typeof c === 'string') {
      out.key = required[0]!;
      out.names.push(c);
    }
  }
  return out;
}

/** A method entry: a bare id, or { id, label?, stop?, ...the method's own parameters }. */
function methodEntryJson(): Json {
  const objects = METHOD_IDS.map((id) => {
    const params = part(getMethod(id).paramsSchema);
    const properties = {
      id: { const: id, description: `The method (${id}).` },
      label: { type: 'string', description: 'Its name in the outputs (default: the id); lets one method appear twice with other parameters.' },
      stop: { ...part(stopSchema), description: "This method's own stop rules (override the scenario's `stop`, rule by rule)." },
      ...((params.properties as Json | undefined) ?? {}),
    };
    return { type: 'object', properties, required: ['id'], additionalProperties: params.additionalProperties ?? false, description: `${id} with its parameters.` };
  });
  return {
    description: `A method: its id, or an object with its id and parameters (one of ${METHOD_IDS.join(', ')}).`,
    anyOf: [{ type: 'string', enum: [...METHOD_IDS] }, ...objects],
  };
}

/** Wrappers that keep their inner field's form: `.default()`, `.optional()`, ... */
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

type Def = { type?: string; innerType?: z.ZodType; in?: z.ZodType };
const defOf = (schema: z.ZodType): Def | undefined => (schema as unknown as { _zod?: { def?: Def } })._zod?.def;

/** The form of a quantity or distribution field, looking through wrappers. */
function formOf(schema: z.ZodType) {
  for (let s: z.ZodType | undefined = schema; s; ) {
    const form = fieldForms.get(s);
    if (form) return form;
    const def = defOf(s);
    s = def?.type !== undefined && WRAPPERS.has(def.type) ? def.innerType : undefined;
  }
  return undefined;
}

/**
 * zod writes a field's default as the parser's output (a distribution's default as
 * { kind: 'const', value }, an availability as { kind: 'always' }); a file writes the input form.
 * A default the field does not accept as input is turned into it, or left out.
 */
function inputDefault(schema: z.ZodType, json: Json): void {
  if (!('default' in json) || schema.safeParse(json.default).success) return;
  const d = json.default as { kind?: string; value?: unknown } | null;
  const candidate = d?.kind === 'const' ? d.value : d?.kind === 'always' ? 'always' : undefined;
  if (candidate !== undefined && schema.safeParse(candidate).success) json.default = candidate;
  else delete json.default;
}

function override(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const schema = ctx.zodSchema as z.ZodType;
  const json = ctx.jsonSchema;
  if (schema === modelSectionSchema) {
    Object.assign(json, {
      description: 'The timing model: an LLM (a preset or an architecture, with its local work) whose FLOPs, memory and bytes the clock counts, or an explicit per-client workload.',
      anyOf: [part(modelSchema), part(explicitModelSchema)],
    });
    return;
  }
  if (schema === methodEntrySchema) {
    Object.assign(json, methodEntryJson());
    return;
  }
  if (schema === trainingSectionSchema) {
    Object.assign(json, {
      description: 'Where the losses come from: real federated training of the tfjs proxy (source: proxy, the default) or a loss trace file (source: trace). Absent: timing only.',
      anyOf: [part(trainingSchema), part(traceTrainingSchema)],
    });
    return;
  }
  inputDefault(schema, json);
  const form = formOf(schema);
  if (form) {
    // A quantity is read from any value (its own message names a missing or mistyped one): in a
    // file it is a number or a text with a unit.
    if (form.form === 'quantity' && json.type === undefined && json.anyOf === undefined && json.$ref === undefined) json.type = ['number', 'string'];
    if (form.form === 'dist') {
      json.anyOf = [{ type: 'number' }, { type: 'string' }, { type: 'array', items: { type: ['number', 'string'] }, minItems: 1 }];
    }
    const text = unitText(form.form, form.kind, form.numberUnit);
    if (typeof json.description !== 'string' || !json.description.endsWith(text)) withDescription(json, text);
    return;
  }
  // A preprocessed union that also takes a bare name: the names the zod schema itself accepts.
  const def = defOf(schema);
  if (def?.type === 'pipe' && def.in !== undefined && defOf(def.in)?.type === 'transform') {
    const bare = bareNames(json);
    const names = bare.names.filter((n) => schema.safeParse(n).success);
    if (names.length > 0) {
      const { description, default: dflt, ...rest } = json;
      for (const k of Object.keys(json)) delete json[k];
      Object.assign(json, {
        ...(description !== undefined ? { description } : {}),
        ...(dflt !== undefined ? { default: dflt } : {}),
        anyOf: [{ type: 'string', enum: names, description: `A bare name: the same as { ${bare.key}: name } with the defaults.` }, rest],
      });
    }
  }
}

const OPTIONS = { io: 'input', target: 'draft-7', unrepresentable: 'any', override } as const;

/** The JSON Schema of a scenario file. */
export function scenarioJsonSchema(): Json {
  const json = z.toJSONSchema(scenarioSchema, OPTIONS) as Json;
  return {
    $schema: json.$schema,
    title: 'airtune scenario',
    description: 'An airtune scenario file (YAML or JSON): the clients, the radio cell, the timing model, the methods to compare and the round protocol. Generated by `airtune schema` from the zod schema in src/scenario/schema.ts, which stays the authority (`airtune validate`).',
    ...Object.fromEntries(Object.entries(json).filter(([k]) => k !== '$schema')),
  };
}

/** As `airtune schema` prints it and docs/scenario.schema.json holds it. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
