/**
 * Read a scenario file (YAML or JSON), validate it, and report every problem with its file,
 * field path and line.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isAlias, isMap, isNode, isPair, isScalar, isSeq, type Document } from 'yaml';
import { LIMITS } from './limits.js';
import type { z } from 'zod';
import { scenarioSchema, type Scenario } from './schema.js';
import { ScenarioError, issueMessage, type FieldProblem } from './errors.js';
import { InputFileError, readBoundedText } from './input-file.js';
import { workChecks } from './work.js';
import { buildPopulation, PopulationError } from '../devices/population.js';
import { checkDataFiles } from '../training/data/config.js';
import { DataError } from '../training/data/errors.js';
import { stopProblems } from '../simulation/stop.js';
import { calibrationProblems } from '../calibration/checks.js';

export interface LoadedScenario {
  scenario: Scenario;
  /** The file as given (for messages) and its absolute folder (for relative paths inside it). */
  file: string;
  baseDir: string;
  /** sha256 of the file's bytes: recorded in meta.json. */
  hash: string;
  /** The raw parsed document (before defaults), for `--set` overrides and sweeps. */
  raw: unknown;
}

/** "Maximum call stack size exceeded" from the parser or toJS: the document nests too deeply. */
function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

const TOO_DEEP = `nested too deeply (more than ${LIMITS.yamlDepth} levels of mappings and lists; limits in src/scenario/limits.ts)`;

/**
 * Structure checks before anything is built from the document, in one pass without recursion:
 * nesting depth, node count, keys per mapping, duplicate keys, keys that are not plain scalars,
 * and aliases whose anchor is not defined before them (also under a merge key `<<`).
 */
function structureProblems(doc: Document.Parsed, lineAt: (node: unknown) => number | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const anchors = new Set<string>();
  let nodes = 0;
  // Pre-order, left to right: anchors are defined in document order.
  const stack: { node: unknown; path: (string | number)[]; parentKey?: string }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path, parentKey } = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (++nodes > LIMITS.yamlNodes) {
      problems.push({ path: [], message: `more than ${LIMITS.yamlNodes.toLocaleString('en-US')} values (mappings, lists and scalars); limits in src/scenario/limits.ts` });
      break;
    }
    if (path.length > LIMITS.yamlDepth) {
      problems.push({ path: path.slice(0, 8), line: lineAt(node), message: TOO_DEEP });
      break;
    }
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        problems.push({
          path,
          line: lineAt(node),
          message:
            parentKey === '<<'
              ? `merge key "<<: *${node.source}" refers to an anchor &${node.source} that is not defined before it`
              : `undefined alias *${node.source} (no anchor &${node.source} before it)`,
        });
      }
      continue;
    }
    if (isNode(node) && node.anchor) anchors.add(node.anchor);
    const children: typeof stack = [];
    if (isMap(node)) {
      if (node.items.length > LIMITS.yamlKeys) {
        problems.push({ path, line: lineAt(node), message: `a mapping with ${node.items.length.toLocaleString('en-US')} keys, more than the limit of ${LIMITS.yamlKeys.toLocaleString('en-US')} (limits in src/scenario/limits.ts)` });
        continue;
      }
      const seen = new Map<string, number | undefined>();
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key) || (key.value !== null && typeof key.value === 'object')) {
          problems.push({ path, line: lineAt(key), message: 'a mapping key must be a plain name or number, found a list, mapping or alias as a key' });
          continue;
        }
        const name = String(key.value);
        if (seen.has(name)) {
          const first = seen.get(name);
          problems.push({ path: [...path, name], line: lineAt(key), message: `duplicate key "${name}"${first !== undefined ? ` (first at line ${first})` : ''}` });
        } else seen.set(name, lineAt(key));
        children.push({ node: pair.value, path: [...path, name], parentKey: name });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => children.push({ node: item, path: [...path, i] }));
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return problems;
}

export function parseScenarioText(text: string, file: string): { raw: unknown; lineOf: (path: (string | number)[]) => number | undefined } {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    // uniqueKeys: false: duplicates are found below in linear time (yaml's own check is quadratic).
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    throw new ScenarioError(file, [{ path: [], message: `not valid YAML/JSON: ${TOO_DEEP}` }]);
  }
  if (doc.errors.length > 0) {
    // Only the first syntax error: the rest are usually the parser losing its footing after it.
    const e = doc.errors[0]!;
    const hint = /flow (map|collection)|Unexpected (comma|flow)/i.test(e.message)
      ? ' (a value with commas inside { } or [ ] must be quoted, e.g. "uniform(1 GB, 2 GB)")'
      : '';
    const what = /call stack/i.test(e.message) ? TOO_DEEP : e.message.split('\n')[0];
    throw new ScenarioError(file, [{ path: [], line: e.linePos?.[0]?.line, message: `not valid YAML/JSON: ${what}${hint}` }]);
  }
  const lineAt = (node: unknown): number | undefined =>
    isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : isPair(node) ? lineAt(node.key) : undefined;
  const structure = structureProblems(doc, lineAt);
  if (structure.length > 0) throw new ScenarioError(file, structure);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: LIMITS.yamlAliasCount });
  } catch (e) {
    if (isStackOverflow(e)) throw new ScenarioError(file, [{ path: [], message: `not valid YAML/JSON: ${TOO_DEEP}` }]);
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      const bomb = /excessive alias count/i.test(e.message);
      throw new ScenarioError(file, [{
        path: [],
        message: bomb
          ? `alias bomb: the aliases (*name) expand to too many values (yaml maxAliasCount ${LIMITS.yamlAliasCount}); write the values out or use fewer aliases`
          : `bad alias: ${e.message}`,
      }]);
    }
    throw e;
  }
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { raw, lineOf };
}

