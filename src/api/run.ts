/**
 * The library's run: `runScenario(file or scenario object, options)` simulates a scenario as
 * `airtune run` does and returns its records; `writeOutputs(run, dir)` writes the same folder as
 * the command (CSVs, charts, report.html, meta.json), as a unit and under the same checks.
 *
 * The internal runner, src/simulation/scenario.ts `runScenario(loaded, opts)` (one replication of a
 * loaded scenario), stays as it is for airtune's own callers; this wraps it.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { compareRuns, type Comparison } from '../compare/index.js';
import { lockOutputFolder } from '../output/lock.js';
import { checkOutputFolder } from '../output/preflight.js';
import type { AtTimeRecord, ClientRecord, ReplicationSummaryRecord, RoundRecord, SummaryRecord } from '../output/records.js';
import { refuseForeign } from '../output/reuse.js';
import { runFiles, runMeta } from '../output/run-files.js';
import { recoverOutputFolder } from '../output/unit.js';
import { toJson, writeRunOutputs } from '../output/write.js';
import { validateScenario, type LoadedScenario } from '../scenario/load.js';
import type { Scenario, scenarioSchema } from '../scenario/schema.js';
import { selectMethods, type ScenarioRun } from '../simulation/scenario.js';
import { loadOverridden, overrideScenario, runOverrideSpecs, type Overridden } from '../sweep/override.js';
import { simulateRuns } from '../sweep/replicate.js';

/**
 * A scenario object as a scenario file holds it (before defaults and unit parsing): quantities as
 * "20 MHz" or SI numbers, distributions as "uniform(2 GB, 8 GB)". Fields the schema reads through
 * a quantity, a distribution or a method's own schema are `unknown` here; docs/scenario.schema.json
 * describes them.
 */
export type ScenarioInput = z.input<typeof scenarioSchema>;

export interface RunOptions {
  /**
   * Field overrides, as `airtune run --set`: `['network.bandwidth=5 MHz']` or
   * `{ 'network.bandwidth': '5 MHz' }` (one value each; a comma starts a sweep list, so quote
   * values with commas as in the command line).
   */
  set?: readonly string[] | Readonly<Record<string, string | number | boolean>>;
  /** The round cap (`--rounds`: `stop.rounds`, or `rounds` in files that still write it there). */
  rounds?: number;
  /** The seed (`--seed`). */
  seed?: number;
  /** Run only these methods (labels or ids; `--methods`). */
  methods?: string[];
  /** Replications (`--replications`); default the scenario's `replications`. */
  replications?: number;
  /** Worker threads for replications (default 2, at most the cores; 0 = one after another here). */
  workers?: number;
  /** Cache folder of calibrated rounds models (default output/.cache under the working folder). */
  cacheDir?: string;
  /** A scenario object only: the folder its relative paths (device file, data) are read from (default: the working folder). */
  baseDir?: string;
  /** A scenario object only: the name its problems are reported under (default "scenario object"). */
  file?: string;
  /** Called after every round of a single replication: method label, round, simulated time (s). */
  onRound?: (method: string, round: number, simTimeS: number) => void;
}

/** A finished run: the records `airtune run` writes, and what it compared. */
export interface Run {
  /** The scenario as run: defaults filled, overrides and seed applied, quantities in SI units. */
  scenario: Scenario;
  /** The scenario with its file (or object label), base folder, sha256 and raw document. */
  loaded: LoadedScenario;
  /** Each replication's seed (one entry without replications). */
  seeds: number[];
  /** rounds.csv, clients.csv, summary.csv, at_time.csv and replications.csv as typed records. */
  rounds: RoundRecord[];
  clients: ClientRecord[];
  summary: SummaryRecord[];
  atTime: AtTimeRecord[];
  replications: ReplicationSummaryRecord[];
  /** Each replication's own run (records, stop rules, rounds models, calibrations). */
  runs: ScenarioRun[];
  /** The comparison at equal simulated time behind at_time.csv, the findings and the charts. */
  comparison: Comparison;
  /** meta.json (`command` is null: the run was started from code). */
  meta: Record<string, unknown>;
  /** `--set` / `set` overrides applied: path -> value as given. */
  overrides: Record<string, string>;
}

