/**
 * The sweep grid: `--set path=v1,v2,...` arguments parsed into axes, their cartesian product in a
 * stable order, and the document edit that applies one grid point to a copy of the raw scenario.
 * Pure functions: no files, no clocks.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { describeValue } from '../scenario/errors.js';
import { UsageError } from '../core/errors.js';

export type PathSegment = string | number;

/** One swept value: the YAML scalar it parses to and the text it is shown as in CSVs. */
export interface AxisValue {
  value: unknown;
  /** As given on the command line (YAML quotes removed), e.g. `5MHz`, `5 MHz`, `10`. */
  text: string;
}

/** One `--set`: a dotted path into the scenario document and the values it takes. */
export interface Axis {
  /** The path as given, e.g. `methods.1.rank`: also the CSV column name. */
  path: string;
  /** Segments; all-digit segments are numbers (array indices). */
  segments: PathSegment[];
  values: AxisValue[];
}

/** One grid point: one value per axis, in axis order. */
export interface Assignment {
  axis: Axis;
  value: AxisValue;
}

/**
 * Split `v1,v2,...` at the commas that are not inside quotes or brackets, so a value may itself be
 * a YAML flow list (`[1, 2]`), a distribution (`uniform(1 TFLOP/s, 8 TFLOP/s)`) or a quoted string.
 */
export function splitValues(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== null) {
      if (ch === quote) quote = null;
      continue;
    }
    // A quote opens a quoted value only at the value's start (so `it's` stays one plain value).
    if ((ch === '"' || ch === "'") && text.slice(start, i).trim() === '') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** A value as a YAML scalar, the way the scenario file would read it: `10` -> 10, `5MHz` -> "5MHz". */
export function parseValue(text: string, path: string): AxisValue {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new UsageError(`--set ${path}: the value ${JSON.stringify(text)} is not a valid YAML value (${(e as Error).message.split('\n')[0]})`);
  }
  return { value, text: typeof value === 'string' ? value : text };
}

/**
 * Path segments that would reach an object's prototype instead of a scenario field
 * (`__proto__.polluted=1` would set `polluted` on every object of the process).
 */
export const FORBIDDEN_SEGMENTS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

function forbidden(segment: PathSegment, path: string): UsageError | null {
  return typeof segment === 'string' && FORBIDDEN_SEGMENTS.includes(segment)
    ? new UsageError(`--set ${path}: "${segment}" is not a scenario field (a path may not go through ${FORBIDDEN_SEGMENTS.join(', ')})`)
    : null;
}

export function parsePath(path: string, spec: string): PathSegment[] {
  const segments = path.split('.');
  if (segments.some((s) => s.trim() === '')) {
    throw new UsageError(`--set ${JSON.stringify(spec)}: expected a dotted path like network.uplinkRate or methods.1.rank, found ${JSON.stringify(path)}`);
  }
  const out = segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (const seg of out) {
    const e = forbidden(seg, path);
    if (e) throw e;
  }
  return out;
}

/** Parse one `--set path=v1,v2,...` argument. */
export function parseSet(spec: string): Axis {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new UsageError(`--set ${JSON.stringify(spec)}: expected path=value1,value2,...`);
  const path = spec.slice(0, eq).trim();
  if (path === '') throw new UsageError(`--set ${JSON.stringify(spec)}: the path before "=" is empty`);
  const segments = parsePath(path, spec);
  const texts = splitValues(spec.slice(eq + 1));
  if (texts.some((t) => t === '')) throw new UsageError(`--set ${path}: an empty value in ${JSON.stringify(spec.slice(eq + 1))}`);
  const values = texts.map((t) => parseValue(t, path));
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v.text)) throw new UsageError(`--set ${path}: the value ${JSON.stringify(v.text)} is given twice`);
    seen.add(v.text);
  }
  return { path, segments, values };
}

