import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { runScenario, selectMethods, type ScenarioRun } from '../simulation/scenario.js';
import { writeRunOutputs } from '../output/write.js';
import { formatAtTime, formatSummary, setupNotes, sourcesLine } from '../output/console.js';
import { buildMeta, type MetaInvocation } from '../output/meta.js';
import { standardCharts } from '../output/plots.js';
import { renderReport } from '../output/report.js';
import { findings } from '../output/findings.js';
import { toCsv } from '../output/csv.js';
import { AT_TIME_COLUMNS, REPLICATION_COLUMNS } from '../output/records.js';
import { checkOutputFolder } from '../output/preflight.js';
import { lockOutputFolder } from '../output/lock.js';
import { foreignEntries, readManifest, recoverOutputFolder } from '../output/unit.js';
import { OutputError } from '../output/errors.js';
import { relativeCommand } from '../output/provenance.js';
import { compareRuns, lossBand } from '../compare/index.js';
import { overrideScenario, setPath, roundsPath } from '../sweep/override.js';
import { runReplications } from '../sweep/replicate.js';
import { defaultWorkers } from '../sweep/sweep.js';
import { UsageError } from './errors.js';
import { Progress, progressMode, runFraction, type Clock, type ProgressStream } from '../progress/progress.js';
import { stopRulesFor } from '../simulation/stop.js';

export interface RunFlags {
  out?: string;
  seed?: number;
  methods?: string[];
  quiet?: boolean;
  /** `--set path=value`, repeatable: one value each (same syntax as `sweep --set`). */
  set?: string[];
  /** `--rounds N`: shorthand for `--set rounds=N`. */
  rounds?: number;
  /** Overrides the scenario's `replications`. */
  replications?: number;
  /** Worker threads for replications (default min(2, cores)); 0 = one after another in-process. */
  workers?: number;
  /** Cache folder of calibrated rounds models (default output/.cache). */
  cacheDir?: string;
  /** Replace the output folder even if it holds files airtune did not write. */
  force?: boolean;
  /** The command-line arguments after `airtune`, e.g. ['run', 'x.yaml'] (recorded in meta.json). */
  command?: string[];
  /** Where progress goes (default stderr) and its clock (tests inject both). */
  progress?: { stream?: ProgressStream; clock?: Clock };
}

/** The run's `--set` list, with --rounds as one more (a path given twice is a usage error). */
function overrideSpecs(flags: RunFlags, raw: unknown): string[] {
  const specs = [...(flags.set ?? [])];
  const given = (path: string) => specs.some((s) => setPath(s) === path);
  if (flags.rounds !== undefined) {
    const path = roundsPath(raw);
    if (given(path)) throw new UsageError(`--rounds and --set ${path}=... are both given; use one`);
    specs.push(`${path}=${flags.rounds}`);
  }
  if (flags.seed !== undefined && given('seed')) throw new UsageError('--seed and --set seed=... are both given; use one');
  return specs;
}

/**
 * The files an airtune from before output manifests (0.1.0) wrote in a run folder. A folder
 * without a manifest whose meta.json is airtune's is such a folder: these names in it are
 * airtune's own, so upgrading does not turn every earlier output folder into a refusal.
 */
const LEGACY_RUN_FILES = [
  'rounds.csv', 'clients.csv', 'summary.csv', 'meta.json', 'report.html',
  'loss_vs_time.svg', 'round_latency.svg', 'bytes_per_round.svg', 'time_by_method.svg',
];

function isLegacyRunFolder(dir: string): boolean {
  if (readManifest(dir) !== null) return false;
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
    return typeof meta.airtune === 'string' && typeof meta.scenario_sha256 === 'string';
  } catch {
    return false;
  }
}

/** Stop before simulating if the folder holds files airtune did not write (unless --force). */
function refuseForeign(outDir: string): void {
  const legacy = isLegacyRunFolder(outDir);
  const foreign = foreignEntries(outDir).filter((n) => !(legacy && LEGACY_RUN_FILES.includes(n)));
  if (foreign.length === 0) return;
  const shown = foreign.slice(0, 10).join(', ') + (foreign.length > 10 ? ` and ${foreign.length - 10} more` : '');
  throw new OutputError(
    `${outDir} holds ${foreign.length === 1 ? 'an entry' : `${foreign.length} entries`} airtune did not write: ${shown}. ` +
      'A run replaces the whole folder; move them away, choose another --out, or pass --force to delete them with the old outputs',
  );
}

