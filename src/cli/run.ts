import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { loadScenario } from '../scenario/load.js';
import { runScenario, selectMethods, type ScenarioRun } from '../simulation/scenario.js';
import { writeRunOutputs } from '../output/write.js';
import { formatAtTime, formatSummary, setupNotes, sourcesLine } from '../output/console.js';
import { buildMeta } from '../output/meta.js';
import { standardCharts } from '../output/plots.js';
import { renderReport } from '../output/report.js';
import { findings } from '../output/findings.js';
import { toCsv } from '../output/csv.js';
import { AT_TIME_COLUMNS, REPLICATION_COLUMNS } from '../output/records.js';
import { compareRuns, lossBand } from '../compare/index.js';
import { runReplications } from '../sweep/replicate.js';
import { defaultWorkers } from '../sweep/sweep.js';
import { UsageError } from './errors.js';

export interface RunFlags {
  out?: string;
  seed?: number;
  methods?: string[];
  quiet?: boolean;
  /** Overrides the scenario's `replications`. */
  replications?: number;
  /** Worker threads for replications (default min(2, cores)); 0 = one after another in-process. */
  workers?: number;
  /** Cache folder of calibrated rounds models (default output/.cache). */
  cacheDir?: string;
}

export async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const loaded = loadScenario(file);
  if (flags.seed !== undefined) loaded.scenario.seed = flags.seed;
  const s = loaded.scenario;
  let methods;
  try {
    methods = selectMethods(s, flags.methods);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const replications = flags.replications ?? s.replications;
  const outDir = resolve(flags.out ?? `output/${s.name}`);
  const showBar = !flags.quiet && process.stderr.isTTY === true;
  let runs: ScenarioRun[];
  let seeds: number[];
  if (replications === 1) {
    const bar = showBar
      ? new cliProgress.SingleBar({ format: 'airtune {bar} {value}/{total} methods | {method} round {round}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
    bar?.start(methods.length, 0, { method: methods[0]?.label ?? '', round: 0 });
    let current = methods[0]?.label;
    let done = 0;
    const run = await runScenario(loaded, {
      methods: flags.methods,
      cacheDir: flags.cacheDir,
      onRound: (method, round) => {
        if (method !== current) {
          current = method;
          done++;
        }
        bar?.update(done, { method, round });
      },
    });
    bar?.update(methods.length);
    bar?.stop();
    runs = [run];
    seeds = [s.seed];
  } else {
    const bar = showBar
      ? new cliProgress.SingleBar({ format: 'airtune {bar} {value}/{total} replications', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
    bar?.start(replications, 0);
    let done = 0;
    try {
      ({ runs, seeds } = await runReplications(
        loaded,
        { replications, workers: flags.workers ?? defaultWorkers(), methods: flags.methods, cacheDir: flags.cacheDir },
        { onDone: () => bar?.update(++done) },
      ));
    } finally {
      bar?.stop();
    }
  }
  const c = compareRuns(s, runs, seeds);
  const first = c.first;
  const meta = buildMeta(loaded, { ...first, eventsProcessed: runs.reduce((a, r) => a + r.eventsProcessed, 0), seeds, compareTimes: c.times });
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
