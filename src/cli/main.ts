#!/usr/bin/env node
/**
 * The `airtune` command line. Exit codes: 0 done, 1 unexpected failure, 2 bad input (the message
 * names the file, the field, what was expected and what was found), 3 infeasible problem.
 */
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ScenarioError } from '../scenario/errors.js';
import { LimitError } from '../scenario/limits.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';
import { costsCommand } from './costs.js';
import { doctorCommand } from './doctor.js';
import { calibrateCommand } from './calibrate.js';
import { runSolve } from '../../solvers/jcpba/index.js';
import { SOLVER_NAMES } from '../../solvers/jcpba/types.js';
import { sweepCommand, workersArg, collectArg } from '../sweep/index.js';
import { VERSION } from '../core/version.js';
import { secondsArg, workerCommand, DEFAULT_DATA_DIR } from './worker.js';
import { parseGanttChoice, type GanttChoice } from '../output/client-charts.js';
import { scenarioJsonSchemaText } from '../scenario/json-schema.js';

import { UsageError } from '../core/errors.js';

function seedArg(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a non-negative integer seed, found "${value}"`);
  }
  return Number(value);
}

function positiveIntArg(value: string): number {
  if (!/^\d+$/.test(value) || !(Number(value) >= 1) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a positive integer, found "${value}"`);
  }
  return Number(value);
}

/** The arguments after `airtune` (subcommand first), as typed: recorded in meta.json. */
function commandArgs(cmd: Command): string[] {
  // rawArgs (the argv given to parse: node, script, then the arguments) is not in commander's typings.
  return ((cmd.parent ?? cmd) as unknown as { rawArgs: string[] }).rawArgs.slice(2);
}

function ratesArg(value: string): number[] {
  const rates = value.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (rates.length < 2 || rates.some((r) => !(r >= 0 && r < 1))) {
    throw new InvalidArgumentError(`expected 2 or more comma-separated pruning rates in [0, 1), found "${value}"`);
  }
  return rates;
}

function ganttArg(value: string): GanttChoice {
  const choice = parseGanttChoice(value);
  if (choice === null) throw new InvalidArgumentError(`expected METHOD, METHOD:ROUND or :ROUND (e.g. jcpba:3), found "${value}"`);
  return choice;
}

