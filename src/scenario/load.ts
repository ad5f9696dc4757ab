/**
 * Read a scenario file (YAML or JSON), validate it, and report every problem with its file,
 * field path and line.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { LIMITS } from './limits.js';
import type { z } from 'zod';
import { methodEntrySchema, scenarioSchema, type MethodEntry, type Scenario } from './schema.js';
import { ScenarioError, issueProblems, scenarioErrorMap, type FieldProblem } from './errors.js';
import { parseScenarioText } from './parse.js';
import { InputFileError, readBoundedText } from './input-file.js';
import { workChecks } from './work.js';
import { buildPopulation, PopulationError, type PopulationOptions } from '../devices/population.js';
import { TraceError } from '../devices/fedscale.js';
import { forwardFlopsPerToken } from '../costs/flops.js';
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
  /** The line of a field path in the file (YAML or JSON), for warnings (src/scenario/warnings.ts). */
  lineOf?: (path: (string | number)[]) => number | undefined;
}

export { parseScenarioText };

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
  const result = scenarioSchema.safeParse(raw, { reportInput: true, error: scenarioErrorMap });
  const problems: FieldProblem[] = [];
  let parts: Partial<Scenario>;
  if (result.success) parts = result.data;
  else {
    for (const issue of result.error.issues) {
      // An unknown field is reported at its object's path, on the line of the field itself.
      const keyLine = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? lineOf?.([...issue.path.filter((p): p is string | number => typeof p !== 'symbol'), issue.keys[0]!]) : undefined;
      for (const p of issueProblems(issue)) problems.push(keyLine === undefined ? p : { ...p, line: keyLine });
    }
    parts = validSections(raw as Record<string, unknown>);
  }
  // Top-level sections with a schema problem: checks that read them are left out (no noise from a section that is only badly written).
  const invalid = new Set(problems.map((p) => p.path[0]).filter((k): k is string => typeof k === 'string'));
  problems.push(...crossChecks(parts, invalid, raw as Record<string, unknown>), ...inputChecks(parts, opts.baseDir));
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

/**
 * The method entries that are valid on their own, at their index (with another entry invalid, the
 * checks across fields still see these), and the network type and model kind as written (with
 * another field of those sections invalid, what they are is still known).
 */
function writtenMethods(raw: Record<string, unknown>): [number, MethodEntry][] {
  if (!Array.isArray(raw.methods)) return [];
  return raw.methods.flatMap((v, i): [number, MethodEntry][] => {
    const r = methodEntrySchema.safeParse(v);
    return r.success ? [[i, r.data]] : [];
  });
}

function writtenKinds(raw: Record<string, unknown>): { networkType?: unknown; modelKind?: 'llm' | 'explicit' } {
  const network = raw.network;
  const model = raw.model;
  return {
    networkType: typeof network === 'object' && network !== null ? (network as { type?: unknown }).type : undefined,
    modelKind: model !== null && typeof model === 'object' && !Array.isArray(model) ? ('workload' in model ? 'explicit' : 'llm') : undefined,
  };
}

/** Checks that span fields (zod checks one field at a time); each runs when the sections it needs are valid. */
function crossChecks(s: Partial<Scenario>, invalid: ReadonlySet<string> = new Set(), raw: Record<string, unknown> = {}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const methods: [number, MethodEntry][] = s.methods ? [...s.methods.entries()] : writtenMethods(raw);
  for (const [k, [i, m]] of methods.entries()) {
    if (methods.findIndex(([, o]) => o.label === m.label) !== k) {
      problems.push({ path: ['methods', i], message: `method "${m.label}" appears twice; give one a distinct "label"` });
    }
  }
  const written = writtenKinds(raw);
  const networkType = s.network?.type ?? written.networkType;
  const modelKind = s.model?.kind ?? written.modelKind;
  for (const [i, m] of methods) {
    if (m.id !== 'jcpba') continue;
    if (networkType === 'fixed') {
      problems.push({ path: ['methods', i], message: 'jcpba allocates uplink bandwidth: it needs network.type wireless, found fixed links' });
    }
    if (modelKind === 'explicit') {
      problems.push({ path: ['methods', i], message: 'jcpba prunes the model: it needs an LLM timing model (model.preset or model.architecture), found an explicit workload' });
    }
  }
  if (s.network?.type === 'wireless' && s.network.bandwidthPolicy.startsWith('allocator')) {
    for (const [i, m] of methods) {
      if (m.id !== 'jcpba') {
        problems.push({
          path: ['methods', i],
          message: `network.bandwidthPolicy "${s.network.bandwidthPolicy}" takes each client's share from the method's allocator, and only jcpba has one; use equal or proportional for ${m.id}`,
        });
      }
    }
  }
  // The stop rules and calibration read these sections: only when every one of them is valid.
  if (s.methods && !['rounds', 'maxSimTime', 'stop', 'methods', 'training'].some((k) => invalid.has(k))) {
    problems.push(...stopProblems(s as Scenario), ...calibrationProblems(s as Scenario));
  }
  return problems;
}

/**
 * What the client population needs from the rest of the scenario: the cell radius (placement), the
 * network type (fixed-rate columns) and, for FedScale capacities, the forward FLOPs of a sample
 * (seqLen tokens of the timing model, src/devices/fedscale.ts). Sections that failed validation
 * are left out.
 */
export function populationOptions(s: Partial<Scenario>): PopulationOptions {
  const opts: PopulationOptions = {};
  if (s.network?.type === 'wireless') opts.cellRadiusM = s.network.cellRadius;
  if (s.network !== undefined) opts.network = s.network.type;
  if (s.model?.kind === 'llm') opts.forwardFlopsPerSample = forwardFlopsPerToken(s.model.arch, s.model.work.seqLen) * s.model.work.seqLen;
  return opts;
}

/**
 * Checks of what the scenario makes: each client's drawn values (src/devices), the size of the run
 * against src/scenario/limits.ts, and (with `baseDir`) the device file and the training data.
 */
function inputChecks(s: Partial<Scenario>, baseDir: string | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let clients = s.clients?.count;
  if (s.clients && s.seed !== undefined && ((s.clients.file === undefined && s.clients.fedscale === undefined) || baseDir !== undefined)) {
    try {
      clients = buildPopulation(s.clients, s.seed, baseDir ?? '.', populationOptions(s)).length;
    } catch (e) {
      if (e instanceof TraceError) problems.push({ path: e.field, message: e.message });
      else if (e instanceof PopulationError) problems.push(...e.problems);
      else throw e;
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

/**
 * Read and validate a scenario file. `fileChecks: false` leaves out the checks of the files it
 * points to (device file, training data, traces), for a caller that validates again after applying
 * `--set` overrides, which may change those paths.
 */
export function loadScenario(path: string, opts: { fileChecks?: boolean } = {}): LoadedScenario {
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
  const scenario = validateScenario(raw, path, lineOf, opts.fileChecks === false ? {} : { baseDir });
  return {
    scenario,
    file: path,
    baseDir,
    hash: createHash('sha256').update(bytes).digest('hex'),
    raw,
    lineOf,
  };
}
