/**
 * JCPBA in the simulation: at the start of every round, build the solver instance of
 * reconstructed JCPBA model (docs/jcpba-model.md: JCPBA's equations are not public) from the clients present, the method's fixed/prunable load split (src/methods/
 * jcpba.ts) and the channel at that moment, solve it (solvers/jcpba), and hand the engine each
 * client's pruning rate, load and uplink bandwidth. The engine then realises the round over the
 * fading uplinks, so rounds.csv shows the solver's planned latency beside the realised one.
 */
import { solveJcpba } from '../../solvers/jcpba/index.js';
import type { JcpbaClient, JcpbaInstance } from '../../solvers/jcpba/types.js';
import type { Architecture } from '../costs/architecture.js';
import type { LocalWork } from '../costs/schema.js';
import { jcpba, jcpbaSolverFields, jcpbaSplit, type JcpbaParams } from '../methods/jcpba.js';
import type { Radio } from '../radio/radio.js';
import { rayleighErgodicCapacityBpsPerHz, shannonRateBps } from '../radio/rate.js';
import type { ClientStatus } from '../output/records.js';
import type { ClientLoad, Planner, RoundPlan, SimClient } from './types.js';
import { sustainedFlopsPerS } from '../devices/compute.js';

export interface JcpbaPlannerOptions {
  params: JcpbaParams;
  arch: Architecture;
  work: LocalWork;
  clients: number;
  radio: Radio;
  /** Added to the solver's round latency so planned and realised latencies compare like for like. */
  aggregationTimeS: number;
}

/**
 * Download time the solver assumes for each client (its d_k). `gains` are the large-scale gains
 * (x the fading at the round start for `instant`).
 * - broadcast, ergodic: each block runs at the rate of the worst receiver, B log2(1 + P min_k g_k X_k
 *   / (N0 B)); the minimum of independent exponentials with means g_k is exponential with mean
 *   g_bc = 1 / sum_k (1 / g_k), so the broadcast is a Rayleigh link of gain g_bc and its ergodic rate
 *   is B exp(1/snr) E1(1/snr) / ln 2 at snr = P g_bc / (N0 B);
 * - unicast, ergodic: each client's own Rayleigh link on B/K with P/K;
 * - instant / average: the Shannon rate at the given gains (broadcast: the worst receiver).
 */
function plannedDownloadS(radio: Radio, gains: number[], bits: number, ergodic: boolean): number[] {
  const B = radio.downlinkBandwidthHz;
  const P = radio.downlinkTxPowerW;
  const n0 = radio.downlinkNoisePsdWPerHz;
  const K = gains.length;
  if (radio.config.downlink.mode === 'broadcast') {
    const rate = ergodic
      ? B * rayleighErgodicCapacityBpsPerHz((P / (n0 * B)) / gains.reduce((a, g) => a + 1 / g, 0))
      : shannonRateBps(B, P, Math.min(...gains), n0);
    return gains.map(() => bits / rate);
  }
  return gains.map((g) =>
    bits / (ergodic ? (B / K) * rayleighErgodicCapacityBpsPerHz((P * g) / (n0 * B)) : shannonRateBps(B / K, P / K, g, n0)),
  );
}

export function jcpbaPlanner(o: JcpbaPlannerOptions): Planner {
  const { params, arch, work, radio } = o;
  return {
    plan(round, nowS, present: readonly SimClient[]): RoundPlan {
      const loads: ClientLoad[] = new Array(o.clients);
      const excluded = new Map<number, ClientStatus>();
      const ctx = (c: SimClient, rho?: number) => ({ arch, work, round: round - 1, client: c.index, clients: present.length, rho });
      // Uplink gains: the fading at this moment (instant; reading it at the round start is safe:
      // every transfer of the round starts at or after it) or the large-scale mean. With ergodic
      // planning over Rayleigh fading the solver gets the large-scale gain and the Rayleigh ergodic
      // rate model, b exp(b/c) E1(b/c) / ln 2 at every share b it considers (solvers/README.md):
      // an upload spanning many coherence blocks runs at that rate, whatever share it gets.
      const ergodic = params.gains === 'ergodic' && radio.config.fading.model === 'rayleigh';
      const gain = (c: SimClient, link: 'uplink' | 'downlink') =>
        radio.largeScaleGain(c.index, round) * (params.gains === 'instant' ? radio.fading(c.index, link).gainAt(nowS) : 1);

      // A client whose memory floor is above rhoMax cannot take part at any pruning rate.
      const splits = new Map(present.map((c) => [c.index, jcpbaSplit(ctx(c), params)]));
      const candidates = present.filter((c) => {
        const s = splits.get(c.index)!;
        const floor = Math.max(0, 1 - (c.memoryBytes - s.fixedMemoryBytes) / s.prunableMemoryBytes);
        if (floor > params.rhoMax) {
          excluded.set(c.index, 'oom');
          loads[c.index] = jcpba.load(ctx(c, params.rhoMax), params);
          return false;
        }
        return true;
      });
      if (candidates.length === 0) return { loads, excluded };

      const downloadBits = 8 * jcpba.load(ctx(candidates[0]!, 0), params).downloadBytes;
      const dS = plannedDownloadS(radio, candidates.map((c) => gain(c, 'downlink')), downloadBits, ergodic);
      const instanceClients: JcpbaClient[] = candidates.map((c, i) => ({
        weight: c.weight,
        // The solver's F is the sustained speed; its latency model has no memory-bandwidth bound.
        flopsPerS: sustainedFlopsPerS(c),
        ...jcpbaSolverFields(splits.get(c.index)!),
        txPowerW: c.txPowerW,
        channelGain: gain(c, 'uplink'),
        downloadS: dS[i]!,
        memoryBytes: c.memoryBytes,
      }));
      const instance: JcpbaInstance = {
        bandwidthHz: radio.uplinkBandwidthHz,
        n0WPerHz: radio.uplinkNoisePsdWPerHz,
        rhoMax: params.rhoMax,
        rounds: params.roundsModel,
        clients: instanceClients,
        rateModel: ergodic ? 'rayleigh-ergodic' : 'shannon',
      };
      const res = solveJcpba(instance, params.solver, params.solver === 'bcd' ? { bcd: { start: params.bcdStart } } : {});
      if (res.status !== 'optimal') {
        for (const c of candidates) excluded.set(c.index, 'infeasible');
        return { loads, excluded };
      }
      const bandwidthHz: number[] = new Array(o.clients).fill(0);
      candidates.forEach((c, i) => {
        const rho = res.rho[i]!;
        const l = jcpba.load(ctx(c, rho), params);
        loads[c.index] = { flops: l.flops, memoryBytes: l.memoryBytes, uploadBytes: l.uploadBytes, downloadBytes: l.downloadBytes, memoryTrafficBytes: l.memoryTrafficBytes, rho };
        bandwidthHz[c.index] = res.bandwidthHz[i]!;
      });
      return { loads, bandwidthHz, plannedLatencyS: res.roundLatencyS + o.aggregationTimeS, excluded };
    },
  };
}
