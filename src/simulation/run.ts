/**
 * One method's federated run on the event engine.
 *
 * Synchronous and deadline rounds: at the round start the planner gives every client's load (and,
 * for JCPBA, bandwidth); the link layer turns downloads and uploads into exact end instants; each
 * client is a process (download -> compute -> upload) and the server process waits for all of them
 * (sync) or for the deadline (deadline mode: late clients are interrupted and counted as dropped),
 * then aggregates. Asynchronous mode (FedBuff, Nguyen et al. 2022): every client loops on its own
 * and the server aggregates each `buffer` arriving updates, weighting stale ones by (1 + s)^-a
 * (FedAsync's polynomial staleness, Xie et al. 2019).
 */
import { Environment, Interrupt, type SimEvent } from '../engine/index.js';
import { dropsOut, fitsInMemory, isAvailable } from '../devices/device.js';
import { computeEnergyJ } from '../radio/energy.js';
import { computeTimeS } from '../devices/compute.js';
import { sequentialTransfers } from './sequential.js';
import type { ClientRecord, ClientStatus, RoundRecord } from '../output/records.js';
import type { LinkLayer, TransferResult } from './links.js';
import { NO_CHANNEL } from './links.js';
import type { ClientLoad, Planner, RoundLosses, SimClient, Trainer } from './types.js';
import { LIMITS, LimitError } from '../scenario/limits.js';
import { createStopEvaluator, type RoundOutcome, type StopReason, type StopRules } from './stop.js';
import { droppedCounts } from './dropped.js';

/**
 * Runtime guards of src/scenario/limits.ts, for what validation cannot estimate (how long transfers
 * and computations take, how often async clients retry): past the simulated-time horizon the fading
 * block grid is no longer resolvable in float64 (and nothing useful happens there), and past the
 * row limit the run's records outgrow memory. Either ends the run with exit 2, saying which limit.
 */
function checkHorizon(timeS: number, round: number, c: SimClient, what: string): void {
  if (timeS > LIMITS.simTimeS) {
    throw new LimitError(
      `round ${round}: client ${c.index} (${c.id}) ${what} at t = ${timeS.toExponential(3)} s, past the simulated-time horizon of ` +
        `${LIMITS.simTimeS.toExponential(0)} s (31.7 years; src/scenario/limits.ts); check the load (model.localSteps, workload.flops) against the clients' compute and links`,
    );
  }
}

/** A run whose only sure stop rule is a simulated-time budget has no round limit of its own: this is it. */
function checkRoundCount(round: number): void {
  if (round > LIMITS.rounds) {
    throw new LimitError(
      `the run reached round ${round.toLocaleString('en-US')}, past the limit of ${LIMITS.rounds.toLocaleString('en-US')} rounds (src/scenario/limits.ts) before its simulated-time budget; ` +
        'set stop.rounds, or a shorter stop.simTime',
      ['stop'],
    );
  }
}

function checkRows(rows: number): void {
  if (rows > LIMITS.clientRows) {
    throw new LimitError(
      `the run recorded more than ${LIMITS.clientRows.toLocaleString('en-US')} client rounds (src/scenario/limits.ts: each is a row of clients.csv held in memory); ` +
        'in async mode this happens when clients keep dropping out or being unavailable while too few updates arrive',
    );
  }
}

export interface RoundProtocol {
  mode: 'sync' | 'deadline' | 'async';
  deadline?: number;
  aggregationTime: number;
  buffer: number;
  stalenessExponent: number;
}

