/**
 * meta.json: what produced a run. Nothing time-dependent, so same scenario + seed -> same bytes;
 * `command` (how airtune was called) is the one field that differs between equal runs started
 * differently, and `environment` differs only between machines or checkouts (provenance.ts).
 */
import type { LoadedScenario } from '../scenario/load.js';
import { VERSION, dependencyVersion } from '../core/version.js';
import { environmentInfo, stableScenarioPath } from './provenance.js';

/** Versions of the packages whose behaviour shapes the numbers. */
function packageVersions(): Record<string, string> {
  const names = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'javascript-lp-solver', 'd3-random', 'mathjs', 'vega-lite'];
  return Object.fromEntries(names.map((n) => [n, dependencyVersion(n)]));
}

export interface MetaSource {
  timingModel: string;
  lossModel: string;
  eventsProcessed: number;
  clientCount: number;
  backend?: string;
  /** Each method's stop rules (src/simulation/stop.ts), by label. */
  stopRules?: Record<string, { rounds?: number; simTimeS?: number; targetTestLoss?: number; plateau?: { evaluations: number; minDelta: number }; lastRound?: number }>;
  /** JCPBA entries' rounds models: constants and where they come from (assumed, given, calibrated). */
  roundsModels?: Record<string, { A: number; epsilon: number; beta: number; source: string }>;
  /** Replications: the seed of each (src/compare/replications.ts). */
  seeds?: number[];
  /** The compared simulated times (at_time.csv). */
  compareTimes?: number[];
}

export interface MetaInvocation {
  /** The command line (`airtune run ...`, relative paths: provenance.relativeCommand); null from code. */
  command?: readonly string[] | null;
  /** `--set` overrides applied to the scenario file: path -> value as given. */
  overrides?: Record<string, string>;
}

export function buildMeta(loaded: LoadedScenario, run: MetaSource, how: MetaInvocation = {}): Record<string, unknown> {
  const s = loaded.scenario;
  return {
    airtune: VERSION,
    scenario: s.name,
    scenario_file: stableScenarioPath(loaded.file),
    scenario_sha256: loaded.hash,
    ...(how.overrides && Object.keys(how.overrides).length > 0 ? { overrides: how.overrides } : {}),
    seed: s.seed,
    node: process.versions.node.split('.')[0],
    timing_model: run.timingModel,
    loss_model: run.lossModel,
    backend: run.backend ?? 'none (no tfjs training in this run)',
    methods: s.methods.map((m) => m.label),
    stop_rules: run.stopRules ?? {},
    rounds_models: run.roundsModels ?? {},
    replications: run.seeds?.length ?? 1,
    replication_seeds: run.seeds ?? [s.seed],
    compare_times_s: run.compareTimes ?? [],
    clients: run.clientCount,
    round_mode: s.round.mode,
    events_processed: run.eventsProcessed,
    versions: packageVersions(),
    environment: environmentInfo(),
    command: how.command ? [...how.command] : null,
  };
}
