/**
 * Run a whole scenario: every method on the same clients, cell and seed, each in its own
 * simulated world, then the summary and the output files.
 */
import { buildPopulation, PopulationError } from '../devices/population.js';
import { TraceError } from '../devices/fedscale.js';
import { DataError } from '../training/data/errors.js';
import { ScenarioError } from '../scenario/errors.js';
import { LimitError } from '../scenario/limits.js';
import { buildRadio } from '../radio/radio.js';
import { WirelessLinks } from './wireless.js';
import type { Scenario } from '../scenario/schema.js';
import { populationOptions, type LoadedScenario } from '../scenario/load.js';
import type { ClientRecord, RoundRecord, SummaryRecord } from '../output/records.js';
import { FixedLinks, type LinkLayer } from './links.js';
import { runMethod } from './run.js';
import { summarise, type RoundsModelInfo } from './summary.js';
import { stopRulesFor, type StopRules } from './stop.js';
import type { Planner, SimClient } from './types.js';
import type { MethodEntry } from '../scenario/schema.js';
import { getMethod } from '../methods/registry.js';
import { explicitPlanner, methodPlanner } from './planners.js';
import { jcpbaPlanner } from './jcpba-planner.js';
import { describeRoundsConstants, roundsConstants, type JcpbaParams } from '../methods/jcpba.js';
import { UsageError } from '../core/errors.js';
import { createFederatedTrainer, createTrainingEnvironment, type TrainingEnvironment } from '../training/federated/trainer.js';
import { proxyParamCount } from '../training/model/params.js';
import { describeKernels } from '../training/backend.js';
import { readLossTrace, traceLossModel, traceRun, TraceFileError, type LossTrace } from '../training/trace.js';
import { calibrate, calibratedConstants, CalibrationError, describeCalibration, type Calibration } from '../calibration/calibrate.js';
import { DEFAULT_CACHE_DIR } from '../calibration/cache.js';

export interface RunScenarioOptions {
  /** Run only these method labels/ids. */
  methods?: string[];
  onRound?: (method: string, round: number, simTimeS: number) => void;
  /** Replication number written in every record (1 unless the scenario is replicated, src/compare/replications.ts). */
  replication?: number;
  /** Cache folder of `roundsModel: calibrated` (src/calibration/cache.ts); default output/.cache. */
  cacheDir?: string;
}

export interface ScenarioRun {
  /** Number of clients (from the count, or the rows of the device file). */
  clientCount: number;
  /** What the losses come from ("none (timing only)" without training). */
  lossModel: string;
  /** The tfjs backend, when training ran. */
  backend?: string;
  rounds: RoundRecord[];
  clients: ClientRecord[];
  summary: SummaryRecord[];
  timingModel: string;
  eventsProcessed: number;
  /** Each method's stop rules, by label. */
  stopRules: Record<string, StopRules>;
  /** Each JCPBA entry's rounds model and where its constants come from, by label. */
  roundsModels: Record<string, RoundsModelInfo>;
  /** Calibrations of `roundsModel: calibrated` entries, by label. */
  calibrations: Record<string, Calibration>;
}

/** The scenario's clients (src/devices): drawn from the distributions or read from the device file. */
export function buildClients(s: Scenario, baseDir = '.'): SimClient[] {
  return buildPopulation(s.clients, s.seed, baseDir, populationOptions(s)).map((d) => ({ ...d, weight: 1 }));
}

/**
 * Files a scenario points to (device file, dataset) are input too: their errors become scenario
 * errors (exit 2) naming the scenario file and the field that points to them.
 */
export function asInputError(loaded: LoadedScenario, e: unknown): unknown {
  // DeviceFileError is a PopulationError: its problems already name clients.file, the row and column.
  if (e instanceof PopulationError) return new ScenarioError(loaded.file, e.problems);
  if (e instanceof TraceError) return new ScenarioError(loaded.file, [{ path: e.field, message: e.message }]);
  if (e instanceof TraceFileError) return new ScenarioError(loaded.file, [{ path: ['training', 'file'], message: e.message }]);
  // A limit of src/scenario/limits.ts reached while simulating is bad input too (exit 2, also from a worker thread).
  if (e instanceof LimitError) return new ScenarioError(loaded.file, [{ path: e.path, message: e.message }]);
  if (e instanceof DataError) return new ScenarioError(loaded.file, [{ path: ['training'], message: e.message }]);
  return e;
}

