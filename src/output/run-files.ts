/**
 * What a run's folder holds besides what the simulation computed: meta.json, the tidy CSVs, the
 * charts and report.html, and the console's findings. `airtune run` and the library's
 * writeOutputs (src/api/run.ts) both write this set, so code and command give the same files.
 */
import type { Comparison } from '../compare/index.js';
import { lossBand } from '../compare/index.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { ScenarioRun } from '../simulation/scenario.js';
import { setupNotes } from './console.js';
import { toCsv } from './csv.js';
import { findings } from './findings.js';
import { buildMeta, type MetaInvocation } from './meta.js';
import { chartFiles, standardCharts } from './plots.js';
import type { GanttChoice } from './client-charts.js';
import { AT_TIME_COLUMNS, REPLICATION_COLUMNS } from './records.js';
import { renderReport } from './report.js';
import type { RunOutputs } from './write.js';

/** meta.json of a run made of `runs` (one per replication, seeds `seeds`). */
export function runMeta(loaded: LoadedScenario, runs: readonly ScenarioRun[], c: Comparison, how: MetaInvocation): Record<string, unknown> {
  const eventsProcessed = runs.reduce((a, r) => a + r.eventsProcessed, 0);
  return buildMeta(loaded, { ...c.first, eventsProcessed, seeds: c.seeds, compareTimes: c.times }, how);
}

export interface RunFiles {
  /** rounds.csv, clients.csv, summary.csv and meta.json (write.ts: writeRunOutputs). */
  outputs: RunOutputs;
  /** The files beside them, [name, content]: at_time.csv, replications.csv, charts, report.html. */
  extra: [string, string | Uint8Array][];
  /** The findings (console and report) and the setup notes (stop rules, rounds model). */
  findings: string[];
  setup: string[];
}

/** Render a run's charts and report: the whole file set of its output folder. */
export async function runFiles(loaded: LoadedScenario, c: Comparison, meta: Record<string, unknown>, opts: { gantt?: GanttChoice } = {}): Promise<RunFiles> {
  const s = loaded.scenario;
  const first = c.first;
  const target = c.summary.find((x) => x.target_test_loss !== null)?.target_test_loss ?? null;
  // Per-round charts show the first replication; the loss chart the mean and band over all.
  const charts = await standardCharts(first.rounds, first.timingModel, c.summary, { target, band: lossBand(c) }, {
    clients: first.clients,
    gantt: opts.gantt,
    asyncRounds: s.round.mode === 'async',
  });
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
  return {
    outputs: { rounds: c.rounds, clients: c.clients, summary: c.summary, meta },
    extra: [
      ['at_time.csv', toCsv(c.atTime, AT_TIME_COLUMNS)],
      ...(c.replications.length > 0 ? [['replications.csv', toCsv(c.replications, REPLICATION_COLUMNS)] as [string, string]] : []),
      ...chartFiles(charts),
      ['report.html', report],
    ],
    findings: notes,
    setup,
  };
}