function listArg(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('airtune')
    .description('Discrete-event simulator of federated fine-tuning of LLMs over wireless networks.')
    .version(VERSION)
    .exitOverride() // before the subcommands, so they inherit it: main() maps errors to exit codes
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  $ airtune run scenarios/quickstart.yaml                 run every method, write output/quickstart/
  $ airtune run scenarios/quickstart.yaml --seed 7 --methods fedavg --out output/q7
  $ airtune run scenarios/quickstart.yaml --set network.bandwidth=5MHz --rounds 20
  $ airtune run scenarios/quickstart.yaml --replications 5   5 seeds, means with 95% intervals
  $ airtune calibrate scenarios/quickstart.yaml           fit JCPBA's rounds model on the training proxy
  $ airtune validate scenarios/cell-20-clients.yaml       check a scenario, list every problem
  $ airtune worker --queue redis://lab-server:6379 -c 2   run sweeps submitted with airtune sweep --queue
Exit codes: 0 done, 1 failure, 2 bad input, 3 infeasible.`,
    );

  program
    .command('run')
    .description('run a scenario and write rounds.csv, clients.csv, summary.csv and meta.json')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('-o, --out <dir>', 'output folder (default: output/<scenario name>)')
    .option('-s, --seed <n>', 'override the scenario seed', seedArg)
    .option('-m, --methods <list>', 'comma-separated method ids or labels to run', listArg)
    .option('-q, --quiet', 'no progress line (terminal) or 30 s heartbeat (log), no summary table')
    .option('--set <path=value>', 'override one scenario field, dotted path as in sweep, e.g. network.bandwidth=5MHz (repeatable)', collectArg, [])
    .option('--rounds <n>', 'override the round cap (same as --set stop.rounds=N, or --set rounds=N in a file that writes rounds at top level)', positiveIntArg)
    .option('-r, --replications <n>', "run the scenario with n seeds derived from its seed (overrides the scenario's replications)", positiveIntArg)
    .option('-w, --workers <n>', 'worker threads for replications, 0 = in-process (default: min(2, cores))', workersArg)
    .option('--cache-dir <dir>', 'cache of calibrated rounds models (default: output/.cache)')
    .option('-f, --force', 'replace the output folder even if it holds files airtune did not write (they are deleted)')
    .option('--gantt <method[:round]>', "the round round_gantt.svg draws, e.g. jcpba:3 or :3 (default: the first method's median-latency round)", ganttArg)
    .action(async (file: string, o: { out?: string; seed?: number; methods?: string[]; quiet?: boolean; set: string[]; rounds?: number; force?: boolean; replications?: number; workers?: number; cacheDir?: string; gantt?: GanttChoice }, cmd: Command) => {
      await runCommand(file, { ...o, command: commandArgs(cmd) });
    });

  program
    .command('calibrate')
    .description("fit JCPBA's rounds model R = A / (epsilon - beta rhobar) to rounds to the target loss of the training proxy at uniform pruning rates")
    .argument('<scenario>', 'scenario file with a training section and a target test loss')
    .option('-m, --method <label>', 'the jcpba entry whose pruning and stop rules to use (default: the first jcpba entry)')
    .option('--rates <list>', 'comma-separated pruning rates, e.g. 0,0.2,0.4,0.6', ratesArg)
    .option('--max-rounds <n>', 'rounds cap per rate', positiveIntArg)
    .option('--cache-dir <dir>', 'cache of calibrations (default: output/.cache)')
    .option('-q, --quiet', 'no progress line (terminal) or 30 s heartbeat (log)')
    .action(async (file: string, o: { method?: string; rates?: number[]; maxRounds?: number; cacheDir?: string; quiet?: boolean }) => {
      await calibrateCommand(file, o);
    });

  program
    .command('sweep')
    .description('run a what-if grid (--set path=v1,v2,...) in a worker pool; resumable; writes sweep_rounds.csv, sweep_summary.csv')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--set <path=values>', 'dotted path and comma-separated values, e.g. clients.count=10,50 (repeat for a grid)', collectArg, [])
    .option('-o, --out <dir>', 'output folder (default: output/<scenario name>-sweep)')
    .option('-w, --workers <n>', 'worker threads, 0 = in-process (default: min(2, cores))', workersArg)
    .option('-m, --methods <list>', 'comma-separated method ids or labels to run', listArg)
    .option('-q, --quiet', 'no progress line (terminal) or 30 s heartbeat (log), no report')
    .option('--queue <url>', 'send the runs to `airtune worker`s through Redis: redis://[:password@]host[:port][/db] or rediss:// (TLS)')
    .action(async (file: string, o: { set: string[]; out?: string; workers?: number; methods?: string[]; quiet?: boolean; queue?: string }, cmd: Command) => {
      await sweepCommand(file, { ...o, command: commandArgs(cmd) });
    });

  program
    .command('worker')
    .description('run queued sweep runs (airtune sweep --queue) from Redis on this machine, until stopped')
    .requiredOption('--queue <url>', 'the Redis of the sweeps: redis://[:password@]host[:port][/db] or rediss:// (TLS)')
    .option('-c, --concurrency <n>', 'runs at a time on this machine (default 1)', workersArg)
    .option('--data <dir>', `folder where datasets too large to travel in a job are looked up by name (default ${DEFAULT_DATA_DIR})`)
    .option('--lock <seconds>', 'lock time of a run: a dead worker\'s run goes back to the queue after about this long (default 30)', secondsArg)
    .option('-q, --quiet', 'log only failures')
    .action(async (o: { queue: string; concurrency?: number; data?: string; lock?: number; quiet?: boolean }) => {
      await workerCommand(o);
    });

  program
    .command('validate')
    .description('check a scenario file and list every problem in it')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .action((file: string) => validateCommand(file));

  program
    .command('solve')
    .description("solve one JCPBA instance (pruning rates + bandwidth) on airtune's reconstruction of the JCPBA model (its equations are not public; docs/jcpba-model.md); JSON result on stdout")
    .argument('<instance>', 'instance file (JSON or YAML, format in docs/jcpba-model.md and solvers/README.md)')
    .option('--solver <name>', `allocator: ${SOLVER_NAMES.join(', ')} (bcd = BCD on the reconstructed model)`, 'exact')
    .action((file: string, o: { solver: string }) => {
      const r = runSolve(file, o.solver);
      if (r.stdout) process.stdout.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
      if (r.stderr) process.stderr.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
      if (r.exitCode !== 0) throw Object.assign(new Error(''), { exitCode: r.exitCode, silent: true });
    });

  program
    .command('doctor')
    .description('print the tfjs backend in use, versions, data found, and a one-second training throughput probe')
    .option('-b, --backend <name>', 'try this backend first: node, wasm or cpu')
    .action(async (o: { backend?: 'node' | 'wasm' | 'cpu' }) => {
      await doctorCommand({ backend: o.backend });
    });

  program
    .command('schema')
    .description('print the JSON Schema of scenario files (draft-07), for editors: see docs/scenario.schema.json')
    .action(() => {
      process.stdout.write(scenarioJsonSchemaText());
    });

  program
    .command('costs')
    .description("print each method's per-round load (FLOPs, memory, bytes) for the scenario's model and clients")
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--json', 'per method and client: FLOPs, memory, upload, download, trained parameters, memory traffic, as JSON')
    .action((file: string, o: { json?: boolean }) => costsCommand(file, o));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return 2; // commander already printed the message
    if (e instanceof ScenarioError || e instanceof UsageError || e instanceof LimitError) {
      process.stderr.write(`airtune: ${err.message}\n`);
      return 2;
    }
    if (typeof err.exitCode === 'number') {
      if (!(err as { silent?: boolean }).silent) process.stderr.write(`airtune: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`airtune: ${err.stack ?? err.message}\n`);
    return 1;
  }
}

// pathToFileURL, not new URL(`file://...`): in a worker thread argv[1] is "[worker eval]", not a path.
const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly || process.argv[1]?.endsWith('/airtune')) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
