/**
 * A sweep plan: every grid point applied to the scenario document, validated, named and hashed,
 * before any run starts. Every invalid point is reported at once, each problem attributed to the
 * `--set` path (and value) that caused it.
 */
import { validateScenario, type LoadedScenario } from '../scenario/load.js';
import { ScenarioError, formatPath } from '../scenario/errors.js';
import type { Scenario } from '../scenario/schema.js';
import { selectMethods } from '../simulation/scenario.js';
import { CLIENT_COLUMNS, ROUND_COLUMNS, SUMMARY_COLUMNS } from '../output/records.js';
import { VERSION } from '../core/version.js';
import { UsageError } from '../core/errors.js';
import { applyAssignments, canonicalJson, expandGrid, isPrefix, runId, sha256, type Assignment, type Axis } from './grid.js';

export interface RunPlan {
  /** 0-based position in the grid (the order of every output). */
  index: number;
  runId: string;
  assignments: Assignment[];
  /** The scenario document with this point's values set. */
  raw: Record<string, unknown>;
  scenario: Scenario;
  /** sha256 of what determines this run's outputs: see `runHash`. */
  hash: string;
}

export interface SweepPlan {
  base: LoadedScenario;
  axes: Axis[];
  methods?: string[];
  runs: RunPlan[];
}

/**
 * What a run's outputs depend on: the modified document, its seed, the --methods filter, the airtune
 * version and the output columns. A finished run is reused only if this matches (see README).
 */
export function runHash(raw: unknown, seed: number, methods: readonly string[] | undefined): string {
  return sha256(
    canonicalJson({
      airtune: VERSION,
      scenario: raw,
      seed,
      methods: methods && methods.length > 0 ? [...methods].sort() : null,
      columns: { rounds: ROUND_COLUMNS, clients: CLIENT_COLUMNS, summary: SUMMARY_COLUMNS },
    }),
  );
}

function describePoint(point: readonly Assignment[]): string {
  return point.length === 0 ? '(the scenario as written)' : point.map(({ axis, value }) => `${axis.path}=${value.text}`).join(' ');
}

/**
 * A problem found after applying `point`, attributed to the --set whose path contains the problem
 * field or lies inside it (else to the whole point): `--set a.b=v: a.b.c: message`.
 */
export function blameSet(point: readonly Assignment[], path: readonly (string | number)[], message: string): string {
  const blamed = point.filter(({ axis }) => isPrefix(axis.segments, path) || (path.length > 0 && isPrefix(path, axis.segments)));
  const who = blamed.length > 0 ? blamed.map(({ axis, value }) => `${axis.path}=${value.text}`).join(' ') : describePoint(point);
  return `--set ${who}: ${formatPath(path)}: ${message}`;
}

export function planSweep(base: LoadedScenario, axes: Axis[], methods?: string[]): SweepPlan {
  const points = expandGrid(axes);
  const runs: RunPlan[] = [];
  const problems: string[] = [];
  const add = (line: string) => {
    if (!problems.includes(line)) problems.push(line);
  };
  points.forEach((point, index) => {
    const { doc: raw, errors } = applyAssignments(base.raw, point);
    for (const e of errors) add(e.message);
    let scenario: Scenario;
    try {
      scenario = validateScenario(raw, base.file, undefined, { baseDir: base.baseDir });
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      for (const p of e.problems) add(blameSet(point, p.path, p.message));
      return;
    }
    if (errors.length > 0) return;
    try {
      selectMethods(scenario, methods);
    } catch (e) {
      return add(`${(e as Error).message} (grid point ${describePoint(point)})`);
    }
    runs.push({
      index,
      runId: runId(index, points.length, point),
      assignments: point,
      raw,
      scenario,
      hash: runHash(raw, scenario.seed, methods),
    });
  });
  if (problems.length > 0) {
    const bad = points.length - runs.length;
    throw new UsageError(
      `${base.file}: ${bad} of ${points.length} sweep point${points.length === 1 ? '' : 's'} invalid, nothing was run:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return { base, axes, methods, runs };
}