export interface ValidateOptions {
  /**
   * The scenario file's folder: with it the files the scenario points to (device file, training
   * data) are read and checked too. Without it (a document in memory), a device file is not read.
   */
  baseDir?: string;
}

/**
 * Validate a parsed scenario document and report EVERY problem at once: the schema's, the checks
 * that span fields (also among the sections that are valid when others are not), each client's
 * drawn values, the size of the run (src/scenario/limits.ts) and the files it points to.
 */
export function validateScenario(
  raw: unknown,
  file: string,
  lineOf?: (path: (string | number)[]) => number | undefined,
  opts: ValidateOptions = {},
): Scenario {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError(file, [{ path: [], message: `expected a mapping of scenario fields, found ${raw === null ? 'an empty file' : Array.isArray(raw) ? 'a list' : typeof raw}` }]);
  }
  const result = scenarioSchema.safeParse(raw, { reportInput: true });
  const problems: FieldProblem[] = [];
  let parts: Partial<Scenario>;
  if (result.success) parts = result.data;
  else {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      problems.push({ path, message: issueMessage(issue) });
    }
    parts = validSections(raw as Record<string, unknown>);
  }
  // Top-level sections with a schema problem: checks that read them are left out (no noise from a section that is only badly written).
  const invalid = new Set(problems.map((p) => p.path[0]).filter((k): k is string => typeof k === 'string'));
  problems.push(...crossChecks(parts, invalid), ...inputChecks(parts, opts.baseDir));
  if (problems.length > 0) {
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const key = `${p.path.join('\u0000')}|${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    throw new ScenarioError(file, unique.map((p) => ({ ...p, line: p.line ?? lineOf?.(p.path) })));
  }
  return result.data!;
}

/** The top-level sections that are valid on their own (for the checks that need them when others are not). */
function validSections(raw: Record<string, unknown>): Partial<Scenario> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(scenarioSchema.shape) as [string, z.ZodType][]) {
    const r = schema.safeParse(Object.prototype.hasOwnProperty.call(raw, key) ? raw[key] : undefined);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<Scenario>;
}

/** Checks that span fields (zod checks one field at a time); each runs when the sections it needs are valid. */
function crossChecks(s: Partial<Scenario>, invalid: ReadonlySet<string> = new Set()): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const methods = s.methods ?? [];
  for (const [i, m] of methods.entries()) {
    if (methods.findIndex((o) => o.label === m.label) !== i) {
      problems.push({ path: ['methods', i], message: `method "${m.label}" appears twice; give one a distinct "label"` });
    }
  }
  for (const [i, m] of methods.entries()) {
    if (m.id !== 'jcpba') continue;
    if (s.network && s.network.type !== 'wireless') {
      problems.push({ path: ['methods', i], message: 'jcpba allocates uplink bandwidth: it needs network.type wireless, found fixed links' });
    }
    if (s.model && s.model.kind !== 'llm') {
      problems.push({ path: ['methods', i], message: 'jcpba prunes the model: it needs an LLM timing model (model.preset or model.architecture), found an explicit workload' });
    }
  }
  if (s.network?.type === 'wireless' && s.network.bandwidthPolicy.startsWith('allocator')) {
    for (const [i, m] of methods.entries()) {
      if (m.id !== 'jcpba') {
        problems.push({
          path: ['methods', i],
          message: `network.bandwidthPolicy "${s.network.bandwidthPolicy}" takes each client's share from the method's allocator, and only jcpba has one; use equal or proportional for ${m.id}`,
        });
      }
    }
  }
  if (s.round?.mode === 'deadline' && s.round.deadline === undefined) {
    problems.push({ path: ['round', 'deadline'], message: 'missing required field (expected a time, e.g. "30 s", for mode deadline)' });
  }
  // The stop rules and calibration read these sections: only when every one of them is valid.
  if (s.methods && !['rounds', 'maxSimTime', 'stop', 'methods', 'training'].some((k) => invalid.has(k))) {
    problems.push(...stopProblems(s as Scenario), ...calibrationProblems(s as Scenario));
  }
  return problems;
}

/**
 * Checks of what the scenario makes: each client's drawn values (src/devices), the size of the run
 * against src/scenario/limits.ts, and (with `baseDir`) the device file and the training data.
 */
function inputChecks(s: Partial<Scenario>, baseDir: string | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let clients = s.clients?.count;
  if (s.clients && s.seed !== undefined && (s.clients.file === undefined || baseDir !== undefined)) {
    const cellRadiusM = s.network?.type === 'wireless' ? s.network.cellRadius : undefined;
    try {
      clients = buildPopulation(s.clients, s.seed, baseDir ?? '.', { cellRadiusM }).length;
    } catch (e) {
      if (!(e instanceof PopulationError)) throw e;
      problems.push(...e.problems);
    }
  }
  problems.push(...workChecks(s, clients));
  if (s.training?.source === 'proxy' && baseDir !== undefined) {
    try {
      checkDataFiles(s.training.data, baseDir);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      problems.push({ path: ['training', 'data', ...(s.training.data.path !== undefined ? ['path'] : [])], message: e.message });
    }
  }
  return problems;
}

export function loadScenario(path: string): LoadedScenario {
  let text: string;
  let bytes: Buffer;
  try {
    ({ text, bytes } = readBoundedText(path, LIMITS.scenarioFileBytes, 'scenario file'));
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new ScenarioError(path, [{ path: [], message: e.reason }]);
  }
  const { raw, lineOf } = parseScenarioText(text, path);
  const baseDir = dirname(resolve(path));
  const scenario = validateScenario(raw, path, lineOf, { baseDir });
  return {
    scenario,
    file: path,
    baseDir,
    hash: createHash('sha256').update(bytes).digest('hex'),
    raw,
  };
}