export interface MethodRunOptions {
  /** Label in outputs (method id, or the scenario's label). */
  label: string;
  seed: number;
  /** When the run ends (src/simulation/stop.ts). */
  stop?: StopRules;
  /** Older form of `stop: { rounds, simTimeS: maxSimTimeS }`, used when `stop` is not given. */
  rounds?: number;
  clients: readonly SimClient[];
  /** A fresh link layer for this method (fading realisations restart at t = 0 for every method). */
  links: LinkLayer;
  planner: Planner;
  protocol: RoundProtocol;
  timingModel: string;
  /** Sync/deadline rounds: `sequential` chains the clients (the method's `schedule`); default parallel. */
  schedule?: 'parallel' | 'sequential';
  /** What the losses come from (e.g. "tfjs proxy ..."), or "none". */
  lossModel?: string;
  trainer?: Trainer;
  /** Test loss before round 1 (written as round 0). */
  initialTestLoss?: number | null;
  maxSimTimeS?: number;
  /** Replication number written in every record (1 unless the scenario is replicated). */
  replication?: number;
  onRound?: (record: RoundRecord) => void;
}

export interface MethodRunResult {
  rounds: RoundRecord[];
  clients: ClientRecord[];
  eventsProcessed: number;
  /** The stop rule that ended the run. */
  stopReason: StopReason;
}

function stopRulesOf(o: MethodRunOptions): StopRules {
  return o.stop ?? { rounds: o.rounds, simTimeS: o.maxSimTimeS };
}

/** A round's outcome for the stop rules: nobody fits when every client is out for good (oom, infeasible). */
function outcome(testLoss: number | null, participants: number, statuses: readonly ClientStatus[], latencyS: number): RoundOutcome {
  const nobodyFits = participants === 0 && statuses.length > 0 && statuses.every((s) => s === 'oom' || s === 'infeasible');
  return { testLoss, participants, nobodyFits, latencyS };
}

/**
 * Can the client be scheduled at all this round? Availability window, then the dropout draw
 * (src/devices). Dropout draws are per (client, round) and independent of the method, so every
 * method faces the same dropouts. Checked before planning, so that a planner (JCPBA) allocates
 * only among clients that will take part.
 */
function presence(client: SimClient, round: number, nowS: number, seed: number): ClientStatus | null {
  if (!isAvailable(client, nowS)) return 'unavailable';
  if (dropsOut(client, round, seed)) return 'dropout';
  return null;
}

/** Can the client run the planned load? The planner's exclusions, then memory. */
function fits(client: SimClient, load: ClientLoad | undefined, excluded?: Map<number, ClientStatus>): ClientStatus | null {
  const ex = excluded?.get(client.index);
  if (ex) return ex;
  if (!load) return 'infeasible';
  return fitsInMemory(client, load.memoryBytes) ? null : 'oom';
}

/** Aggregation-weighted mean pruning rate (rhobar of the JCPBA rounds model), null without pruning. */
function weightedRho(cs: readonly { weight: number; rho?: number }[]): number | null {
  if (cs.length === 0 || cs.every((c) => c.rho === undefined)) return null;
  const w = cs.reduce((a, c) => a + c.weight, 0);
  return cs.reduce((a, c) => a + c.weight * (c.rho ?? 0), 0) / w;
}

function blankRecord(o: Pick<MethodRunOptions, 'label' | 'timingModel' | 'replication'>, round: number, c: SimClient, status: ClientStatus, load?: ClientLoad): ClientRecord {
  return {
    method: o.label, replication: o.replication ?? 1, round, client: c.index, client_id: c.id, status, ...NO_CHANNEL, rate_bps: null,
    t_download_s: null, t_compute_s: null, t_upload_s: null, t_done_s: null, energy_j: 0,
    flops: load?.flops ?? 0, memory_bytes: load?.memoryBytes ?? 0, upload_bytes: 0, download_bytes: 0,
    rho: load?.rho ?? null,
    timing_model: o.timingModel,
  };
}

export async function runMethod(opts: MethodRunOptions): Promise<MethodRunResult> {
  const result = await (opts.protocol.mode === 'async' ? runAsync(opts) : runRounds(opts));
  if (opts.initialTestLoss !== undefined && opts.initialTestLoss !== null) {
    result.rounds.unshift({
      method: opts.label, replication: opts.replication ?? 1, round: 0, sim_time_s: 0, round_latency_s: 0, planned_latency_s: null,
      train_loss: null, test_loss: opts.initialTestLoss, bytes_up: 0, bytes_down: 0, energy_j: 0,
      participants: 0, dropped: 0, ...droppedCounts([]), rho_mean: null, timing_model: opts.timingModel, loss_model: opts.lossModel ?? 'none',
    });
  }
  return result;
}

