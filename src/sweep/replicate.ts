/**
 * Replications of one scenario (`replications: n` or `airtune run --replications n`): the same
 * scenario with the seeds of src/compare/replications.ts, run as tasks of the sweep's worker pool
 * (pool.ts), each returning its records. Tasks are self-contained and results come back in task
 * order, so the outputs do not depend on the worker count.
 */
import type { LoadedScenario } from '../scenario/load.js';
import { runScenario, type ScenarioRun } from '../simulation/scenario.js';
import { replicationSeed } from '../compare/replications.js';
import { runTasks, type PoolEvents } from './pool.js';
import type { RunTask } from './execute.js';

export interface ReplicationOptions {
  replications: number;
  /** Worker threads (0 = one after another in this thread). */
  workers: number;
  methods?: string[];
  cacheDir?: string;
}

export interface Replicated {
  seeds: number[];
  runs: ScenarioRun[];
}

export async function runReplications(loaded: LoadedScenario, o: ReplicationOptions, events: PoolEvents = {}): Promise<Replicated> {
  const base = loaded.scenario.seed;
  const seeds = Array.from({ length: o.replications }, (_, i) => replicationSeed(base, i + 1));
  const tasks: RunTask[] = seeds.map((seed, i) => ({
    runId: `replication-${i + 1}`,
    dir: '',
    raw: { ...(loaded.raw as Record<string, unknown>), seed },
    assignments: {},
    hash: '',
    methods: o.methods,
    file: loaded.file,
    baseDir: loaded.baseDir,
    fileHash: loaded.hash,
    collect: true,
    replication: i + 1,
    cacheDir: o.cacheDir,
  }));
  const done = await runTasks(tasks, o.workers, events);
  return { seeds, runs: done.map((d) => d.result!) };
}

export interface SimulateOptions {
  replications: number;
  /** Worker threads for replications (0 = one after another in this thread). */
  workers: number;
  methods?: string[];
  cacheDir?: string;
  /** One replication: called after every round (method label, round, simulated time). */
  onRound?: (method: string, round: number, simTimeS: number) => void;
  /** Several replications: called as each finishes. */
  onReplicationDone?: () => void;
}

/**
 * A scenario's runs: one in this thread, or its replications in the worker pool. What `airtune
 * run` and the library's runScenario simulate.
 */
export async function simulateRuns(loaded: LoadedScenario, o: SimulateOptions): Promise<Replicated> {
  if (o.replications === 1) {
    const run = await runScenario(loaded, { methods: o.methods, cacheDir: o.cacheDir, onRound: o.onRound });
    return { seeds: [loaded.scenario.seed], runs: [run] };
  }
  return runReplications(loaded, o, { onDone: () => o.onReplicationDone?.() });
}
