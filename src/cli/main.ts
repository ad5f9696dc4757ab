#!/usr/bin/env node
/**
 * The `airtune` command line. Exit codes: 0 done, 1 unexpected failure, 2 bad input (the message
 * names the file, the field, what was expected and what was found), 3 infeasible problem.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ScenarioError } from '../scenario/errors.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';
import { costsCommand } from './costs.js';
import { doctorCommand } from './doctor.js';
import { runSolve } from '../../solvers/jcpba/index.js';
import { SOLVER_NAMES } from '../../solvers/jcpba/types.js';
import { sweepCommand, workersArg, collectArg } from '../sweep/index.js';
import { VERSION } from './version.js';
import { secondsArg, workerCommand, DEFAULT_DATA_DIR } from './worker.js';

import { UsageError } from "./errors.js";

function seedArg(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a non-negative integer seed, found "${value}"`);
  }
  return Number(value);
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
  $ airtune run scenarios/quickstart.yaml --seed 7 --methods fedavg --out /tmp/q
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
    .option('-q, --quiet', 'no progress bar and no summary table')
    .action(async (file: string, o: { out?: string; seed?: number; methods?: string[]; quiet?: boolean }) => {
      await runCommand(file, o);
    });

  program
    .command('sweep')
    .description('run a what-if grid (--set path=v1,v2,...) in a worker pool; resumable; writes sweep_rounds.csv, sweep_summary.csv')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--set <path=values>', 'dotted path and comma-separated values, e.g. clients.count=10,50 (repeat for a grid)', collectArg, [])
    .option('-o, --out <dir>', 'output folder (default: output/<scenario name>-sweep)')
    .option('-w, --workers <n>', 'worker threads, 0 = in-process (default: min(2, cores))', workersArg)
    .option('-m, --methods <list>', 'comma-separated method ids or labels to run', listArg)
    .option('-q, --quiet', 'no progress bar and no report')
    .option('--queue <url>', 'send the runs to `airtune worker`s through Redis: redis://[:password@]host[:port][/db] or rediss:// (TLS)')
    .action(async (file: string, o: { set: string[]; out?: string; workers?: number; methods?: string[]; quiet?: boolean; queue?: string }) => {
      await sweepCommand(file, o);
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
    .description('solve one JCPBA instance (pruning rates + bandwidth); JSON result on stdout')
    .argument('<instance>', 'instance file (JSON or YAML, format in ../shared/specs/jcpba.md and solvers/README.md)')
    .option('--solver <name>', `allocator: ${SOLVER_NAMES.join(', ')}`, 'exact')
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
    .command('costs')
    .description("print each method's per-round load (FLOPs, memory, bytes) for the scenario's model and clients")
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .action((file: string) => costsCommand(file));

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
    if (e instanceof ScenarioError || e instanceof UsageError) {
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

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/airtune')) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