export interface WriteOptions {
  /** Replace the folder even if it holds files airtune did not write (`--force`). */
  force?: boolean;
}

function isLoaded(x: object): x is LoadedScenario {
  return 'scenario' in x && 'raw' in x && 'hash' in x && 'baseDir' in x && 'file' in x;
}

/** A scenario object as if read from a file: validated, hashed by its JSON. */
function loadObject(raw: ScenarioInput | Record<string, unknown>, options: RunOptions): LoadedScenario {
  const file = options.file ?? 'scenario object';
  const scenario = validateScenario(raw, file);
  const hash = createHash('sha256').update(toJson(raw)).digest('hex');
  return { scenario, file, baseDir: resolve(options.baseDir ?? '.'), hash, raw };
}

function setSpecs(set: RunOptions['set']): string[] {
  if (set === undefined) return [];
  if (Array.isArray(set)) return [...(set as readonly string[])];
  return Object.entries(set as Record<string, string | number | boolean>).map(([path, value]) => `${path}=${String(value)}`);
}

/**
 * Simulate a scenario (a file path, a scenario object as a YAML file would hold it, or the result
 * of loadScenario) as `airtune run` does, and return its records. Bad input throws ScenarioError
 * or UsageError (the command's exit 2) naming the field.
 */
export async function runScenario(input: string | LoadedScenario | ScenarioInput | Record<string, unknown>, options: RunOptions = {}): Promise<Run> {
  if (input === null || (typeof input !== 'string' && typeof input !== 'object')) {
    throw new UsageError(`runScenario: expected a scenario file path or a scenario object, found ${input === null ? 'null' : typeof input}`);
  }
  const specsOf = (raw: unknown) => runOverrideSpecs({ set: setSpecs(options.set), rounds: options.rounds, seed: options.seed }, raw);
  const loadedInput = (): Overridden => {
    if (typeof input === 'string') return loadOverridden(input, specsOf);
    const base = isLoaded(input) ? input : loadObject(input, options);
    return overrideScenario(base, specsOf(base.raw));
  };
  const { loaded: overridden, overrides } = loadedInput();
  // Never change the caller's object: the seed is set on a copy.
  const loaded: LoadedScenario = options.seed === undefined ? overridden : { ...overridden, scenario: { ...overridden.scenario, seed: options.seed } };
  try {
    selectMethods(loaded.scenario, options.methods);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { runs, seeds } = await simulateRuns(loaded, {
    replications: options.replications ?? loaded.scenario.replications,
    workers: options.workers ?? 2,
    methods: options.methods,
    cacheDir: options.cacheDir,
    onRound: options.onRound,
  });
  const comparison = compareRuns(loaded.scenario, runs, seeds);
  const meta = runMeta(loaded, runs, comparison, { command: null, overrides });
  if (typeof input !== 'string' && !isLoaded(input)) meta.scenario_file = null;
  return {
    scenario: loaded.scenario,
    loaded,
    seeds,
    rounds: comparison.rounds,
    clients: comparison.clients,
    summary: comparison.summary,
    atTime: comparison.atTime,
    replications: comparison.replications,
    runs,
    comparison,
    meta,
    overrides,
  };
}

/**
 * Write a run's folder as `airtune run --out dir` does: rounds.csv, clients.csv, summary.csv,
 * at_time.csv, the charts, report.html and meta.json, all appearing together. A folder that holds
 * files airtune did not write is refused (OutputError) unless `force`. Returns the paths written.
 */
export async function writeOutputs(run: Run, dir: string, options: WriteOptions = {}): Promise<string[]> {
  const outDir = checkOutputFolder(dir, [run.loaded.file, process.cwd()]);
  const files = await runFiles(run.loaded, run.comparison, run.meta);
  const release = lockOutputFolder(outDir, `writeOutputs (${run.scenario.name})`);
  try {
    recoverOutputFolder(outDir);
    if (!options.force) refuseForeign(outDir, 'move them away, choose another folder, or pass { force: true } to delete them with the old outputs');
    return writeRunOutputs(outDir, files.outputs, files.extra);
  } finally {
    release();
  }
}
