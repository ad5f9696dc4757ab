/**
 * One sweep run, start to finish: run the modified scenario and write its folder. The same code
 * runs in a worker thread or in-process, so results do not depend on the worker count.
 *
 * Crash safety: the run's files and done.json are written as one unit (writeRunOutputs, unit.ts):
 * the run folder holds the complete previous run or the complete new one, never a mix. A folder
 * without a done.json matching the run's hash is stale and gets redone on resume.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { validateScenario, type LoadedScenario } from '../scenario/load.js';
import { runScenario, type ScenarioRun } from '../simulation/scenario.js';
import { buildMeta } from '../output/meta.js';
import { toJson, writeRunOutputs } from '../output/write.js';

export const DONE_FILE = 'done.json';
export const RUN_FILES = ['rounds.csv', 'clients.csv', 'summary.csv', 'meta.json'] as const;

/** Everything a worker needs for one run (structured-clonable: plain data only). */
export interface RunTask {
  runId: string;
  /** The run's folder: <out>/runs/<run-id>. */
  dir: string;
  raw: Record<string, unknown>;
  /** Swept path -> value as given, recorded in meta.json and done.json. */
  assignments: Record<string, string>;
  hash: string;
  methods?: string[];
  /** The base scenario file, its folder (relative paths inside it) and its sha256. */
  file: string;
  baseDir: string;
  fileHash: string;
  /** The sweep's command line (relative paths), recorded in meta.json; null if not from the CLI. */
  command?: string[] | null;
  /** Return the run's records instead of writing its folder (replications, src/sweep/replicate.ts). */
  collect?: boolean;
  /** Replication number written in the records (collect). */
  replication?: number;
  /** Calibration cache folder (roundsModel: calibrated). */
  cacheDir?: string;
}

export interface DoneMarker {
  run_id: string;
  sha256: string;
  assignments: Record<string, string>;
  files: string[];
}

export interface RunDone {
  runId: string;
  rounds: number;
  eventsProcessed: number;
  /** The run's records (tasks with `collect`). */
  result?: ScenarioRun;
}

/** True if `dir` holds a finished run with this hash (done.json matches and its files exist). */
export function isDone(dir: string, hash: string): boolean {
  let marker: DoneMarker;
  try {
    marker = JSON.parse(readFileSync(join(dir, DONE_FILE), 'utf8')) as DoneMarker;
  } catch {
    return false;
  }
  return marker.sha256 === hash && Array.isArray(marker.files) && marker.files.every((f) => existsSync(join(dir, f)));
}

/**
 * The run's done.json, written in the same unit as its files (output/unit.ts), so a folder with a
 * done.json always holds the run whole (also for runs computed elsewhere: queue.ts).
 */
export function doneFile(task: Pick<RunTask, 'runId' | 'hash' | 'assignments'>): [string, string] {
  const marker: DoneMarker = { run_id: task.runId, sha256: task.hash, assignments: task.assignments, files: [...RUN_FILES] };
  return [DONE_FILE, toJson(marker)];
}

export async function executeRun(task: RunTask): Promise<RunDone> {
  const loaded: LoadedScenario = {
    scenario: validateScenario(task.raw, task.file),
    file: task.file,
    baseDir: task.baseDir,
    hash: task.fileHash,
    raw: task.raw,
  };
  // Runs already go in parallel across sweep workers: train in-process inside each run rather than
  // start a training pool per run (results do not depend on the worker count).
  if (isMainThread === false && loaded.scenario.training?.source === 'proxy') loaded.scenario.training.workers = 0;
  const result = await runScenario(loaded, { methods: task.methods, replication: task.replication, cacheDir: task.cacheDir });
  if (task.collect) return { runId: task.runId, rounds: result.rounds.length, eventsProcessed: result.eventsProcessed, result };
  const meta = {
    ...buildMeta(loaded, result, { command: task.command ?? null }),
    sweep_run_id: task.runId,
    sweep_run_sha256: task.hash,
    sweep_assignments: task.assignments,
  };
  // The sweep holds the lock of the folder above runs/ (sweep.ts), so no lock is taken per run.
  writeRunOutputs(task.dir, { ...result, meta }, [doneFile(task)]);
  return { runId: task.runId, rounds: result.rounds.length, eventsProcessed: result.eventsProcessed };
}
