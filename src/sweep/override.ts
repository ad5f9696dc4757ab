/**
 * `airtune run --set path=value` (and `--rounds N`): the scenario file with single values set
 * through the sweep's dotted-path setter (grid.ts: parseSets, applyAssignments -> setIn, same
 * syntax and checks as `sweep --set`), validated again, each problem blamed on the --set behind it.
 */
import { loadScenario, validateScenario, type LoadedScenario } from '../scenario/load.js';
import { ScenarioError } from '../scenario/errors.js';
import { UsageError } from '../core/errors.js';
import { applyAssignments, parseSets, type Assignment } from './grid.js';
import { blameSet } from './plan.js';

/**
 * The scenario field `run --rounds N` sets: the round cap of the stop rules (`stop.rounds`), or the
 * older top-level `rounds` when the file still writes it there (both at once is a validation error).
 */
export function roundsPath(raw: unknown): 'rounds' | 'stop.rounds' {
  return raw !== null && typeof raw === 'object' && 'rounds' in raw ? 'rounds' : 'stop.rounds';
}

/** The dotted path of a `--set path=...` argument, as given. */
export function setPath(spec: string): string {
  const eq = spec.indexOf('=');
  return (eq < 0 ? spec : spec.slice(0, eq)).trim();
}

/**
 * A run's `--set` list, with `--rounds N` as one more (a path given twice is a usage error; so is
 * `--seed` beside `--set seed=...`). The library's runScenario({ set, rounds, seed }) uses it too.
 */
export function runOverrideSpecs(o: { set?: readonly string[]; rounds?: number; seed?: number }, raw: unknown): string[] {
  const specs = [...(o.set ?? [])];
  const given = (path: string) => specs.some((s) => setPath(s) === path);
  if (o.rounds !== undefined) {
    const path = roundsPath(raw);
    if (given(path)) throw new UsageError(`--rounds and --set ${path}=... are both given; use one`);
    specs.push(`${path}=${o.rounds}`);
  }
  if (o.seed !== undefined && given('seed')) throw new UsageError('--seed and --set seed=... are both given; use one');
  return specs;
}

export interface Overridden {
  loaded: LoadedScenario;
  /** Path -> value as given, in --set order (recorded in meta.json). */
  overrides: Record<string, string>;
}

/**
 * Load `file` and apply the `--set` specs `specsOf(raw)` gives: the files the scenario points to
 * are checked once, after the overrides, so `--set training.data.path=...` can fix a missing one.
 */
export function loadOverridden(file: string, specsOf: (raw: unknown) => string[]): Overridden {
  const base = loadScenario(file, { fileChecks: false });
  const specs = specsOf(base.raw);
  if (specs.length > 0) return overrideScenario(base, specs);
  return { loaded: { ...base, scenario: validateScenario(base.raw, file, base.lineOf, { baseDir: base.baseDir }) }, overrides: {} };
}

/** `base` with every `--set path=value` applied (one value each) and validated. */
export function overrideScenario(base: LoadedScenario, specs: readonly string[]): Overridden {
  if (specs.length === 0) return { loaded: base, overrides: {} };
  const axes = parseSets(specs);
  for (const a of axes) {
    if (a.values.length !== 1) {
      throw new UsageError(
        `--set ${a.path}: run takes one value per path, found ${a.values.length} (${a.values.map((v) => v.text).join(', ')}); use airtune sweep to run each of them`,
      );
    }
  }
  const point: Assignment[] = axes.map((axis) => ({ axis, value: axis.values[0]! }));
  const { doc, errors } = applyAssignments(base.raw, point);
  if (errors.length > 0) throw new UsageError(errors.map((e) => e.message).join('\n'));
  let scenario;
  try {
    // With the files the overridden scenario points to (a --set may change training.data.path).
    scenario = validateScenario(doc, base.file, undefined, { baseDir: base.baseDir });
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    const lines = [...new Set(e.problems.map((p) => blameSet(point, p.path, p.message)))];
    throw new UsageError(`${base.file}: ${lines.length} problem${lines.length === 1 ? '' : 's'} after --set:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
  }
  return {
    loaded: { ...base, scenario, raw: doc },
    overrides: Object.fromEntries(point.map(({ axis, value }) => [axis.path, value.text])),
  };
}
