import { join } from 'node:path';
import type { LoadedScenario } from '../scenario/load.js';
import { selectMethods } from '../simulation/scenario.js';
import { writeRunOutputs } from '../output/write.js';
import { formatAtTime, formatSummary, sourcesLine } from '../output/console.js';
import type { MetaInvocation } from '../output/meta.js';
import { runFiles, runMeta } from '../output/run-files.js';
import type { GanttChoice } from '../output/client-charts.js';
import { checkOutputFolder } from '../output/preflight.js';
import { lockOutputFolder } from '../output/lock.js';
import { recoverOutputFolder } from '../output/unit.js';
import { refuseForeign } from '../output/reuse.js';
import { relativeCommand } from '../output/provenance.js';
import { compareRuns } from '../compare/index.js';
import { loadOverridden, runOverrideSpecs } from '../sweep/override.js';
import { simulateRuns } from '../sweep/replicate.js';
import { defaultWorkers } from '../sweep/sweep.js';
import { UsageError } from '../core/errors.js';
import { Progress, progressMode, runFraction, type Clock, type ProgressStream } from '../progress/progress.js';
import { stopRulesFor } from '../simulation/stop.js';
import { printScenarioWarnings } from './validate.js';

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
  /** `--gantt METHOD[:ROUND]`: the round round_gantt.svg draws (default: the first method's median-latency round). */
  gantt?: GanttChoice;
  /** Where progress goes (default stderr) and its clock (tests inject both). */
  progress?: { stream?: ProgressStream; clock?: Clock };
}

export async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const { loaded, overrides } = loadOverridden(file, (raw) => runOverrideSpecs(flags, raw));
  printScenarioWarnings(loaded);
  if (flags.seed !== undefined) loaded.scenario.seed = flags.seed;
  const s = loaded.scenario;
  let methods;
  try {
    methods = selectMethods(s, flags.methods);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const gantt = flags.gantt?.method;
  if (gantt !== undefined && !methods.some((m) => m.label === gantt)) {
    throw new UsageError(`--gantt ${gantt}: not a method of this run (it has: ${methods.map((m) => m.label).join(', ')})`);
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
  const caps = methods.map((m) => stopRulesFor(s, m));
  let done = 0;
  let simulated;
  try {
    progress.report(0, replications === 1 ? `${methods[0]?.label ?? ''} round 0` : `0/${replications} replications`);
    simulated = await simulateRuns(loaded, {
      replications,
      workers: flags.workers ?? defaultWorkers(),
      methods: flags.methods,
      cacheDir: flags.cacheDir,
      onRound: (method, round, simTimeS) => {
        const i = Math.max(0, methods.findIndex((m) => m.label === method));
        progress.report(runFraction(caps, i, round, simTimeS), `${method} round ${round} (method ${i + 1}/${methods.length})`);
      },
      onReplicationDone: () => progress.report(++done / replications, `${done}/${replications} replications`),
    });
    progress.done(replications === 1 ? `${methods.length} method${methods.length === 1 ? '' : 's'}` : undefined);
  } catch (e) {
    progress.clear(); // the error message starts on a clean line
    throw e;
  }
  const { runs, seeds } = simulated;
  const c = compareRuns(s, runs, seeds);
  const r = await runFiles(loaded, c, runMeta(loaded, runs, c, how), { gantt: flags.gantt });
  const files = writeRunOutputs(outDir, r.outputs, r.extra);
  if (!flags.quiet) {
    process.stdout.write(`\nairtune: scenario "${s.name}" (seed ${s.seed}), timing model: ${c.first.timingModel}\n`);
    for (const line of r.setup) process.stdout.write(`${line}\n`);
    process.stdout.write(`\n${formatSummary(c.summary)}\n${sourcesLine(c.summary)}\n\n`);
    const at = formatAtTime(c.atTime, c.times);
    if (at) process.stdout.write(`${at}\n\n`);
    for (const f of r.findings) process.stdout.write(`${f}\n`);
    if (r.findings.length) process.stdout.write('\n');
    process.stdout.write(`wrote ${files.length} files to ${outDir}\n`);
  }
}
