/**
 * How long `airtune run` will take on this machine, before running it (`airtune costs`, `airtune
 * validate` warn when it is over 10 minutes). A cost model in three terms, per method:
 *
 *   seconds = c_block x (fading blocks visited) + c_client x (client-rounds) + (proxy training tokens) / r_train
 *
 * - fading blocks visited: per upload (and per round's download), N = bits / (b E[SE] Tc) blocks
 *   at an equal share b of the band and the link's ergodic efficiency at the client's mean SINR
 *   (its closed form under Rayleigh; SE at the mean SINR otherwise); `blocks` visits all N,
 *   `aggregate` about AGGREGATED_TRANSFER_BLOCKS (its leaps and last blocks, src/radio/aggregate.ts),
 *   `auto` the latter when N >= 10^4. A shared-band timeline (a `-reassign` policy, whole PRBs, an
 *   async round) steps all K clients at every block until the longest upload ends (aggregated:
 *   the last blocks before each of the K finishes). A broadcast coded per block reads every
 *   receiver's gain: x K.
 * - client-rounds: engine events, records and the link layer's bookkeeping of one client in one
 *   round.
 * - training: rounds x clients x localSteps x batchSize x seqLen tokens (plus pretraining and the
 *   evaluations, a forward pass each: a third of a training step's cost), at the proxy's measured
 *   tokens per CPU-second.
 * Rounds: the round cap, or the simulated-time budget over the estimated round latency (compute
 * + upload + download), whichever is smaller; with neither (a target loss alone), 100 rounds.
 * The constants were measured by `npm run bench` on the development machine (2 cores shared,
 * Node 20): `radio` prints the fading blocks per CPU-second, `training` the proxy's tokens per
 * CPU-second, `engine` the client-rounds; the figure is an order of magnitude, not a promise
 * (early stops at a target loss, dropped clients and JCPBA's calibration are not counted).
 */
import { getMethod } from '../methods/registry.js';
import { buildRadio } from '../radio/radio.js';
import { AUTO_MIN_BLOCKS } from '../radio/aggregate.js';
import { blockSpectralEfficiency } from '../radio/link-abstraction.js';
import type { LoadedScenario } from '../scenario/load.js';
import { sustainedFlopsPerS } from '../devices/compute.js';
import { loadClients } from './scenario.js';
import { stopRulesFor } from './stop.js';

export const RUNTIME_COST_MODEL = {
  /** CPU seconds per fading block visited (bench radio: ~9M blocks per second). */
  blockS: 110e-9,
  /** CPU seconds per client-round (bench engine and the timing-only shipped scenarios: 15-60 us). */
  clientRoundS: 50e-6,
  /** Proxy training tokens per CPU-second (bench training, 8 x 32, tfjs-wasm SIMD kernels). */
  trainTokensPerS: 17_000,
  /** Blocks an aggregated transfer still visits: O(log log N) leaps and the last few hundred blocks. */
  aggregatedTransferBlocks: 600,
  /** Rounds assumed when only a target loss stops a method. */
  defaultRounds: 100,
} as const;

/** `run` is expected to take longer than this: warn. */
export const LONG_RUN_WARNING_S = 600;

export interface MethodEstimate {
  label: string;
  rounds: number;
  /** Estimated round latency on the simulated clock, s. */
  roundLatencyS: number;
  fadingBlocks: number;
  trainingTokens: number;
  seconds: number;
}

export interface RuntimeEstimate {
  seconds: number;
  methods: MethodEstimate[];
}

