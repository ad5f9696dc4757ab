/**
 * Scenario errors that a user can act on: each names the file, the field path (and line, for
 * YAML), what was expected and what was found. All problems in a file are listed, not only the first.
 */
import type { z } from 'zod';

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
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? `line ${p.line}, ` : '';
    return `  - ${where}${formatPath(p.path)}: ${p.message}`;
  });
  return [head, ...lines].join('\n');
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
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
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
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describeValue(input)}`;
    case 'invalid_union': {
      const note = (issue as { note?: string }).note;
      if (note === 'No matching discriminator') {
        return `expected a valid ${String((issue as { discriminator?: string }).discriminator ?? 'type')}, found ${describeValue(input)}`;
      }
      return `${issue.message}, found ${describeValue(input)}`;
    }
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}, found ${describeValue(input)}`;
    default:
      return issue.message;
  }
}
