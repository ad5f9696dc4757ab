/**
 * JCPBA in the simulation: at the start of every round, build the solver instance of
 * reconstructed JCPBA model (docs/jcpba-model.md: JCPBA's equations are not public) from the clients present, the method's fixed/prunable load split (src/methods/
 * jcpba.ts) and the channel at that moment, solve it (solvers/jcpba), and hand the engine each
 * client's pruning rate, load and uplink bandwidth. The solver plans with the cell's link model
 * (a concave surrogate for MCS tables and cuts), power control (an SNR ceiling per client) and
 * interference (a noise rise); the radio then rounds its continuous shares to whole PRBs when the
 * cell has a numerology, and realises the round over the fading uplinks, so rounds.csv shows the
 * solver's planned latency beside the realised one.
 */
import { solveJcpba, SolverRangeError } from '../../solvers/jcpba/index.js';
import type { JcpbaClient, JcpbaInstance, RateModel } from '../../solvers/jcpba/types.js';
import type { Architecture } from '../costs/architecture.js';
import type { LocalWork } from '../costs/schema.js';
import { jcpba, jcpbaSolverFields, jcpbaSplit, roundsConstants, type JcpbaParams } from '../methods/jcpba.js';
import type { Radio } from '../radio/radio.js';
import { blockSpectralEfficiency } from '../radio/link-abstraction.js';
import { concaveSurrogate } from '../radio/concave-surrogate.js';
import { powerControlSnrCeiling } from '../radio/power-control.js';
import type { ClientStatus } from '../output/records.js';
import { fitsInMemory } from '../devices/device.js';
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
 * (x the fading at the round start for `instant`); SE is the downlink's link model (outage
 * included), s = P g / (N0 B) the mean SNR of a gain g on the whole band.
 * - broadcast, per-block coding, ergodic: each block runs at the rate of the worst receiver,
 *   B SE(P min_k g_k X_k / (N0 B)); the minimum of independent exponentials with means g_k is
 *   exponential with mean g_bc = 1 / sum_k (1 / g_k), so the broadcast is a Rayleigh link of gain
 *   g_bc: rate B E[SE(s_bc X)] (for Shannon, B exp(1/s) E1(1/s) / ln 2);
 * - broadcast, across-blocks coding: the worst receiver's ergodic rate, min_k B E[SE(s_k X)];
 * - unicast, ergodic: each client's own Rayleigh link on B/K with P/K: (B/K) E[SE(s_k X)];
 * - instant / average: the rate at the given gains (broadcast: the worst receiver), B SE(s).
 */
function plannedDownloadS(radio: Radio, gains: number[], bits: number, ergodic: boolean): number[] {
  const B = radio.downlinkBandwidthHz;
  const P = radio.downlinkTxPowerW;
  const n0 = radio.downlinkNoisePsdWPerHz;
  const K = gains.length;
  const snr = (g: number) => (P * g) / (n0 * B);
  const se = (s: number) => (ergodic ? radio.ergodicSpectralEfficiency('downlink', s) : blockSpectralEfficiency(radio.downlinkLink, s, radio.outageSnrLinear));
  if (radio.config.downlink.mode === 'broadcast') {
    // reduce, not Math.min(...spread): one gain per client, and a spread of 10^5 overflows the stack.
    let rate: number;
    if (ergodic && radio.config.downlink.coding === 'across-blocks') rate = B * gains.reduce((a, g) => Math.min(a, se(snr(g))), Infinity);
    else if (ergodic) rate = B * se(snr(1 / gains.reduce((a, g) => a + 1 / g, 0)));
    else rate = B * se(snr(gains.reduce((a, g) => Math.min(a, g), Infinity)));
    return gains.map(() => bits / rate);
  }
  return gains.map((g) => bits / ((B / K) * se(snr(g))));
}

/**
 * The rate model the solver plans with. Shannon keeps the solver's own exact models ('shannon' at
 * the given gains, 'rayleigh-ergodic' at the large-scale gains); any other link model plans on the
 * concave surrogate of its effective efficiency (src/radio/concave-surrogate.ts): the block
 * efficiency SE(x) with the outage cut, or its Rayleigh-ergodic average E[SE(x X)].
 */