export function estimateRuntime(loaded: LoadedScenario): RuntimeEstimate {
  const s = loaded.scenario;
  const clients = loadClients(loaded);
  const K = clients.length;
  const net = s.network;
  const radio = net.type === 'wireless' ? buildRadio(net, s.seed, clients) : null;
  const tc = net.type === 'wireless' && net.fading.model !== 'none' ? net.fading.coherenceTime : Infinity;
  const integration = net.type === 'wireless' ? (net.fading.integration ?? 'auto') : 'blocks';
  const shared =
    net.type === 'wireless' && (net.numerology !== undefined || net.bandwidthPolicy.endsWith('-reassign') || s.round.mode === 'async');
  const perBlockBroadcast = net.type === 'wireless' && net.downlink.mode === 'broadcast' && net.downlink.coding !== 'across-blocks';
  const visited = (blocks: number): number => {
    if (!Number.isFinite(tc)) return 1;
    if (integration === 'blocks' || (integration === 'auto' && blocks < AUTO_MIN_BLOCKS)) return blocks;
    return Math.min(blocks, RUNTIME_COST_MODEL.aggregatedTransferBlocks);
  };
  // Mean efficiency of a block at mean SINR x: closed form under Rayleigh, SE(x) otherwise.
  const meanSe = (link: 'uplink' | 'downlink', x: number): number => {
    if (!radio) return 0;
    if (net.type === 'wireless' && net.fading.model === 'rician') {
      return blockSpectralEfficiency(link === 'uplink' ? radio.uplinkLink : radio.downlinkLink, x, radio.outageSnrLinear);
    }
    return radio.ergodicSpectralEfficiency(link, x);
  };
  const training = s.training?.source === 'proxy' ? s.training : undefined;
  const tokensPerStep = training ? training.batchSize * training.seqLen : 0;
  const methods = s.methods.map((m): MethodEstimate => {
    const loads = clients.map((c, k) => {
      if (s.model.kind === 'explicit') return { flops: s.model.workload.flops, up: s.model.workload.upload, down: s.model.workload.download, fits: true };
      const method = getMethod(m.id);
      const l = method.load({ arch: s.model.arch, work: s.model.work, round: 0, client: k, clients: K }, method.paramsSchema.parse(m.params ?? {}) as Record<string, unknown>);
      return { flops: l.flops, up: l.uploadBytes, down: l.downloadBytes, fits: l.split !== undefined || l.memoryBytes <= c.memoryBytes };
    });
    const live = clients.filter((_, k) => loads[k]!.fits);
    const n = Math.max(1, live.length);
    let blocksPerRound = 0;
    let longestUploadBlocks = 0;
    let latency = 0;
    let download = 0;
    for (const c of live) {
      const l = loads[c.index]!;
      let upS = 0;
      if (radio) {
        const b = radio.uplinkBandwidthHz / n;
        const se = meanSe('uplink', radio.uplinkBudget(c.index, 0, b).sinr);
        upS = se > 0 ? (8 * l.up) / (b * se) : Infinity;
        if (shared) longestUploadBlocks = Math.max(longestUploadBlocks, upS / tc);
        else blocksPerRound += visited(Math.ceil(upS / tc));
        const dl = meanSe('downlink', (radio.downlinkTxPowerW * radio.largeScaleGain(c.index)) / (radio.downlinkNoisePsdWPerHz * radio.downlinkBandwidthHz));
        download = Math.max(download, dl > 0 ? (8 * l.down) / (radio.downlinkBandwidthHz * dl) : Infinity);
      }
      latency = Math.max(latency, l.flops / sustainedFlopsPerS(c) + upS);
    }
    // A shared timeline steps all n clients at each block until the last one ends; aggregated, it
    // walks the last blocks before each of the n finishes.
    if (shared && Number.isFinite(tc)) {
      const walked = integration === 'blocks' || (integration === 'auto' && longestUploadBlocks < AUTO_MIN_BLOCKS)
        ? longestUploadBlocks
        : Math.min(longestUploadBlocks, n * RUNTIME_COST_MODEL.aggregatedTransferBlocks);
      blocksPerRound += n * walked;
    }
    if (radio && Number.isFinite(download)) blocksPerRound += visited(Math.ceil(download / tc)) * (perBlockBroadcast ? n : 1);
    latency += Number.isFinite(download) ? download : 0;
    const rules = stopRulesFor(s, m);
    let rounds = rules.rounds ?? Infinity;
    if (rules.simTimeS !== undefined && latency > 0) rounds = Math.min(rounds, Math.ceil(rules.simTimeS / latency));
    if (!Number.isFinite(rounds)) rounds = RUNTIME_COST_MODEL.defaultRounds;
    const evalTokens = training ? (training.evalBatches * tokensPerStep) / 3 / training.evalEvery : 0;
    const trainingTokens = training ? rounds * (n * training.localSteps * tokensPerStep + evalTokens) : 0;
    const fadingBlocks = rounds * (Number.isFinite(blocksPerRound) ? blocksPerRound : 0);
    const seconds =
      fadingBlocks * RUNTIME_COST_MODEL.blockS + rounds * K * RUNTIME_COST_MODEL.clientRoundS + trainingTokens / RUNTIME_COST_MODEL.trainTokensPerS;
    return { label: m.label, rounds, roundLatencyS: latency, fadingBlocks, trainingTokens, seconds };
  });
  const pretrain = training ? (training.pretrainSteps * tokensPerStep) / RUNTIME_COST_MODEL.trainTokensPerS : 0;
  return { seconds: pretrain + methods.reduce((a, m) => a + m.seconds, 0), methods };
}

/** One line for `costs` / `validate`: the estimate and where it comes from. */
export function describeEstimate(e: RuntimeEstimate): string {
  const top = [...e.methods].sort((a, b) => b.seconds - a.seconds)[0];
  const fmt = (x: number) => (x >= 3600 ? `${(x / 3600).toFixed(1)} h` : x >= 60 ? `${(x / 60).toFixed(1)} min` : `${x.toFixed(x < 10 ? 1 : 0)} s`);
  const why = top ? `; slowest: ${top.label}, ${top.rounds} rounds, ${top.fadingBlocks.toExponential(1)} fading blocks visited, ${top.trainingTokens.toExponential(1)} training tokens` : '';
  return `estimated run time on this machine: ~${fmt(e.seconds)} (cost model in src/simulation/runtime-estimate.ts${why})`;
}

/** The warning for an estimate over LONG_RUN_WARNING_S, or null. */
export function longRunWarning(e: RuntimeEstimate, integration: string | undefined): string | null {
  if (!(e.seconds > LONG_RUN_WARNING_S)) return null;
  const blocksS = e.methods.reduce((a, m) => a + m.fadingBlocks * RUNTIME_COST_MODEL.blockS, 0);
  const trainS = e.methods.reduce((a, m) => a + m.trainingTokens / RUNTIME_COST_MODEL.trainTokensPerS, 0);
  const hint =
    blocksS >= trainS
      ? integration === 'blocks'
        ? 'most of it is visiting fading blocks one by one: network.fading.integration: auto (or aggregate) integrates long transfers in aggregate'
        : 'most of it is the radio timelines: fewer rounds or clients shorten it'
      : 'most of it is proxy training: fewer rounds, localSteps or a smaller batch shorten it';
  return `a run is estimated to take ~${(e.seconds / 60).toFixed(0)} minutes on this machine (over ${LONG_RUN_WARNING_S / 60}); ${hint} (\`airtune costs\` shows the estimate)`;
}

/**
 * The estimate, or null if the scenario is outside what the cost model knows (the estimate is
 * advice: it never stops `validate` or `costs`).
 */
export function tryEstimateRuntime(loaded: LoadedScenario): RuntimeEstimate | null {
  try {
    return estimateRuntime(loaded);
  } catch {
    return null;
  }
}