/** Parse every `--set` and reject paths given twice or nested in one another (which would be ambiguous). */
export function parseSets(specs: readonly string[]): Axis[] {
  const axes = specs.map(parseSet);
  for (let i = 0; i < axes.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = axes[j]!;
      const b = axes[i]!;
      if (a.path === b.path) throw new UsageError(`--set ${b.path} is given twice; put all its values in one --set`);
      if (isPrefix(a.segments, b.segments) || isPrefix(b.segments, a.segments)) {
        throw new UsageError(`--set ${a.path} and --set ${b.path} overlap (one is inside the other)`);
      }
    }
  }
  return axes;
}

export function isPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

/**
 * The cartesian product of the axes, like nested loops in `--set` order: the first axis changes
 * slowest, the last fastest. No axes -> one point (the scenario as written).
 */
export function expandGrid(axes: readonly Axis[]): Assignment[][] {
  let points: Assignment[][] = [[]];
  for (const axis of axes) {
    points = points.flatMap((p) => axis.values.map((value) => [...p, { axis, value }]));
  }
  return points;
}

/**
 * Set `value` at `segments` inside `doc` (mutated). Missing mappings on the way are created, so a
 * path the scenario does not have yet reaches the schema and fails there with the usual message.
 * Going through a scalar, or an index past the end of a list, is a usage error naming the path.
 */
export function setIn(doc: Record<string, unknown>, segments: readonly PathSegment[], value: unknown, path: string): void {
  let node: unknown = doc;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    // Checked here too (not only in parsePath): setIn is the one writer of dotted paths.
    const bad = forbidden(seg, path);
    if (bad) throw bad;
    const last = i === segments.length - 1;
    const where = segments.slice(0, i).join('.') || '(top level)';
    if (Array.isArray(node)) {
      if (typeof seg !== 'number') throw new UsageError(`--set ${path}: ${where} is a list; expected a number index, found ${JSON.stringify(seg)}`);
      if (seg > node.length) throw new UsageError(`--set ${path}: ${where} has ${node.length} entries; index ${seg} is past the end`);
    } else if (node === null || typeof node !== 'object') {
      throw new UsageError(`--set ${path}: cannot set it because ${where} is ${describeValue(node)}, not a mapping or a list (write ${where} as a mapping in the scenario to set fields inside it)`);
    }
    const container = node as Record<string | number, unknown>;
    // Own properties only: an inherited one (e.g. `toString`) is not a field of the document.
    const own = Object.prototype.hasOwnProperty.call(container, seg) ? container[seg] : undefined;
    if (last) {
      Object.defineProperty(container, seg, { value, writable: true, enumerable: true, configurable: true });
    } else {
      if (own === undefined || own === null) {
        Object.defineProperty(container, seg, { value: {}, writable: true, enumerable: true, configurable: true });
      }
      node = container[seg];
    }
  }
}

/**
 * A deep copy of `raw` with one grid point applied. Assignments that cannot be applied (see setIn)
 * are skipped and returned as errors, so the caller can still validate the rest and report all.
 */
export function applyAssignments(raw: unknown, point: readonly Assignment[]): { doc: Record<string, unknown>; errors: UsageError[] } {
  const doc = structuredClone(raw) as Record<string, unknown>;
  const errors: UsageError[] = [];
  for (const { axis, value } of point) {
    try {
      setIn(doc, axis.segments, structuredClone(value.value), axis.path);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      errors.push(e);
    }
  }
  return { doc, errors };
}

/**
 * JSON with object keys sorted at every level, so the same document always gives the same bytes
 * (and hash) whatever order its keys were written in. Non-finite numbers (YAML `.inf`) are kept
 * distinct from null.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(`__number:${String(value)}`);
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `run-003-1a2b3c`: the 1-based grid index (zero-padded) and a short hash of the assignments. */
export function runId(index: number, total: number, point: readonly Assignment[]): string {
  const width = Math.max(3, String(total).length);
  const key = point.map(({ axis, value }) => `${axis.path}=${canonicalJson(value.value)}`).join('\n');
  return `run-${String(index + 1).padStart(width, '0')}-${sha256(key).slice(0, 6)}`;
}