/** `buildClients` for a loaded scenario, with device-file errors reported as scenario errors. */
export function loadClients(loaded: LoadedScenario): SimClient[] {
  try {
    return buildClients(loaded.scenario, loaded.baseDir);
  } catch (e) {
    throw asInputError(loaded, e);
  }
}

/** What `loss_model` says for the training proxy. */
export function proxyLossModel(env: TrainingEnvironment): string {
  return `tfjs transformer "${env.arch.name}" (${proxyParamCount(env.arch).toLocaleString('en-US')} params, ${env.executor.backend.name} backend)`;
}

/** The loss trace of a `training: { source: trace }` scenario (null otherwise), file errors as scenario errors. */
export function loadTrace(loaded: LoadedScenario): LossTrace | null {
  const t = loaded.scenario.training;
  if (t?.source !== 'trace') return null;
  try {
    return readLossTrace(t.file, loaded.baseDir);
  } catch (e) {
    throw asInputError(loaded, e);
  }
}

/**
 * The rounds model of a JCPBA entry: the scenario's constants, the assumed defaults, or
 * (`roundsModel: calibrated`) a calibration on the training proxy (src/calibration).
 */
async function roundsModelOf(
  loaded: LoadedScenario,
  m: MethodEntry,
  rules: StopRules,
  env: TrainingEnvironment | null,
  weights: readonly number[],
  lossModel: string,
  cacheDir: string,
): Promise<{ info: RoundsModelInfo; calibration?: Calibration }> {
  const params = m.params as JcpbaParams;
  if (params.roundsModel !== 'calibrated') return { info: { ...roundsConstants(params), source: describeRoundsConstants(params) } };
  const where = ['methods', loaded.scenario.methods.indexOf(m), 'roundsModel'];
  if (!env || rules.targetTestLoss === undefined) {
    throw new ScenarioError(loaded.file, [{ path: where, message: 'roundsModel: calibrated trains the proxy to a target: it needs training (source proxy) and a target test loss' }]);
  }
  try {
    const c = await calibrate(env, weights, lossModel, { params, targetTestLoss: rules.targetTestLoss, cacheDir });
    return { info: { ...calibratedConstants(c), source: describeCalibration(c) }, calibration: c };
  } catch (e) {
    if (e instanceof CalibrationError) throw new ScenarioError(loaded.file, [{ path: where, message: `calibration failed: ${e.message}` }]);
    throw e;
  }
}

/** A fresh link layer (each method gets its own, so fading restarts at t = 0 for every method). */
export function buildLinks(s: Scenario, clients: readonly SimClient[]): LinkLayer {
  if (s.network.type === 'fixed') return new FixedLinks(s.network.uplinkRate, s.network.downlinkRate, clients.length, s.seed, clients);
  return new WirelessLinks(buildRadio(s.network, s.seed, clients), clients);
}

export function buildPlanner(s: Scenario, m: MethodEntry, clients: number, links: LinkLayer): Planner {
  const model = s.model;
  if (model.kind === 'explicit') {
    const w = model.workload;
    return explicitPlanner({ flops: w.flops, memoryBytes: w.memory, uploadBytes: w.upload, downloadBytes: w.download }, clients);
  }
  if (m.id === 'jcpba') {
    if (!(links instanceof WirelessLinks)) {
      throw new UsageError(`methods: jcpba allocates uplink bandwidth, so it needs network.type: wireless (this scenario has ${s.network.type} links)`);
    }
    return jcpbaPlanner({
      params: m.params as JcpbaParams,
      arch: model.arch,
      work: model.work,
      clients,
      radio: links.radio,
      aggregationTimeS: s.round.aggregationTime,
    });
  }
  return methodPlanner(getMethod(m.id), m.params, model.arch, model.work, clients);
}

export function selectMethods(s: Scenario, only?: string[]) {
  const all = s.methods;
  if (!only || only.length === 0) return all;
  const unknown = only.filter((o) => !all.some((m) => m.label === o || m.id === o));
  if (unknown.length > 0) {
    throw new Error(`--methods: ${unknown.join(', ')} not in the scenario (it has: ${all.map((m) => m.label).join(', ')})`);
  }
  return all.filter((m) => only.includes(m.label) || only.includes(m.id));
}

