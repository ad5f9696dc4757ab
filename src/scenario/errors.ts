/**
 * Scenario errors that a user can act on: each names the file, the field path (and line, for
 * YAML), what was expected and what was found. All problems in a file are listed, not only the first.
 */
import type { z } from 'zod';
import { closest, didYouMean } from './suggest.js';

export interface FieldProblem {
  path: (string | number)[];
  message: string;
  line?: number;
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: FieldProblem[],
  ) {
    super(formatProblems(file, problems));
    this.name = 'ScenarioError';
  }
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

export function formatProblems(file: string, problems: FieldProblem[]): string {
  const head = `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return [head, ...problems.map((p) => `  - ${formatProblem(p)}`)].join('\n');
}

/** `line 7, clients.memory: message` (the line when known). */
export function formatProblem(p: FieldProblem): string {
  return `${p.line !== undefined ? `line ${p.line}, ` : ''}${formatPath(p.path)}: ${p.message}`;
}

export function describeValue(input: unknown): string {
  if (input === undefined) return 'nothing (the field is missing)';
  if (input === null) return 'null';
  if (typeof input === 'string') return `the string ${JSON.stringify(input)}`;
  if (typeof input === 'number' || typeof input === 'boolean') return `${typeof input} ${String(input)}`;
  if (Array.isArray(input)) return `a list of ${input.length}`;
  return 'an object';
}

/** Turn one zod issue into "expected X, found Y" wording. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return `missing required field (expected ${issue.expected})`;
      if (typeof input === 'number' && !Number.isFinite(input)) {
        return `expected a finite ${issue.expected}, found ${String(input)} (${Number.isNaN(input) ? 'not a number' : 'a number too large for a double, e.g. 1e400'})`;
      }
      return `expected ${issue.expected}, found ${describeValue(input)}`;
    case 'unrecognized_keys':
      // scenarioErrorMap's message names the closest known field; other parses get the plain list.
      return issue.message.startsWith('unknown field') ? issue.message : unknownFieldsMessage(issue.keys, []);
    case 'too_small': {
      const op = issue.inclusive === false ? '>' : '>=';
      if (issue.origin === 'array') return `expected a list with at least ${String(issue.minimum)} entries, found ${describeValue(input)}`;
      return `expected a value ${op} ${String(issue.minimum)}, found ${describeValue(input)}`;
    }
    case 'too_big': {
      const op = issue.inclusive === false ? '<' : '<=';
      if (issue.origin === 'array') return `expected a list with at most ${String(issue.maximum)} entries, found ${describeValue(input)}`;
      return `expected a value ${op} ${String(issue.maximum)}, found ${describeValue(input)}`;
    }
    case 'invalid_value':
      return oneOf(issue.values, [], input);
    case 'invalid_union': {
      const { note, discriminator, options } = issue as { note?: string; discriminator?: string; options?: unknown[] };
      if (note === 'No matching discriminator' && discriminator !== undefined) {
        // zod reports the whole object as the input; the value is its discriminator field.
        const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[discriminator] : input;
        return oneOf(options ?? [], [], value);
      }
      return unionMessage(issue.errors, input);
    }
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}, found ${describeValue(input)}`;
    default:
      return issue.message;
  }
}

/** How a zod type name reads in "expected ..." (the union branches a value could have taken). */
const TYPE_WORDS: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' };

/**
 * "expected one of "a", "b" (or a mapping), found the string "c"; did you mean "a"?": the valid
 * values (literals) and forms (types) with a suggestion among the literals. A missing field says so.
 */
function oneOf(values: readonly unknown[], types: readonly string[], input: unknown): string {
  const shown = [...values.map((v) => JSON.stringify(v)), ...types.map((t) => TYPE_WORDS[t] ?? t)];
  const list = shown.length === 1 ? shown[0]! : values.length === 0 ? shown.join(' or ') : `one of ${shown.join(', ')}`;
  if (input === undefined) return `missing required field (expected ${list})`;
  const hint = typeof input === 'string' ? didYouMean(input, values.filter((v): v is string => typeof v === 'string')) : '';
  return `expected ${list}, found ${describeValue(input)}${hint}`;
}

