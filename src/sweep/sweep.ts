/**
 * `airtune sweep`: run a scenario over a grid of `--set path=v1,v2,...` values, in a worker pool,
 * resumable. Layout of the output folder (see README.md in this folder):
 *   sweep.json                  the grid: axes, run ids, their hashes and assignments
 *   runs/<run-id>/              rounds.csv, clients.csv, summary.csv, meta.json, done.json
 *   sweep_rounds.csv            run x method x round, swept columns first
 *   sweep_summary.csv           run x method, swept columns first
 * One sweep at a time per folder (lock.ts); each run folder, and the top-level files together, are
 * written as a unit (unit.ts), so a killed sweep leaves complete runs and the previous tables.
 */
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { scenarioWarnings } from '../scenario/warnings.js';
import { formatProblem } from '../scenario/errors.js';
import { toJson } from '../output/write.js';
import { checkOutputFolder } from '../output/preflight.js';
import { lockOutputFolder } from '../output/lock.js';
import { MANIFEST, isAtomicTemp, readManifest, recoverOutputFolder, recoverOutputFolders, writeOutputUnit, type OutputFile } from '../output/unit.js';
import { environmentInfo, relativeCommand, stableScenarioPath } from '../output/provenance.js';
import { VERSION } from '../core/version.js';
import { parseSets } from './grid.js';
import { parse } from 'csv-parse/sync';
import { renderSvg, specFile, specJson, sweepSpec } from '../output/plots.js';
import { planSweep, type RunPlan, type SweepPlan } from './plan.js';
import { isDone, type RunTask } from './execute.js';
import { runTasks, type PoolEvents } from './pool.js';
import { sweptColumns, tidyTable, type AssembledRun } from './assemble.js';
import { siColumns } from './si.js';
import { parseRedisUrl } from './redis-url.js';
import { UsageError } from '../core/errors.js';
import { Progress, formatDuration, progressMode, systemClock, type Clock, type ProgressStream } from '../progress/progress.js';
// Types only: queue.ts (and bullmq) load only when --queue is given.
import type { QueueEvents } from './queue.js';

export interface SweepFlags {
  /** `--set path=v1,v2,...`, repeatable. */
  set?: string[];
  out?: string;
  /** Worker threads; 0 runs in-process. Default min(2, available cores). */
  workers?: number;
  methods?: string[];
  quiet?: boolean;
  /** The command-line arguments after `airtune` (recorded in sweep.json and meta.json). */
  command?: string[];
  /** `redis://host:port[/db]`: send the runs to `airtune worker`s through this Redis (queue.ts). */
  queue?: string;
  /** Where progress goes (default stderr) and its clock (tests inject both). */
  progress?: { stream?: ProgressStream; clock?: Clock };
}

export interface SweepEvents extends PoolEvents, QueueEvents {
  /** After planning: grid size and how many runs are already done (skipped). */
  onPlan?: (total: number, skipped: number) => void;
  /** The scenario file as loaded, before its grid is applied (the command prints its warnings). */
  onScenario?: (loaded: LoadedScenario) => void;
}

export interface SweepResult {
  outDir: string;
  /** Every grid point in order. */
  runs: { runId: string; assignments: Record<string, string> }[];
  /** Run ids computed by this call, and those reused from a previous call (done.json matched). */
  executed: string[];
  skipped: string[];
  files: string[];
}

export function defaultWorkers(): number {
  return Math.min(2, availableParallelism());
}

