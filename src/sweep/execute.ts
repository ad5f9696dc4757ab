/**
 * One sweep run, start to finish: run the modified scenario and write its folder. The same code
 * runs in a worker thread or in-process, so results do not depend on the worker count.
 *
 * Crash safety: the folder is cleared first, every file is written under a temporary name and
 * renamed (writeRunOutputs), and done.json is written LAST. A folder without a matching done.json
 * is therefore partial or stale and gets redone on resume.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { validateScenario, type LoadedScenario } from '../scenario/load.js';
import { runScenario } from '../simulation/scenario.js';
import { buildMeta } from '../output/meta.js';
import { toJson, writeRunOutputs } from '../output/write.js';
import { writeFileAtomic } from '../output/atomic.js';

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

/** Write done.json, LAST, once the run's files are in its folder (also for runs computed elsewhere: queue.ts). */
export function markDone(task: Pick<RunTask, 'runId' | 'dir' | 'hash' | 'assignments'>): void {
  const marker: DoneMarker = { run_id: task.runId, sha256: task.hash, assignments: task.assignments, files: [...RUN_FILES] };
  writeFileAtomic(join(task.dir, DONE_FILE), toJson(marker));
}

export async function executeRun(task: RunTask): Promise<RunDone> {
  rmSync(task.dir, { recursive: true, force: true });
  const loaded: LoadedScenario = {
    scenario: validateScenario(task.raw, task.file),
    file: task.file,
    baseDir: task.baseDir,
    hash: task.fileHash,
    raw: task.raw,
  };
  // Runs already go in parallel across sweep workers: train in-process inside each run rather than
  // start a training pool per run (results do not depend on the worker count).
  if (isMainThread === false && loaded.scenario.training) loaded.scenario.training.workers = 0;
  const result = await runScenario(loaded, { methods: task.methods });
  const meta = {
    ...buildMeta(loaded, result),
    sweep_run_id: task.runId,
    sweep_run_sha256: task.hash,
    sweep_assignments: task.assignments,
  };
  writeRunOutputs(task.dir, { ...result, meta });
  markDone(task);
  return { runId: task.runId, rounds: result.rounds.length, eventsProcessed: result.eventsProcessed };
}