export async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const base = loadScenario(file);
  const { loaded, overrides } = overrideScenario(base, overrideSpecs(flags, base.raw));
  if (flags.seed !== undefined) loaded.scenario.seed = flags.seed;
  const s = loaded.scenario;
  let methods;
  try {
    methods = selectMethods(s, flags.methods);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // Everything about the output folder is checked before the simulation, not after it.
  const outDir = checkOutputFolder(flags.out ?? join('output', s.name), [file, process.cwd()]);
  const command = flags.command ? relativeCommand(flags.command) : null;
  const release = lockOutputFolder(outDir, command?.join(' ') ?? `airtune run ${file}`);
  try {
    recoverOutputFolder(outDir); // finish or clear what a killed run left before judging the folder
    if (!flags.force) refuseForeign(outDir);
    await simulateAndWrite(loaded, methods, outDir, flags, { command, overrides });
  } finally {
    release();
  }
}

/** Simulate, render, and write the whole output set into `outDir` (its lock held by the caller). */
async function simulateAndWrite(
  loaded: LoadedScenario,
  methods: ReturnType<typeof selectMethods>,
  outDir: string,
  flags: RunFlags,
  how: MetaInvocation,
): Promise<void> {
  const s = loaded.scenario;
  const replications = flags.replications ?? s.replications;
  const stream = flags.progress?.stream ?? process.stderr;
  const progress = new Progress(`airtune run ${s.name}`, { mode: progressMode(stream, flags.quiet), stream, clock: flags.progress?.clock });
  let runs: ScenarioRun[] = [];
  let seeds: number[] = [];
  try {
    if (replications === 1) {
      const caps = methods.map((m) => stopRulesFor(s, m));
      progress.report(0, `${methods[0]?.label ?? ''} round 0`);
      const run = await runScenario(loaded, {
        methods: flags.methods,
        cacheDir: flags.cacheDir,
        onRound: (method, round, simTimeS) => {
          const i = Math.max(0, methods.findIndex((m) => m.label === method));
          progress.report(runFraction(caps, i, round, simTimeS), `${method} round ${round} (method ${i + 1}/${methods.length})`);
        },
      });
      progress.done(`${methods.length} method${methods.length === 1 ? '' : 's'}`);
      runs = [run];
      seeds = [s.seed];
    } else {
      progress.report(0, `0/${replications} replications`);
      let done = 0;
      ({ runs, seeds } = await runReplications(
        loaded,
        { replications, workers: flags.workers ?? defaultWorkers(), methods: flags.methods, cacheDir: flags.cacheDir },
        { onDone: () => progress.report(++done / replications, `${done}/${replications} replications`) },
      ));
      progress.done();
    }
  } catch (e) {
    progress.clear(); // the error message starts on a clean line
    throw e;
  }
  const c = compareRuns(s, runs, seeds);
  const first = c.first;
  const meta = buildMeta(loaded, { ...first, eventsProcessed: runs.reduce((a, r) => a + r.eventsProcessed, 0), seeds, compareTimes: c.times }, how);
  const target = c.summary.find((x) => x.target_test_loss !== null)?.target_test_loss ?? null;
  // Per-round charts show the first replication; the loss chart the mean and band over all.
  const charts = await standardCharts(first.rounds, first.timingModel, c.summary, { target, band: lossBand(c) });
  const notes = findings(c);
  const setup = setupNotes(c);
  const report = renderReport({
    title: `airtune: ${s.name}`,
    description: s.description,
    meta,
    summary: c.summary,
    charts,
    findings: notes,
    atTime: { rows: c.atTime, times: c.times },
    notes: setup,
  });
  const files = writeRunOutputs(outDir, { rounds: c.rounds, clients: c.clients, summary: c.summary, meta }, [
    ['at_time.csv', toCsv(c.atTime, AT_TIME_COLUMNS)],
    ...(c.replications.length > 0 ? [['replications.csv', toCsv(c.replications, REPLICATION_COLUMNS)] as [string, string]] : []),
    ...charts.map((ch): [string, string] => [ch.file, ch.svg]),
    ['report.html', report],
  ]);
  if (!flags.quiet) {
    process.stdout.write(`\nairtune: scenario "${s.name}" (seed ${s.seed}), timing model: ${first.timingModel}\n`);
    for (const line of setup) process.stdout.write(`${line}\n`);
    process.stdout.write(`\n${formatSummary(c.summary)}\n${sourcesLine(c.summary)}\n\n`);
    const at = formatAtTime(c.atTime, c.times);
    if (at) process.stdout.write(`${at}\n\n`);
    for (const f of notes) process.stdout.write(`${f}\n`);
    if (notes.length) process.stdout.write('\n');
    process.stdout.write(`wrote ${files.length} files to ${outDir}\n`);
  }
}
