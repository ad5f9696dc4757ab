/**
 * Run a whole scenario: every method on the same clients, cell and seed, each in its own
 * simulated world, then the summary and the output files.
 */
import { buildPopulation, DeviceFileError } from '../devices/population.js';
import { DataError } from '../training/data/errors.js';
import { ScenarioError } from '../scenario/errors.js';
import { buildRadio } from '../radio/radio.js';
import { WirelessLinks } from './wireless.js';
import type { Scenario } from '../scenario/schema.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { ClientRecord, RoundRecord, SummaryRecord } from '../output/records.js';
import { FixedLinks, type LinkLayer } from './links.js';
import { runMethod } from './run.js';
import { summarise } from './summary.js';
import type { Planner, SimClient } from './types.js';
import type { MethodEntry } from '../scenario/schema.js';
import { getMethod } from '../methods/registry.js';
import { explicitPlanner, methodPlanner } from './planners.js';
import { jcpbaPlanner } from './jcpba-planner.js';
import type { JcpbaParams } from '../methods/jcpba.js';
import { UsageError } from '../cli/errors.js';
import { createFederatedTrainer, createTrainingEnvironment } from '../training/federated/trainer.js';
import { proxyParamCount } from '../training/model/params.js';

export interface RunScenarioOptions {
  /** Run only these method labels/ids. */
  methods?: string[];
  onRound?: (method: string, round: number) => void;
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
}

/** The scenario's clients (src/devices): drawn from the distributions or read from the device file. */
export function buildClients(s: Scenario, baseDir = '.'): SimClient[] {
  const cellRadiusM = s.network.type === 'wireless' ? s.network.cellRadius : undefined;
  return buildPopulation(s.clients, s.seed, baseDir, { cellRadiusM }).map((d) => ({ ...d, weight: 1 }));
}

/**
 * Files a scenario points to (device file, dataset) are input too: their errors become scenario
 * errors (exit 2) naming the scenario file and the field that points to them.
 */
export function asInputError(loaded: LoadedScenario, e: unknown): unknown {
  if (e instanceof DeviceFileError) return new ScenarioError(loaded.file, [{ path: ['clients', 'file'], message: e.message }]);
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

/** A fresh link layer (each method gets its own, so fading restarts at t = 0 for every method). */
export function buildLinks(s: Scenario, clients: readonly SimClient[]): LinkLayer {
  if (s.network.type === 'fixed') return new FixedLinks(s.network.uplinkRate, s.network.downlinkRate, clients.length, s.seed);
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
  const out: ScenarioRun = { clientCount: clients.length, rounds: [], clients: [], summary: [], timingModel, lossModel: 'none (timing only)', eventsProcessed: 0 };
  // Real training: one environment (data, pool, pretrained base) shared by every method, so all
  // methods start from the same weights and see the same client data.
  const env = s.training
    ? await createTrainingEnvironment(s.training, { seed: s.seed, clients: clients.length, baseDir: loaded.baseDir }).catch((e: unknown) => {
        throw asInputError(loaded, e);
      })
    : null;
  try {
    if (env) {
      // FedAvg's n_k: aggregation weight = the client's number of training tokens.
      clients = clients.map((c) => ({ ...c, weight: env.clientTokens[c.index]! }));
      const b = env.executor.backend;
      // No machine paths here: the same scenario and seed must give the same bytes anywhere.
      out.backend = `tfjs-core ${b.tfjsVersion}, ${b.name} backend${b.name === 'wasm' && b.simd ? ' (SIMD)' : ''}${b.name !== 'node' ? ', tfjs-node not loadable' : ''}`;
      out.lossModel = `tfjs transformer "${env.arch.name}" (${proxyParamCount(env.arch).toLocaleString('en-US')} params, ${b.name} backend)`;
    }
    for (const m of methods) {
      const schedule = getMethod(m.id).schedule ?? 'parallel';
      if (schedule === 'sequential' && s.round.mode === 'async') {
        throw new UsageError(`methods: ${m.label} trains its clients one after another within a cycle, which round.mode: async does not have; use sync or deadline`);
      }
      const trainer = env ? await createFederatedTrainer({ method: { id: m.id, params: m.params }, env }) : null;
      try {
        const links = buildLinks(s, clients);
        const result = await runMethod({
          label: m.label,
          seed: s.seed,
          rounds: s.rounds,
          clients,
          links,
          planner: buildPlanner(s, m, clients.length, links),
          protocol: s.round,
          schedule,
          timingModel,
          lossModel: out.lossModel,
          trainer: trainer ?? undefined,
          initialTestLoss: trainer ? await trainer.evaluate() : undefined,
          maxSimTimeS: s.maxSimTime,
          onRound: (r) => opts.onRound?.(m.label, r.round),
        });
        out.rounds.push(...result.rounds);
        out.clients.push(...result.clients);
        out.summary.push(
          summarise(m.label, m.id, timingModel, out.lossModel, result.rounds, result.clients, s.training?.targetTestLoss ?? null,
            m.id === 'jcpba' ? (m.params as JcpbaParams).roundsModel : undefined),
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