/** commander parser for --workers. */
export function workersArg(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a non-negative integer number of workers, found "${value}"`);
  }
  return Number(value);
}

/** commander collector for the repeatable --set. */
export function collectArg(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function assignmentsOf(run: RunPlan): Record<string, string> {
  return Object.fromEntries(run.assignments.map(({ axis, value }) => [axis.path, value.text]));
}

function describeGrid(plan: SweepPlan, command: string[] | null): Record<string, unknown> {
  const base = plan.base;
  const columns = sweptColumns(plan.axes);
  const si = siColumns(plan.axes, columns);
  return {
    airtune: VERSION,
    scenario: base.scenario.name,
    scenario_file: stableScenarioPath(base.file),
    scenario_sha256: base.hash,
    methods: plan.methods && plan.methods.length > 0 ? plan.methods : null,
    axes: plan.axes.map((a, k) => ({
      path: a.path,
      column: columns[k],
      values: a.values.map((v) => v.text),
      ...(si[k] ? { si_column: si[k]!.column, si_unit: si[k]!.unit } : {}),
    })),
    runs: plan.runs.map((r) => ({ run_id: r.runId, sha256: r.hash, assignments: assignmentsOf(r) })),
    environment: environmentInfo(),
    command,
  };
}

/**
 * What the top-level swap carries over from the current folder: everything but the files airtune
 * wrote there last time (its manifest) and the ones it writes now, i.e. `runs/` and anything the
 * user put there. The sweep folder is a resumable workspace: nothing in it is deleted unasked.
 */
function entriesToKeep(outDir: string, writing: readonly OutputFile[]): string[] {
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return [];
  }
  const replaced = new Set([MANIFEST, ...(readManifest(outDir)?.files ?? []), ...writing.map((f) => f.name)].map((f) => f.split('/')[0]!));
  return names.filter((n) => !replaced.has(n) && !isAtomicTemp(n)).sort();
}

/** Plan, validate every point, run what is not done yet, assemble the tidy CSVs. */
export async function runSweep(file: string, flags: SweepFlags, events: SweepEvents = {}): Promise<SweepResult> {
  if (flags.queue !== undefined) {
    parseRedisUrl(flags.queue);
    if (flags.workers !== undefined) throw new UsageError('--workers sets threads on this machine; with --queue the runs go to airtune workers (set their --concurrency instead)');
  }
  // The files each point points to are checked when the plan validates it (after its --set values).
  const loaded = loadScenario(file, { fileChecks: false });
  events.onScenario?.(loaded);
  // --set wins; without it, the scenario's own `sweep:` grid (values quoted for the --set parser).
  const fromFile = Object.entries(loaded.scenario.sweep ?? {}).map(
    ([path, values]) => `${path}=${values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(',')}`,
  );
  const axes = parseSets(flags.set && flags.set.length > 0 ? flags.set : fromFile);
  const plan = planSweep(loaded, axes, flags.methods);
  const outDir = checkOutputFolder(flags.out ?? join('output', `${loaded.scenario.name}-sweep`), [file, process.cwd()]);
  const command = flags.command ? relativeCommand(flags.command) : null;
  const release = lockOutputFolder(outDir, command?.join(' ') ?? `airtune sweep ${file}`);
  try {
    return await sweepLocked(loaded, plan, outDir, flags, command, events);
  } finally {
    release();
  }
}

async function sweepLocked(
  loaded: LoadedScenario,
  plan: SweepPlan,
  outDir: string,
  flags: SweepFlags,
  command: string[] | null,
  events: SweepEvents,
): Promise<SweepResult> {
  const runsDir = join(outDir, 'runs');
  // Finish or clear what a killed sweep left: the top-level swap, then any run folder's.
  recoverOutputFolder(outDir);
  recoverOutputFolders(runsDir);

  const skipped: string[] = [];
  const tasks: RunTask[] = [];
  for (const run of plan.runs) {
    const dir = join(runsDir, run.runId);
    if (isDone(dir, run.hash)) {
      skipped.push(run.runId);
      continue;
    }
    tasks.push({
      runId: run.runId,
      dir,
      raw: run.raw,
      assignments: assignmentsOf(run),
      hash: run.hash,
      methods: flags.methods,
      file: loaded.file,
      baseDir: loaded.baseDir,
      fileHash: loaded.hash,
      command,
    });
  }
  events.onPlan?.(plan.runs.length, skipped.length);
  await (flags.queue !== undefined
    ? (await import('./queue.js')).runTasksOnQueue(tasks, { url: flags.queue, scenario: loaded.scenario.name, outDir }, events)
    : runTasks(tasks, flags.workers ?? defaultWorkers(), events));

  const assembled: AssembledRun[] = plan.runs.map((r) => ({ runId: r.runId, dir: join(runsDir, r.runId), assignments: assignmentsOf(r) }));
  const summaryCsv = tidyTable(assembled, plan.axes, 'summary.csv');
  const top: OutputFile[] = [
    { name: 'sweep_rounds.csv', data: tidyTable(assembled, plan.axes, 'rounds.csv') },
    { name: 'sweep_summary.csv', data: summaryCsv },
    { name: 'sweep.json', data: toJson(describeGrid(plan, command)) },
  ];
  const columns = sweptColumns(plan.axes);
  if (columns.length > 0) {
    const spec = sweepSpec(parse(summaryCsv, { columns: true }) as Record<string, string>[], columns[0]!, columns[1]);
    top.push({ name: 'sweep_time.svg', data: await renderSvg(spec) }, { name: specFile('sweep_time.svg'), data: specJson(spec) });
  }
  const files = writeOutputUnit(outDir, top, { keep: entriesToKeep(outDir, top) });
  return {
    outDir,
    runs: assembled.map(({ runId, assignments }) => ({ runId, assignments })),
    executed: tasks.map((t) => t.runId),
    skipped,
    files,
  };
}

/**
 * The CLI command: progress on stderr (src/progress: a line redrawn on a TTY, a heartbeat every
 * 30 s otherwise): runs done / total with the overall ETA, and each run in flight with its elapsed
 * time and, once runs have finished, its expected time left (their mean duration); a short report.
 */
export async function sweepCommand(file: string, flags: SweepFlags): Promise<SweepResult> {
  const stream = flags.progress?.stream ?? process.stderr;
  const clock = flags.progress?.clock ?? systemClock;
  let progress: Progress | null = null;
  const started = new Map<string, number>();
  let total = 0;
  let done = 0;
  let computed = 0;
  let computedMs = 0;
  const report = () => {
    if (!progress) return;
    const now = clock.now();
    const mean = computed > 0 ? computedMs / computed : NaN;
    const running = [...started].map(([id, t0]) => {
      const el = now - t0;
      return `${id} ${formatDuration(el)}${Number.isFinite(mean) ? `, ~${formatDuration(Math.max(0, mean - el))} left` : ''}`;
    });
    progress.report(total > 0 ? done / total : 0, `${done}/${total} runs${running.length ? ` | running ${running.join('; ')}` : ''}`);
  };
  let result: SweepResult;
  try {
    result = await runSweep(file, flags, {
      // The scenario's warnings (src/scenario/warnings.ts), as validate and run print them.
      onScenario: (loaded) => {
        for (const w of scenarioWarnings(loaded)) process.stderr.write(`${loaded.file}: warning: ${formatProblem(w)}\n`);
      },
      onPlan: (n, skipped) => {
        total = n;
        done = skipped;
        progress = new Progress(`airtune sweep ${file}`, { mode: progressMode(stream, flags.quiet), stream, clock });
        report();
      },
      onStart: (runId) => {
        started.set(runId, clock.now());
        report();
      },
      onDone: ({ runId }) => {
        const t0 = started.get(runId);
        if (t0 !== undefined) {
          computed++;
          computedMs += clock.now() - t0;
        }
        started.delete(runId);
        done++;
        report();
      },
      onQueued: (queue, server, runs) => {
        if (!flags.quiet) process.stdout.write(`airtune sweep: ${runs} run${runs === 1 ? '' : 's'} on queue ${queue} at ${server}, waiting for airtune workers\n`);
      },
      onNotice: (text) => {
        (progress as Progress | null)?.clear();
        process.stderr.write(`airtune sweep: ${text}\n`);
      },
    });
    (progress as Progress | null)?.done(`${done}/${total} runs`);
  } catch (e) {
    (progress as Progress | null)?.clear();
    throw e;
  }
  if (!flags.quiet) {
    const { runs, executed, skipped, outDir } = result;
    process.stdout.write(`\nairtune sweep: ${runs.length} run${runs.length === 1 ? '' : 's'}: ${executed.length} computed, ${skipped.length} skipped (already done, done.json matches)\n`);
    process.stdout.write(`wrote sweep_rounds.csv, sweep_summary.csv, sweep.json and runs/ to ${outDir}\n`);
  }
  return result;
}