export function planningRateModel(radio: Radio, ergodic: boolean): RateModel {
  const link = radio.uplinkLink;
  if (link.kind === 'shannon') return ergodic ? 'rayleigh-ergodic' : 'shannon';
  const cut = radio.outageSnrLinear;
  return ergodic
    ? concaveSurrogate(`${link.label}, Rayleigh ergodic`, (x) => link.rayleighErgodic(x, cut))
    : concaveSurrogate(link.label, (x) => blockSpectralEfficiency(link, x, cut), [...link.breakpoints, cut]);
}

export function jcpbaPlanner(o: JcpbaPlannerOptions): Planner {
  const { params, arch, work, radio } = o;
  const ergodicPlanning = params.gains === 'ergodic' && radio.config.fading.model === 'rayleigh';
  const rateModel = planningRateModel(radio, ergodicPlanning);
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
      const ergodic = ergodicPlanning;
      const gain = (c: SimClient, link: 'uplink' | 'downlink') =>
        radio.largeScaleGain(c.index, round) * (params.gains === 'instant' ? radio.fading(c.index, link).gainAt(nowS) : 1);

      // A client whose load does not fit even at rhoMax cannot take part at any pruning rate; the
      // same test (memoryFits, one tolerance) as the device check of the run and the solver's floors.
      const splits = new Map(present.map((c) => [c.index, jcpbaSplit(ctx(c), params)]));
      const candidates = present.filter((c) => {
        const atMax = jcpba.load(ctx(c, params.rhoMax), params);
        if (!fitsInMemory(c, atMax.memoryBytes)) {
          excluded.set(c.index, 'oom');
          loads[c.index] = atMax;
          return false;
        }
        // A client that cannot send even its smallest (most pruned) update takes no share.
        if (radio.uplinkHopeless(c.index, round, 8 * atMax.uploadBytes)) {
          excluded.set(c.index, 'no-link');
          loads[c.index] = atMax;
          return false;
        }
        return true;
      });
      if (candidates.length === 0) return { loads, excluded };

      const downloadBits = 8 * jcpba.load(ctx(candidates[0]!, 0), params).downloadBytes;
      const dS = plannedDownloadS(radio, candidates.map((c) => gain(c, 'downlink')), downloadBits, ergodic);
      // Interference enters as a noise rise at the equal share (it depends on the share only
      // through the interferers' power); power control as the SNR ceiling of each client.
      const n0 = radio.uplinkNoisePsdWPerHz;
      const bEqual = radio.uplinkBandwidthHz / candidates.length;
      const instanceClients: JcpbaClient[] = candidates.map((c, i) => {
        const g = gain(c, 'uplink');
        const rise = 1 + radio.interferenceW(c.index, round, bEqual) / (n0 * bEqual);
        const pc = radio.powerControl;
        const lossDb = radio.pathLossDb(c.index) + radio.shadowingDb(c.index, round);
        return {
          weight: c.weight,
          // The solver's F is the sustained speed; its latency model has no memory-bandwidth bound.
          flopsPerS: sustainedFlopsPerS(c),
          ...jcpbaSolverFields(splits.get(c.index)!),
          txPowerW: c.txPowerW,
          channelGain: g / rise,
          downloadS: dS[i]!,
          memoryBytes: c.memoryBytes,
          ...(pc ? { snrCap: powerControlSnrCeiling(pc, lossDb, g / rise, n0) } : {}),
        };
      });
      const instance: JcpbaInstance = {
        bandwidthHz: radio.uplinkBandwidthHz,
        n0WPerHz: radio.uplinkNoisePsdWPerHz,
        rhoMax: params.rhoMax,
        rounds: roundsConstants(params),
        clients: instanceClients,
        rateModel,
      };
      let res: ReturnType<typeof solveJcpba>;
      try {
        res = solveJcpba(instance, params.solver, params.solver === 'bcd' ? { bcd: { start: params.bcdStart } } : {});
      } catch (e) {
        // The round's numbers are beyond the solver (solvers/jcpba SolverRangeError): nobody is planned.
        if (!(e instanceof SolverRangeError)) throw e;
        for (const c of candidates) excluded.set(c.index, 'infeasible');
        return { loads, excluded };
      }
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