/**
 * A union none of whose branches took the value: when every branch failed at the value itself
 * (a literal or a type that does not match), the list of what each branch takes. Branches that
 * failed deeper are left to issueProblems (which reports the one branch the value's form matched).
 */
function unionMessage(branches: readonly (readonly z.core.$ZodIssue[])[], input: unknown): string {
  const values: unknown[] = [];
  const types: string[] = [];
  for (const issues of branches) {
    for (const i of issues) {
      if (i.path.length > 0) continue;
      if (i.code === 'invalid_value') values.push(...i.values);
      else if (i.code === 'invalid_type') types.push(i.expected);
    }
  }
  if (values.length === 0 && types.length === 0) return `expected a valid value, found ${describeValue(input)}`;
  return oneOf(values, [...new Set(types)], input);
}

/**
 * One zod issue as the problems a user reads: a union whose value has the form of exactly one
 * branch (a mapping where the other branches take a literal) reports that branch's own problems
 * at their paths, not "invalid input"; every other issue is one problem with issueMessage.
 */
export function issueProblems(issue: z.core.$ZodIssue): { path: (string | number)[]; message: string }[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const deeper = issue.errors
      .filter((issues) => issues.some((i) => i.path.length > 0 || (i.code !== 'invalid_type' && i.code !== 'invalid_value')))
      .map((issues) => issues.flatMap((i) => issueProblems(i)));
    const fewest = Math.min(...deeper.map((b) => b.length));
    const best = deeper.filter((b) => b.length === fewest);
    if (best.length === 1) return best[0]!.map((p) => ({ path: [...path, ...p.path], message: p.message }));
    if (best.length > 1) {
      // The value has the form of several branches (e.g. two kinds of mapping) and fits none: what each one found.
      const each = best.map((b) => b.map((p) => (p.path.length > 0 ? `${formatPath(p.path)}: ${p.message}` : p.message)).join(', '));
      return [{ path, message: `${describeValue((issue as { input?: unknown }).input)} that fits none of this field's forms: ${each.join('; or ')}` }];
    }
  }
  return [{ path, message: issueMessage(issue) }];
}

const SHOWN_KEYS = 10;

/**
 * `unknown field "r"; did you mean "rank"?` for each of `keys` among the `known` fields (`where`
 * names the object, e.g. " for method fedlora"); without a close one, the list of known fields.
 */
export function unknownFieldsMessage(keys: readonly string[], known: readonly string[], where = ''): string {
  const valid = known.length > 0 ? ` (valid fields: ${known.join(', ')})` : '';
  if (keys.length === 1) {
    const hint = didYouMean(keys[0]!, known);
    return `unknown field ${JSON.stringify(keys[0])}${where}${hint === '' ? valid : hint}`;
  }
  // At most SHOWN_KEYS named (a mapping may hold thousands of unknown keys, src/scenario/limits.ts).
  const shown = keys.slice(0, SHOWN_KEYS).map((k) => ({ k, c: closest(k, known) }));
  const each = shown.map(({ k, c }) => (c === undefined ? JSON.stringify(k) : `${JSON.stringify(k)} (did you mean ${JSON.stringify(c)}?)`));
  const more = keys.length > SHOWN_KEYS ? ` and ${keys.length - SHOWN_KEYS} more` : '';
  return `unknown fields ${each.join(', ')}${more}${where}${more !== '' || shown.some(({ c }) => c === undefined) ? valid : ''}`;
}

/** The field names of a zod object schema (its shape), or [] for anything else. */
export function objectKeys(schema: unknown): string[] {
  const shape = (schema as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : [];
}

/**
 * zod error map of the scenario's parses (`safeParse(v, { error: scenarioErrorMap })`): an unknown
 * field's message names the closest field the object has (zod's issue does not keep the object).
 */
export const scenarioErrorMap = (iss: z.core.$ZodRawIssue): string | undefined =>
  iss.code === 'unrecognized_keys' ? unknownFieldsMessage(iss.keys, objectKeys((iss as { inst?: unknown }).inst)) : undefined;
