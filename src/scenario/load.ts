/**
 * Read a scenario file (YAML or JSON), validate it, and report every problem with its file,
 * field path and line.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { scenarioSchema, type Scenario } from './schema.js';
import { ScenarioError, issueMessage, type FieldProblem } from './errors.js';
import { parseScenarioText } from './parse.js';
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

export { parseScenarioText };

export function validateScenario(raw: unknown, file: string, lineOf?: (path: (string | number)[]) => number | undefined): Scenario {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError(file, [{ path: [], message: `expected a mapping of scenario fields, found ${raw === null ? 'an empty file' : typeof raw}` }]);
  }
  const result = scenarioSchema.safeParse(raw, { reportInput: true });
  if (result.success) {
    const problems = crossChecks(result.data);
    if (problems.length > 0) throw new ScenarioError(file, problems.map((p) => ({ ...p, line: lineOf?.(p.path) })));
    return result.data;
  }
  const problems: FieldProblem[] = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    return { path, message: issueMessage(issue), line: lineOf?.(path) };
  });
  throw new ScenarioError(file, problems);
}

/** Checks that span fields (zod checks one field at a time). */
function crossChecks(s: Scenario): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [i, m] of s.methods.entries()) {
    if (s.methods.findIndex((o) => o.label === m.label) !== i) {
      problems.push({ path: ['methods', i], message: `method "${m.label}" appears twice; give one a distinct "label"` });
    }
  }
  for (const [i, m] of s.methods.entries()) {
    if (m.id !== 'jcpba') continue;
    if (s.network.type !== 'wireless') {
      problems.push({ path: ['methods', i], message: 'jcpba allocates uplink bandwidth: it needs network.type wireless, found fixed links' });
    }
    if (s.model.kind !== 'llm') {
      problems.push({ path: ['methods', i], message: 'jcpba prunes the model: it needs an LLM timing model (model.preset or model.architecture), found an explicit workload' });
    }
  }
  if (s.network.type === 'wireless' && s.network.bandwidthPolicy.startsWith('allocator')) {
    for (const [i, m] of s.methods.entries()) {
      if (m.id !== 'jcpba') {
        problems.push({
          path: ['methods', i],
          message: `network.bandwidthPolicy "${s.network.bandwidthPolicy}" takes each client's share from the method's allocator, and only jcpba has one; use equal or proportional for ${m.id}`,
        });
      }
    }
  }
  if (s.round.mode === 'deadline' && s.round.deadline === undefined) {
    problems.push({ path: ['round', 'deadline'], message: 'missing required field (expected a time, e.g. "30 s", for mode deadline)' });
  }
  problems.push(...stopProblems(s), ...calibrationProblems(s));
  return problems;
}

export function loadScenario(path: string): LoadedScenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ScenarioError(path, [{ path: [], message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
  const text = bytes.toString('utf8');
  const { raw, lineOf } = parseScenarioText(text, path);
  const scenario = validateScenario(raw, path, lineOf);
  return {
    scenario,
    file: path,
    baseDir: dirname(resolve(path)),
    hash: createHash('sha256').update(bytes).digest('hex'),
    raw,
  };
}