export async function runScenario(loaded: LoadedScenario, opts: RunScenarioOptions = {}): Promise<ScenarioRun> {
  const s = loaded.scenario;
  const methods = selectMethods(s, opts.methods);
  let clients = loadClients(loaded);
  const timingModel = s.model.name;
  const out: ScenarioRun = {
    clientCount: clients.length, rounds: [], clients: [], summary: [], timingModel, lossModel: 'none (timing only)', eventsProcessed: 0,
    stopRules: {}, roundsModels: {}, calibrations: {},
  };
  // Real training: one environment (data, pool, pretrained base) shared by every method, so all
  // methods start from the same weights and see the same client data.
  const training = s.training?.source === 'proxy' ? s.training : undefined;
  const env = training
    ? await createTrainingEnvironment(training, { seed: s.seed, clients: clients.length, baseDir: loaded.baseDir }).catch((e: unknown) => {
        throw asInputError(loaded, e);
      })
    : null;
  const trace = loadTrace(loaded);
  if (trace) out.lossModel = traceLossModel(trace);
  try {
    if (env) {
      // FedAvg's n_k: aggregation weight = the client's number of training tokens.
      clients = clients.map((c) => ({ ...c, weight: env.clientTokens[c.index]! }));
      const b = env.executor.backend;
      // No machine paths here: the same scenario and seed must give the same bytes anywhere.
      out.backend = `tfjs-core ${b.tfjsVersion}, ${b.name} backend${b.name === 'wasm' && b.simd ? ' (SIMD)' : ''}${b.kernels ? `, airtune kernels: ${describeKernels(b.kernels)}` : ''}${b.name !== 'node' ? ', tfjs-node not loadable' : ''}`;
      out.lossModel = proxyLossModel(env);
    }
    for (const m of methods) {
      const schedule = getMethod(m.id).schedule ?? 'parallel';
      if (schedule === 'sequential' && s.round.mode === 'async') {
        throw new UsageError(`methods: ${m.label} trains its clients one after another within a cycle, which round.mode: async does not have; use sync or deadline`);
      }
      const rules = stopRulesFor(s, m);
      out.stopRules[m.label] = rules;
      let entry = m;
      let roundsModel: RoundsModelInfo | undefined;
      if (m.id === 'jcpba') {
        const r = await roundsModelOf(loaded, m, rules, env, clients.map((c) => c.weight), out.lossModel, opts.cacheDir ?? DEFAULT_CACHE_DIR);
        roundsModel = r.info;
        out.roundsModels[m.label] = r.info;
        if (r.calibration) out.calibrations[m.label] = r.calibration;
        const { source: _source, ...constants } = r.info;
        entry = { ...m, params: { ...m.params, roundsModel: constants } };
      }
      let traced;
      try {
        traced = trace ? traceRun(trace, m.label, m.id) : null;
      } catch (e) {
        throw asInputError(loaded, e);
      }
      const trainer = env ? await createFederatedTrainer({ method: { id: m.id, params: entry.params }, env }) : null;
      try {
        const links = buildLinks(s, clients);
        const result = await runMethod({
          label: m.label,
          seed: s.seed,
          stop: traced ? { ...rules, lastRound: traced.lastRound } : rules,
          clients,
          links,
          planner: buildPlanner(s, entry, clients.length, links),
          protocol: s.round,
          schedule,
          timingModel,
          lossModel: out.lossModel,
          trainer: trainer ?? traced?.trainer,
          initialTestLoss: trainer ? await trainer.evaluate() : traced?.initialTestLoss,
          replication: opts.replication,
          onRound: (r) => opts.onRound?.(m.label, r.round, r.sim_time_s),
        }).catch((e: unknown) => {
          throw asInputError(loaded, e);
        });
        // Loops, not push(...rows): a spread of 10^5+ rows overflows the call stack.
        for (const r of result.rounds) out.rounds.push(r);
        for (const r of result.clients) out.clients.push(r);
        out.summary.push(
          summarise(m.label, m.id, timingModel, out.lossModel, result.rounds, result.clients, rules.targetTestLoss ?? null,
            roundsModel, result.stopReason),
        );
        out.eventsProcessed += result.eventsProcessed;
      } finally {
        await trainer?.close();
      }
    }
  } finally {
    await env?.close();
  }
  return out;
}