/** Synchronous and deadline rounds. */
async function runRounds(opts: MethodRunOptions): Promise<MethodRunResult> {
  const { label, clients, links, planner, protocol } = opts;
  const env = new Environment();
  const roundRecords: RoundRecord[] = [];
  const clientRecords: ClientRecord[] = [];
  const stop = createStopEvaluator(stopRulesOf(opts), opts.initialTestLoss);
  let last: RoundOutcome | undefined;
  let stopReason: StopReason;

  for (let round = 1; ; round++) {
    const t0 = env.now;
    const why = stop.beforeRound(round, t0, last);
    if (why) {
      stopReason = why;
      break;
    }
    checkRoundCount(round);
    const records = new Map<number, ClientRecord>();
    const present: SimClient[] = [];
    for (const c of clients) {
      const why = presence(c, round, t0, opts.seed);
      if (why) records.set(c.index, blankRecord(opts, round, c, why));
      else present.push(c);
    }
    const plan = planner.plan(round, t0, present);
    const active: SimClient[] = [];
    for (const c of present) {
      const load = plan.loads[c.index];
      const why = fits(c, load, plan.excluded);
      if (why) records.set(c.index, blankRecord(opts, round, c, why, load));
      else active.push(c);
    }

    // Physics first (pure functions give exact instants), then the engine plays the timeline.
    const deadlineS = protocol.mode === 'deadline' ? t0 + protocol.deadline! : undefined;
    const computeS = active.map((c) => computeTimeS(c, plan.loads[c.index]!.flops, plan.loads[c.index]!.memoryTrafficBytes));
    // A sequential method (FedCyBGD) chains its clients' transfers (src/simulation/sequential.ts).
    const seq = opts.schedule === 'sequential' ? sequentialTransfers(links, round, t0, active.map((c, i) => ({ client: c.index, ...plan.loads[c.index]!, computeS: computeS[i]!, bandwidthHz: plan.bandwidthHz?.[c.index] })), deadlineS) : null;
    const downs = seq?.downs ?? links.download(round, active.map((c) => ({ client: c.index, bytes: plan.loads[c.index]!.downloadBytes, startS: t0 })), deadlineS);
    active.forEach((c, i) => {
      if (Number.isFinite(downs[i]!.endS)) checkHorizon(downs[i]!.endS + computeS[i]!, round, c, 'would finish its local work');
    });
    // A client whose download never ends (no link), or whose download or compute ends past the
    // deadline, never starts its upload.
    const uploading = active.map((_, i) => Number.isFinite(downs[i]!.endS) && (deadlineS === undefined || downs[i]!.endS + computeS[i]! < deadlineS));
    const upIdx = active.map((_, i) => i).filter((i) => uploading[i] && !seq);
    const upRes = links.upload(
      round,
      upIdx.map((i) => ({ client: active[i]!.index, bytes: plan.loads[active[i]!.index]!.uploadBytes, startS: downs[i]!.endS + computeS[i]! })),
      plan.bandwidthHz ? upIdx.map((i) => plan.bandwidthHz![active[i]!.index]!) : undefined,
      deadlineS,
    );
    const ups: TransferResult[] = seq?.ups ?? active.map((c) => ({ client: c.index, endS: Infinity, airtimeS: 0, rateBps: 0, energyJ: 0, channel: NO_CHANNEL }));
    upIdx.forEach((i, k) => (ups[i] = upRes[k]!));

    const finished = new Set<number>();
    const procs = active.map((c, i) =>
      env.process(
        (function* () {
          try {
            // A transfer that cannot finish (stopped at the deadline, or never) waits on an event
            // that never fires: the deadline interrupts it, or the round ends without it.
            yield Number.isFinite(downs[i]!.endS) ? env.timeout(downs[i]!.endS - env.now) : env.event();
            yield env.timeout(computeS[i]!);
            yield Number.isFinite(ups[i]!.endS) ? env.timeout(ups[i]!.endS - env.now) : env.event();
            finished.add(c.index);
          } catch (e) {
            if (!(e instanceof Interrupt)) throw e; // deadline passed: the client is dropped
          }
        })(),
      ),
    );
    const all = env.allOf(procs);
    const roundEnd: SimEvent =
      protocol.mode === 'deadline' ? env.anyOf([all, env.timeout(protocol.deadline!)]) : all;
    env.run({ stopWhen: () => roundEnd.processed });
    const cutoffS = env.now;
    if (protocol.mode === 'deadline') {
      for (const p of procs) if (!p.triggered) p.interrupt('deadline');
    }

    let bytesUp = 0;
    let bytesDown = 0;
    let energy = 0;
    const contributions: { client: number; weight: number; staleness: number; rho?: number }[] = [];
    active.forEach((c, i) => {
      const load = plan.loads[c.index]!;
      const down = downs[i]!;
      const up: TransferResult = ups[i]!;
      const ok = finished.has(c.index);
      const tCompute = computeS[i]!;
      // A late client stops when the deadline passes: it spent energy up to the cut-off only.
      const computeDoneS = down.endS + tCompute;
      const computeSpentS = ok ? tCompute : Math.max(0, Math.min(tCompute, cutoffS - down.endS));
      const airSpentS = ok ? up.airtimeS : Math.max(0, Math.min(up.airtimeS, cutoffS - computeDoneS));
      const eCompute = computeEnergyJ(c, load.flops * (tCompute > 0 ? computeSpentS / tCompute : 0), computeSpentS);
      const eTx = up.airtimeS > 0 ? up.energyJ * (airSpentS / up.airtimeS) : 0;
      const rec: ClientRecord = {
        ...blankRecord(opts, round, c, ok ? 'ok' : (down.failure ?? up.failure ?? 'late'), load),
        ...up.channel,
        rate_bps: up.rateBps,
        t_download_s: Number.isFinite(down.endS) ? down.endS - (seq?.downStartS[i] ?? t0) : null,
        t_compute_s: tCompute,
        t_upload_s: Number.isFinite(up.endS) ? up.endS - computeDoneS : null,
        t_done_s: ok ? up.endS - t0 : null,
        energy_j: eCompute + eTx,
        upload_bytes: ok ? load.uploadBytes : 0,
        download_bytes: load.downloadBytes,
      };
      records.set(c.index, rec);
      bytesDown += load.downloadBytes;
      energy += rec.energy_j;
      if (ok) {
        bytesUp += load.uploadBytes;
        contributions.push({ client: c.index, weight: c.weight, staleness: 0, rho: load.rho });
      }
    });

    if (protocol.aggregationTime > 0) {
      // Interrupted (late) clients may leave timeouts in the queue; running to a time, not to an
      // empty queue, keeps them from moving the clock.
      const agg = env.timeout(protocol.aggregationTime);
      env.run({ stopWhen: () => agg.processed });
    }
    const losses: RoundLosses = opts.trainer ? await opts.trainer.aggregate(round, contributions) : { trainLoss: null, testLoss: null };

    const statuses = clients.map((c) => records.get(c.index)!.status);
    for (const c of clients) clientRecords.push(records.get(c.index)!);
    checkRows(clientRecords.length);
    const rec: RoundRecord = {
      method: label,
      replication: opts.replication ?? 1,
      round,
      sim_time_s: env.now,
      round_latency_s: env.now - t0,
      planned_latency_s: plan.plannedLatencyS ?? null,
      train_loss: losses.trainLoss,
      test_loss: losses.testLoss,
      bytes_up: bytesUp,
      bytes_down: bytesDown,
      energy_j: energy,
      participants: contributions.length,
      dropped: clients.length - contributions.length,
      ...droppedCounts(statuses),
      rho_mean: weightedRho(contributions),
      timing_model: opts.timingModel,
      loss_model: opts.lossModel ?? 'none',
    };
    roundRecords.push(rec);
    opts.onRound?.(rec);
    last = outcome(rec.test_loss, rec.participants, statuses, rec.round_latency_s);
  }
  return { rounds: roundRecords, clients: clientRecords, eventsProcessed: env.eventsProcessed, stopReason };
}

