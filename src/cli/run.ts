import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { loadScenario } from '../scenario/load.js';
import { runScenario, selectMethods } from '../simulation/scenario.js';
import { writeRunOutputs } from '../output/write.js';
import { formatSummary } from '../output/console.js';
import { buildMeta } from '../output/meta.js';
import { standardCharts } from '../output/plots.js';
import { renderReport } from '../output/report.js';
import { findings } from '../output/findings.js';
import { UsageError } from './errors.js';
import { LimitError } from '../scenario/limits.js';

export interface RunFlags {
  out?: string;
  seed?: number;
  methods?: string[];
  quiet?: boolean;
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
  const outDir = resolve(flags.out ?? `output/${s.name}`);
  const showBar = !flags.quiet && process.stderr.isTTY === true;
  const bar = showBar
    ? new cliProgress.SingleBar({ format: 'airtune {bar} {value}/{total} rounds | {method}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(methods.length * s.rounds, 0, { method: methods[0]?.label ?? '' });
  let doneRounds = 0;
  const result = await runScenario(loaded, {
    methods: flags.methods,
    onRound: (method) => bar?.update(++doneRounds, { method }),
  }).catch((e: unknown) => {
    bar?.stop();
    // A limit reached while simulating (src/scenario/limits.ts) is bad input too: name the file.
    throw e instanceof LimitError ? new LimitError(`${file}: ${e.message}`) : e;
  });
  bar?.stop();
  const meta = buildMeta(loaded, result);
  const charts = await standardCharts(result.rounds, result.timingModel, result.summary);
  const notes = findings(result.summary);
  const report = renderReport({
    title: `airtune: ${s.name}`,
    description: s.description,
    meta,
    summary: result.summary,
    charts,
    findings: notes,
  });
  const files = writeRunOutputs(outDir, { ...result, meta }, [
    ...charts.map((c): [string, string] => [c.file, c.svg]),
    ['report.html', report],
  ]);
  if (!flags.quiet) {
    process.stdout.write(`\nairtune: scenario "${s.name}" (seed ${s.seed}), timing model: ${result.timingModel}\n\n`);
    process.stdout.write(`${formatSummary(result.summary)}\n\n`);
    for (const f of notes) process.stdout.write(`${f}\n`);
    if (notes.length) process.stdout.write('\n');
    process.stdout.write(`wrote ${files.length} files to ${outDir}\n`);
  }
}