/**
 * Asynchronous buffered aggregation. Every client repeatedly downloads the current model, trains
 * and uploads; the server aggregates every `buffer` updates. A "round" is one aggregation; its
 * latency is the time since the previous aggregation. An update computed on model version v and
 * aggregated into version u has staleness u - v and weight w (1 + u - v)^-a.
 */
async function runAsync(opts: MethodRunOptions): Promise<MethodRunResult> {
  const { label, clients, links, planner, protocol } = opts;
  const env = new Environment();
  const roundRecords: RoundRecord[] = [];
  const clientRecords: ClientRecord[] = [];
  // One plan for the whole run: loads do not change with rounds in async mode.
  const plan = planner.plan(1, 0, clients);
  const shared = links.sharedUplink?.(env);
  let version = 0;
  let lastAggS = 0;
  let done = false;
  interface Arrival { client: number; version: number; rec: ClientRecord; load: ClientLoad }
  let buffer: Arrival[] = [];
  let pendingAggregation: Arrival[] | null = null;
  let cycleBytesDown = 0;
  let cycleEnergy = 0;
  const cycleRecords: ClientRecord[] = [];
  const stop = createStopEvaluator(stopRulesOf(opts), opts.initialTestLoss);
  // Before the first aggregation: a target already met, a zero budget.
  let stopReason: StopReason | null = stop.beforeRound(1, 0);
  done = stopReason !== null;

  for (const c of clients) {
    env.process(
      (function* () {
        let attempt = 0;
        while (!done) {
          attempt++;
          const load = plan.loads[c.index];
          const t0 = env.now;
          checkHorizon(t0, version + 1, c, 'would start a new update');
          const why = presence(c, attempt, t0, opts.seed) ?? fits(c, load, plan.excluded);
          if (why) {
            cycleRecords.push(blankRecord(opts, version + 1, c, why, load));
            checkRows(clientRecords.length + cycleRecords.length);
            if (why === 'oom' || why === 'infeasible') return; // it will never fit
            // Wait a round's worth of time before trying again.
            yield env.timeout(Math.max(1e-3, lastAggS > 0 ? lastAggS / Math.max(1, version) : 1));
            continue;
          }
          const startVersion = version;
          const down = links.download(version + 1, [{ client: c.index, bytes: load!.downloadBytes, startS: t0 }])[0]!;
          if (!Number.isFinite(down.endS)) {
            cycleRecords.push(blankRecord(opts, version + 1, c, down.failure ?? 'late', load));
            return;
          }
          yield env.timeout(down.endS - env.now);
          const tCompute = computeTimeS(c, load!.flops, load!.memoryTrafficBytes);
          checkHorizon(env.now + tCompute, version + 1, c, 'would finish its local work');
          yield env.timeout(tCompute);
          // Uploads in flight share the band (unless the planner fixed each client's share).
          const request = { client: c.index, bytes: load!.uploadBytes, startS: env.now };
          const up: TransferResult = plan.bandwidthHz || !shared
            ? links.upload(version + 1, [request], plan.bandwidthHz ? [plan.bandwidthHz[c.index]!] : undefined)[0]!
            : ((yield shared.upload(version + 1, request)) as TransferResult);
          if (!Number.isFinite(up.endS)) {
            cycleRecords.push({ ...blankRecord(opts, version + 1, c, up.failure ?? 'late', load), ...up.channel });
            return;
          }
          if (up.endS > env.now) yield env.timeout(up.endS - env.now);
          if (done) return;
          const rec: ClientRecord = {
            ...blankRecord(opts, 0, c, 'ok', load),
            ...up.channel,
            rate_bps: up.rateBps,
            t_download_s: down.endS - t0,
            t_compute_s: tCompute,
            t_upload_s: up.endS - (down.endS + tCompute),
            t_done_s: up.endS - t0,
            energy_j: computeEnergyJ(c, load!.flops, tCompute) + up.energyJ,
            upload_bytes: load!.uploadBytes,
            download_bytes: load!.downloadBytes,
          };
          cycleBytesDown += load!.downloadBytes;
          cycleEnergy += rec.energy_j;
          buffer.push({ client: c.index, version: startVersion, rec, load: load! });
          if (buffer.length >= protocol.buffer && pendingAggregation === null) {
            pendingAggregation = buffer;
            buffer = [];
          }
          // Yield once so the server aggregates (the run loop stops on pendingAggregation) before
          // this client downloads its next model: it must get the version its update produced.
          yield env.timeout(0);
        }
      })(),
    );
  }

  while (!done) {
    env.run({ stopWhen: () => pendingAggregation !== null });
    if (pendingAggregation === null) {
      stopReason = 'no-participants'; // nothing left to happen (all clients out)
      break;
    }
    const batch: Arrival[] = pendingAggregation;
    pendingAggregation = null;
    if (protocol.aggregationTime > 0) {
      const agg = env.timeout(protocol.aggregationTime);
      env.run({ stopWhen: () => agg.processed });
    }
    version++;
    checkRoundCount(version);
    const contributions = batch.map((a) => {
      const staleness = version - 1 - a.version;
      return { client: a.client, weight: clients[a.client]!.weight * (1 + staleness) ** -protocol.stalenessExponent, staleness, rho: a.load.rho };
    });
    const losses = opts.trainer ? await opts.trainer.aggregate(version, contributions) : { trainLoss: null, testLoss: null };
    for (const a of batch) clientRecords.push({ ...a.rec, round: version, status: version - 1 - a.version > 0 ? 'stale' : 'ok' });
    for (const r of cycleRecords) clientRecords.push({ ...r, round: version });
    const droppedStatuses = cycleRecords.map((r) => r.status);
    cycleRecords.length = 0;
    checkRows(clientRecords.length);
    const rec: RoundRecord = {
      method: label,
      replication: opts.replication ?? 1,
      round: version,
      sim_time_s: env.now,
      round_latency_s: env.now - lastAggS,
      planned_latency_s: plan.plannedLatencyS ?? null,
      train_loss: losses.trainLoss,
      test_loss: losses.testLoss,
      bytes_up: batch.reduce((s, a) => s + a.load.uploadBytes, 0),
      bytes_down: cycleBytesDown,
      energy_j: cycleEnergy,
      participants: batch.length,
      dropped: droppedStatuses.length,
      ...droppedCounts(droppedStatuses),
      rho_mean: weightedRho(contributions),
      timing_model: opts.timingModel,
      loss_model: opts.lossModel ?? 'none',
    };
    cycleBytesDown = 0;
    cycleEnergy = 0;
    lastAggS = env.now;
    roundRecords.push(rec);
    opts.onRound?.(rec);
    if (buffer.length >= protocol.buffer) {
      pendingAggregation = buffer;
      buffer = [];
    }
    // The next aggregation interval starts now: the stop rules are checked as before a sync round.
    stopReason = stop.beforeRound(version + 1, env.now, outcome(rec.test_loss, rec.participants, droppedStatuses, rec.round_latency_s));
    if (stopReason) done = true;
  }
  return { rounds: roundRecords, clients: clientRecords, eventsProcessed: env.eventsProcessed, stopReason: stopReason ?? 'no-participants' };
}
