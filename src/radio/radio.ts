/**
 * `buildRadio(config, seed, clients)`: the wireless cell the simulation talks to. It owns, per
 * client, the path loss (from the client's distance), the shadowing and one fading process per
 * link direction (uplink and downlink fade independently, as in FDD), all drawn from
 * `RandomStream.of(seed, 'radio', <purpose>, clientIndex, ...)`. Per-client state is created on
 * first use, so memory grows with the clients actually used, and each client's draws never depend
 * on the others.
 */
import { RandomStream } from '../random/index.js';
import { dbToLinear, linearToDb } from '../scenario/units.js';
import {
  cappedSplit,
  checkAllocation,
  sharedUploadTimeline,
  splitProportional,
  type AllocationClient,
  type AllocationInput,
  type BandwidthAllocator,
  type SharedUpload,
} from './bandwidth.js';
import type { BandwidthPolicyName, LinkModelConfig, WirelessNetwork } from './config.js';
import { makeFadingProcess, type FadingProcess, type FadingSpec } from './fading.js';
import { HexInterference, iotInterference, sumInterference, type InterferenceModel } from './interference.js';
import { blockSpectralEfficiency, shannonLink, type LinkAbstraction } from './link-abstraction.js';
import { attenuatedShannonLink, attenuatedShannonParams } from './attenuated-shannon.js';
import { nrMcsLink, type McsTableName } from './nr-mcs.js';
import { effectiveNoisePsdWPerHz } from './noise.js';
import { prbBandwidthHz, prbCount, type Numerology } from './numerology.js';
import { ricianSnr } from './block-moments.js';
import { FreeSpacePathLoss, LogDistancePathLoss, ThreeGppMacroPathLoss, freeSpaceLossDb, type PathLossModel } from './pathloss.js';
import { fractionalPowerW, type PowerControlParams } from './power-control.js';
import { LogNormalShadowing, type ShadowingModel } from './shadowing.js';
import {
  broadcastTimeline,
  downloadTimeline,
  linkHopeless,
  noLinkResult,
  uploadTimeline,
  type TransferResult,
} from './timeline.js';

/** What the radio needs to know about a client (a `Device` has these fields). */
export interface RadioClient {
  distanceM: number;
  txPowerW: number;
}

export type Link = 'uplink' | 'downlink';

/** One client's upload in a round. */
export interface RoundUpload {
  client: number;
  /** Ready to upload (end of local computation), s. */
  startS: number;
  bits: number;
  /** For allocators: local compute time this round (default 0). */
  computeS?: number;
  /** For allocators: download time of this round (default 0). */
  downloadS?: number;
  /** Weight for `proportional` (default: `bits`); passed to allocators as `weight` (default 1). */
  weight?: number;
}

/** A transfer of a round, with the share it got and how long it waited for one. */
export interface RoundTransfer extends TransferResult {
  /** Its first non-zero bandwidth share, Hz (0: it never got one). */
  firstBandwidthHz: number;
  /** Time from its start to its first share (waiting for a PRB), s. */
  waitS: number;
}

export interface UploadRoundResult {
  /** Initial bandwidth of each upload, Hz, in input order (0 if it had to wait for a PRB). */
  bandwidthHz: number[];
  /** Per upload, in input order. */
  results: RoundTransfer[];
}

/** Large-scale link budget of an uplink share (no fast fading). */
export interface LinkBudget {
  txPowerW: number;
  /** Path loss x shadowing, linear. */
  gain: number;
  noiseW: number;
  interferenceW: number;
  /** p G / N (linear). */
  snr: number;
  /** p G / (N + I) (linear). */
  sinr: number;
}

export interface Radio {
  readonly config: WirelessNetwork;
  readonly clientCount: number;
  /** Usable bandwidth of each link: the channel, or its N_RB PRBs with a numerology. */
  readonly uplinkBandwidthHz: number;
  readonly downlinkBandwidthHz: number;
  readonly downlinkTxPowerW: number;
  /** Noise PSD (W/Hz, noise figure included) at the base station / at the devices. */
  readonly uplinkNoisePsdWPerHz: number;
  readonly downlinkNoisePsdWPerHz: number;
  /** Linear outage SNR threshold (0 = no outage). */
  readonly outageSnrLinear: number;
  readonly policy: { split: 'equal' | 'proportional' | 'allocator'; reassign: boolean };
  /** Link abstraction of each direction. */
  readonly uplinkLink: LinkAbstraction;
  readonly downlinkLink: LinkAbstraction;
  /** PRB grid, when the cell has a numerology. */
  readonly numerology?: Numerology;
  /** Uplink power control, when configured. */
  readonly powerControl?: PowerControlParams;
  /** Uplink interference model, when configured. */
  readonly interference?: InterferenceModel;
  pathLossDb(client: number): number;
  shadowingDb(client: number, round?: number): number;
  /** Path loss x shadowing, linear (mean channel power gain over fading). */
  largeScaleGain(client: number, round?: number): number;
  fading(client: number, link: Link): FadingProcess;
  /** Uplink transmit power on a share (power control, else the client's txPower), W. */
  txPowerW(client: number, round: number, bandwidthHz: number): number;
  /** Uplink interference at the base station on a share, W. */
  interferenceW(client: number, round: number, bandwidthHz: number): number;
  /** Large-scale uplink budget on a share. */
  uplinkBudget(client: number, round: number, bandwidthHz: number): LinkBudget;
  /**
   * Mean SNR in dB (large-scale only, without interference; the uplink at the controlled power) on
   * `bandwidthHz` (default: the whole band of the link).
   */
  snrDb(client: number, opts?: { round?: number; link?: Link; bandwidthHz?: number }): number;
  /** Mean uplink SINR in dB (interference included) on `bandwidthHz`. */
  sinrDb(client: number, opts: { round?: number; bandwidthHz: number }): number;
  /** E[SE(s X)] of a link at mean SINR s under the cell's fading (outage included), bit/s/Hz. */
  ergodicSpectralEfficiency(link: Link, meanSnr: number): number;
  /** Can `bits` never leave this client within the no-link horizon, even on the whole band? */
  uplinkHopeless(client: number, round: number, bits: number): boolean;
  /**
   * The most uplink bandwidth worth giving a client: the share (whole PRBs with a numerology)
   * that maximises its mean rate b E[SE(SINR(b) X)] (Infinity for Shannon without outage, whose
   * rate grows with b). Beyond it a power-limited client's SINR falls below the next MCS or cut
   * and its rate drops; a scheduler that knows the power headroom (TS 38.213 Sec. 7.7) stops there.
   */
  usefulShareHz(client: number, round: number): number;
  /** Upload over the client's uplink fading at a fixed share `bandwidthHz`. */
  uploadTimeline(p: { client: number; round?: number; startS: number; bits: number; bandwidthHz: number; deadlineS?: number }): TransferResult;
  /** Unicast download to one client at `bandwidthHz` and `txPowerW` of the base station. */
  downloadTimeline(p: {
    client: number;
    round?: number;
    startS: number;
    bits: number;
    bandwidthHz: number;
    txPowerW: number;
    deadlineS?: number;
  }): TransferResult;
  /** The allocator's view of a round's uploads. */
  allocationInput(round: number, uploads: readonly RoundUpload[]): AllocationInput;
  /**
   * All uploads of a round under the configured bandwidth policy (allocator needed for
   * `allocator*`), or at the given continuous shares `bandwidthHz` (e.g. a planner's), rounded to
   * whole PRBs when the cell has a numerology. `active: true` shares the band among the uploads
   * in flight only (the async mode: whoever is uploading, whatever the policy's sharers).
   */
  uploadRound(p: {
    round: number;
    uploads: readonly RoundUpload[];
    allocator?: BandwidthAllocator;
    bandwidthHz?: readonly number[];
    deadlineS?: number;
    active?: boolean;
  }): UploadRoundResult;
  /** The round's model download to `clients` under the configured downlink mode; per client, in order. */
  downloadRound(p: { round: number; clients: readonly number[]; startS: number; bits: number; deadlineS?: number }): RoundTransfer[];
  /**
   * Uploads in flight sharing the band (async mode): the band is re-split, under the policy's
   * weights (equal: 1; proportional: `weight`, default bits), at every start and finish among the
   * uploads that are sending. Each upload carries its own round (shadowing, interference draws).
   */
  inFlightTimeline(uploads: readonly (RoundUpload & { round: number })[], deadlineS?: number): RoundTransfer[];
}

export function parseBandwidthPolicy(name: BandwidthPolicyName): Radio['policy'] {
  const [split, suffix] = name.split('-') as ['equal' | 'proportional' | 'allocator', string | undefined];
  return { split, reassign: suffix === 'reassign' };
}

export function buildPathLoss(cfg: WirelessNetwork['pathLoss']): PathLossModel {
  switch (cfg.model) {
    case '3gpp-macro':
      return new ThreeGppMacroPathLoss();
    case 'free-space':
      return new FreeSpacePathLoss(cfg.frequency);
    case 'log-distance':
      return new LogDistancePathLoss(
        cfg.exponent,
        cfg.refDistance,
        cfg.refLoss ?? freeSpaceLossDb(cfg.refDistance, cfg.frequency!),
      );
  }
}

/** The link abstraction of one direction from its config (TR 36.942 defaults are per direction). */
export function buildLinkModel(cfg: LinkModelConfig, direction: Link): LinkAbstraction {
  switch (cfg.kind) {
    case 'shannon':
      return shannonLink;
    case 'attenuated-shannon':
      return attenuatedShannonLink(attenuatedShannonParams(cfg, direction));
    case 'nr-mcs':
      return nrMcsLink({ table: cfg.table as McsTableName, blerTarget: cfg.blerTarget, thresholdsDb: cfg.thresholds });
  }
}

/** Noise figures per link: per-link field, else `noise.figure`, else 5 dB (BS) / 9 dB (UE), TR 36.814. */
export function noiseFiguresDb(config: WirelessNetwork): { uplink: number; downlink: number } {
  return {
    uplink: config.uplink.noiseFigure ?? config.noise.figure ?? BS_NOISE_FIGURE_DB,
    downlink: config.downlink.noiseFigure ?? config.noise.figure ?? UE_NOISE_FIGURE_DB,
  };
}

/** Base station noise figure, 3GPP TR 36.814 v9.0.0 Annex A.2.1.1 (macro-cell baseline: eNB 5 dB). */
export const BS_NOISE_FIGURE_DB = 5;
/** UE noise figure, 3GPP TR 36.814 v9.0.0 Annex A.2.1.1 (macro-cell baseline: UE 9 dB). */
export const UE_NOISE_FIGURE_DB = 9;

const NO_ROUND_TRANSFER = { firstBandwidthHz: 0, waitS: 0 };

export function fadingSpec(cfg: WirelessNetwork['fading']): FadingSpec {
  switch (cfg.model) {
    case 'none':
      return { model: 'none' };
    case 'rayleigh':
      return { model: 'rayleigh', coherenceTimeS: cfg.coherenceTime };
    case 'rician':
      return { model: 'rician', coherenceTimeS: cfg.coherenceTime, kFactorLinear: dbToLinear(cfg.kFactor) };
  }
}

export function buildRadio(config: WirelessNetwork, seed: number, clients: readonly RadioClient[]): Radio {
  const pathLoss = buildPathLoss(config.pathLoss);
  const shadowing: ShadowingModel = new LogNormalShadowing(seed, config.shadowing.sigma, config.shadowing.mode);
  const spec = fadingSpec(config.fading);
  const policy = parseBandwidthPolicy(config.bandwidthPolicy);
  const nf = noiseFiguresDb(config);
  const uplinkNoise = effectiveNoisePsdWPerHz(config.noise.psd, nf.uplink);
  const downlinkNoise = effectiveNoisePsdWPerHz(config.noise.psd, nf.downlink);
  const outageSnrLinear = config.outageSnr === undefined ? 0 : dbToLinear(config.outageSnr);
  const integration = config.fading.integration ?? 'auto';
  const uplinkLink = buildLinkModel(config.uplink.linkModel ?? config.linkModel, 'uplink');
  const downlinkLink = buildLinkModel(config.downlink.linkModel ?? config.linkModel, 'downlink');
  const numerology: Numerology | undefined = config.numerology
    ? {
        scsHz: config.numerology.scs,
        prbHz: prbBandwidthHz(config.numerology.scs),
        uplinkPrbs: prbCount(config.uplink.bandwidth, config.numerology.scs)!,
        downlinkPrbs: prbCount(config.downlink.bandwidth, config.numerology.scs)!,
      }
    : undefined;
  const uplinkB = numerology ? numerology.uplinkPrbs * numerology.prbHz : config.uplink.bandwidth;
  const downlinkB = numerology ? numerology.downlinkPrbs * numerology.prbHz : config.downlink.bandwidth;
  const pc: PowerControlParams | undefined = config.powerControl ? { p0W: config.powerControl.p0, alpha: config.powerControl.alpha } : undefined;
  const pathLossCache = new Float64Array(clients.length).fill(Number.NaN);
  const fadingUp: (FadingProcess | undefined)[] = new Array(clients.length);
  const fadingDown: (FadingProcess | undefined)[] = new Array(clients.length);

  const client = (i: number): RadioClient => {
    const c = clients[i];
    if (c === undefined) throw new RangeError(`no client ${i} (the radio has ${clients.length})`);
    return c;
  };
  const pathLossDb = (i: number): number => {
    let v = pathLossCache[i];
    if (v === undefined || Number.isNaN(v)) {
      v = pathLoss.lossDb(client(i).distanceM);
      pathLossCache[i] = v;
    }
    return v;
  };
  const shadowingDb = (i: number, round = 0): number => shadowing.lossDb(i, round);
  const largeScaleGain = (i: number, round = 0): number => dbToLinear(-(pathLossDb(i) + shadowingDb(i, round)));
  const fading = (i: number, link: Link): FadingProcess => {
    client(i);
    const table = link === 'uplink' ? fadingUp : fadingDown;
    let f = table[i];
    if (f === undefined) {
      // Block gains and aggregate draws (aggregate.ts) come from two named streams of the link.
      f = makeFadingProcess(spec, RandomStream.of(seed, 'radio', 'fading', link, i), RandomStream.of(seed, 'radio', 'fading-leap', link, i));
      table[i] = f;
    }
    return f;
  };
  const txPowerW = (i: number, round: number, bandwidthHz: number): number =>
    pc ? fractionalPowerW(pc, client(i).txPowerW, pathLossDb(i) + shadowingDb(i, round), bandwidthHz) : client(i).txPowerW;

  const ic = config.interference;
  const models: InterferenceModel[] = [];
  if (ic?.iot !== undefined && ic.iot > 0) models.push(iotInterference(ic.iot, uplinkNoise));
  if (ic?.cells !== undefined && ic.cells > 1) {
    models.push(
      new HexInterference({
        seed,
        cells: ic.cells,
        load: ic.load,
        cellRadiusM: config.cellRadius,
        minDistanceM: ic.minDistance,
        pathLossDb: (d) => pathLoss.lossDb(d),
        shadowingSigmaDb: config.shadowing.sigma,
        interfererPowerW: (ownLossDb, b) => (pc ? fractionalPowerW(pc, ic.txPower, ownLossDb, b) : ic.txPower),
      }),
    );
  }
  const interference = sumInterference(models);
  const interferenceW = (i: number, round: number, b: number): number => (interference ? interference.powerW(i, round, b) : 0);

  const ergodicSe = (link: LinkAbstraction, meanSnr: number): number => {
    switch (spec.model) {
      case 'none':
        return blockSpectralEfficiency(link, meanSnr, outageSnrLinear);
      case 'rayleigh':
        return link.rayleighErgodic(meanSnr, outageSnrLinear);
      case 'rician':
        throw new RangeError('the ergodic rate of a Rician link is not available in closed form (use fading none or rayleigh)');
    }
  };
  // The block gain's tail P(X >= x) for the no-link bound (timeline.ts): exact for each law.
  const gainSurvival: (x: number) => number =
    spec.model === 'rayleigh' ? (x) => Math.exp(-x) : spec.model === 'rician' ? ricianSnr(spec.kFactorLinear, 1).survival : (x) => (x <= 1 ? 1 : 0);
  const hopeless = (bits: number, maxBandwidthHz: number, snrBandwidthHz: number, link: LinkAbstraction): boolean =>
    linkHopeless(bits, maxBandwidthHz, snrBandwidthHz, link, outageSnrLinear, numerology?.prbHz ?? 0, gainSurvival);
  // An IoT margin raises the noise floor on every share (interference.ts): the no-link test's
  // rate bound may use the raised floor (a hex layout's interference can be 0, so only IoT counts).
  const uplinkFloorPsd = uplinkNoise * (ic?.iot !== undefined && ic.iot > 0 ? dbToLinear(ic.iot) : 1);
  const uplinkHopeless = (i: number, round: number, bits: number): boolean =>
    hopeless(bits, uplinkB, (client(i).txPowerW * largeScaleGain(i, round)) / uplinkFloorPsd, uplinkLink);

  const usefulCache = new Map<number, { round: number; hz: number }>();
  const usefulShareHz = (i: number, round: number): number => {
    if (uplinkLink.kind === 'shannon' && outageSnrLinear === 0) return Infinity;
    const hit = usefulCache.get(i);
    if (hit && hit.round === round) return hit.hz;
    const se = (snr: number) => (spec.model === 'rayleigh' ? ergodicSe(uplinkLink, snr) : blockSpectralEfficiency(uplinkLink, snr, outageSnrLinear));
    const cands = numerology
      ? Array.from({ length: numerology.uplinkPrbs }, (_, n) => (n + 1) * numerology.prbHz)
      : Array.from({ length: 161 }, (_, j) => uplinkB * 2 ** (-(160 - j) / 8));
    let best = 0;
    let hz = uplinkB;
    for (const b of cands) {
      const budget = radio.uplinkBudget(i, round, b);
      const r = b * se(budget.sinr);
      if (r > best * (1 + 1e-9)) {
        best = r;
        hz = b;
      }
    }
    if (best === 0) hz = uplinkB;
    usefulCache.set(i, { round, hz });
    return hz;
  };

  const sharedUpload = (u: RoundUpload, round: number, weight: number): SharedUpload => ({
    startS: u.startS,
    bits: u.bits,
    txPowerW: client(u.client).txPowerW,
    largeScaleGain: largeScaleGain(u.client, round),
    fading: fading(u.client, 'uplink'),
    weight,
    powerAt: pc ? (b) => txPowerW(u.client, round, b) : undefined,
    interferenceAt: interference ? (b) => interferenceW(u.client, round, b) : undefined,
    noLink: uplinkHopeless(u.client, round, u.bits),
    maxShareHz: usefulShareHz(u.client, round),
  });

  const radio: Radio = {
    config,
    clientCount: clients.length,
    uplinkBandwidthHz: uplinkB,
    downlinkBandwidthHz: downlinkB,
    downlinkTxPowerW: config.downlink.txPower,
    uplinkNoisePsdWPerHz: uplinkNoise,
    downlinkNoisePsdWPerHz: downlinkNoise,
    outageSnrLinear,
    policy,
    uplinkLink,
    downlinkLink,
    numerology,
    powerControl: pc,
    interference,
    pathLossDb,
    shadowingDb,
    largeScaleGain,
    fading,
    txPowerW,
    interferenceW,

    uplinkBudget(i, round, bandwidthHz) {
      const p = txPowerW(i, round, bandwidthHz);
      const gain = largeScaleGain(i, round);
      const noiseW = uplinkNoise * bandwidthHz;
      const iw = interferenceW(i, round, bandwidthHz);
      return { txPowerW: p, gain, noiseW, interferenceW: iw, snr: (p * gain) / noiseW, sinr: (p * gain) / (noiseW + iw) };
    },

    snrDb(i, opts = {}) {
      const link = opts.link ?? 'uplink';
      const bandwidthHz = opts.bandwidthHz ?? (link === 'uplink' ? uplinkB : downlinkB);
      const round = opts.round ?? 0;
      if (link === 'uplink') return linearToDb(radio.uplinkBudget(i, round, bandwidthHz).snr);
      return linearToDb((config.downlink.txPower * largeScaleGain(i, round)) / (downlinkNoise * bandwidthHz));
    },

    sinrDb(i, { round = 0, bandwidthHz }) {
      return linearToDb(radio.uplinkBudget(i, round, bandwidthHz).sinr);
    },

    ergodicSpectralEfficiency(link, meanSnr) {
      return ergodicSe(link === 'uplink' ? uplinkLink : downlinkLink, meanSnr);
    },

    uplinkHopeless,
    usefulShareHz,

    uploadTimeline({ client: i, round = 0, startS, bits, bandwidthHz, deadlineS }) {
      if (uplinkHopeless(i, round, bits)) return noLinkResult(startS);
      return uploadTimeline({
        startS,
        bits,
        bandwidthHz,
        txPowerW: txPowerW(i, round, bandwidthHz),
        noisePsdWPerHz: uplinkNoise,
        largeScaleGain: largeScaleGain(i, round),
        fading: fading(i, 'uplink'),
        outageSnrLinear,
        interferenceW: interferenceW(i, round, bandwidthHz),
        link: uplinkLink,
        deadlineS,
        integration,
      });
    },

    downloadTimeline({ client: i, round = 0, startS, bits, bandwidthHz, txPowerW: p, deadlineS }) {
      if (hopeless(bits, downlinkB, (config.downlink.txPower * largeScaleGain(i, round)) / downlinkNoise, downlinkLink)) {
        return noLinkResult(startS);
      }
      return downloadTimeline({
        startS,
        bits,
        bandwidthHz,
        txPowerW: p,
        noisePsdWPerHz: downlinkNoise,
        largeScaleGain: largeScaleGain(i, round),
        fading: fading(i, 'downlink'),
        outageSnrLinear,
        link: downlinkLink,
        deadlineS,
        integration,
      });
    },

    allocationInput(round, uploads) {
      const cs: AllocationClient[] = uploads.map((u) => ({
        index: u.client,
        largeScaleGain: largeScaleGain(u.client, round),
        txPowerW: client(u.client).txPowerW,
        uploadBits: u.bits,
        computeS: u.computeS ?? 0,
        downloadS: u.downloadS ?? 0,
        weight: u.weight ?? 1,
      }));
      return { totalBandwidthHz: uplinkB, noisePsdWPerHz: uplinkNoise, clients: cs };
    },

    uploadRound({ round, uploads, allocator, bandwidthHz: given, deadlineS, active }) {
      if (uploads.length === 0) return { bandwidthHz: [], results: [] };
      const B = uplinkB;
      // Clients that cannot send within the horizon even on the whole band take no share.
      const doomed = uploads.map((u) => uplinkHopeless(u.client, round, u.bits));
      const live = uploads.filter((_, k) => !doomed[k]);
      const spread = (hz: number[]): number[] => {
        let j = 0;
        return uploads.map((_, k) => (doomed[k] ? 0 : hz[j++]!));
      };
      // No client gets more than its useful share (water-filling the rest among the others).
      const caps = uploads.map((u) => usefulShareHz(u.client, round));
      let shares: number[];
      if (given) {
        shares = uploads.map((_, k) => (doomed[k] ? 0 : Math.min(given[k]!, caps[k]!)));
      } else if (policy.split === 'equal' || (active && policy.split === 'allocator')) {
        // (Async without a planner's shares: an allocator policy falls back to the equal split.)
        shares = cappedSplit(B, uploads.map((_, k) => (doomed[k] ? 0 : 1)), caps);
      } else if (policy.split === 'proportional') {
        shares = cappedSplit(B, uploads.map((u, k) => (doomed[k] ? 0 : (u.weight ?? u.bits))), caps);
      } else {
        if (!allocator) throw new Error(`bandwidthPolicy "${config.bandwidthPolicy}" needs a bandwidth allocator from the method`);
        const input = radio.allocationInput(round, live);
        const alloc = live.length > 0 ? allocator.allocate(input) : [];
        checkAllocation(alloc, input, `allocator "${allocator.name}"`);
        shares = spread(alloc).map((b, k) => Math.min(b, caps[k]!));
      }
      const reassign = active || policy.reassign;
      if (!reassign && !numerology) {
        // Fixed continuous shares: every upload on its own (exact, block by block).
        const results = uploads.map((u, k) => {
          if (doomed[k]) return { ...noLinkResult(u.startS), ...NO_ROUND_TRANSFER };
          const r = radio.uploadTimeline({ client: u.client, round, startS: u.startS, bits: u.bits, bandwidthHz: shares[k]!, deadlineS });
          return { ...r, firstBandwidthHz: shares[k]!, waitS: 0 };
        });
        return { bandwidthHz: shares, results };
      }
      // Shared timeline: a fixed split with whole PRBs (waiting clients take freed PRBs), or
      // reassignment (shares stay proportional to the initial allocation among those sharing).
      const total = shares.reduce((a, b) => a + b, 0);
      const results = sharedUploadTimeline(
        uploads.map((u, k) => sharedUpload(u, round, shares[k]!)),
        {
          totalBandwidthHz: reassign ? (active ? B : total) : B,
          noisePsdWPerHz: uplinkNoise,
          outageSnrLinear,
          sharers: active ? 'active' : config.reassignSharers,
          deadlineS,
          link: uplinkLink,
          mode: reassign ? 'reassign' : 'fixed',
          prb: numerology ? { prbHz: numerology.prbHz, count: numerology.uplinkPrbs } : undefined,
          integration,
          initialSharesHz: reassign ? undefined : shares,
        },
      );
      return { bandwidthHz: results.map((r) => r.firstBandwidthHz), results };
    },

    inFlightTimeline(uploads, deadlineS) {
      return sharedUploadTimeline(
        uploads.map((u) => sharedUpload(u, u.round, policy.split === 'proportional' ? (u.weight ?? u.bits) : 1)),
        {
          totalBandwidthHz: uplinkB,
          noisePsdWPerHz: uplinkNoise,
          outageSnrLinear,
          sharers: 'active',
          deadlineS,
          link: uplinkLink,
          mode: 'reassign',
          prb: numerology ? { prbHz: numerology.prbHz, count: numerology.uplinkPrbs } : undefined,
          integration,
        },
      );
    },

    downloadRound({ round, clients: ids, startS, bits, deadlineS }) {
      if (ids.length === 0) return [];
      const B = downlinkB;
      const P = config.downlink.txPower;
      const snrHz = (i: number) => (P * largeScaleGain(i, round)) / downlinkNoise;
      // The base station does not wait for a receiver it cannot reach within the horizon.
      const doomed = ids.map((i) => hopeless(bits, B, snrHz(i), downlinkLink));
      const live = ids.filter((_, k) => !doomed[k]);
      const noLink = { ...noLinkResult(startS), ...NO_ROUND_TRANSFER };
      if (config.downlink.mode === 'broadcast') {
        if (live.length === 0) return ids.map(() => noLink);
        const r = broadcastTimeline({
          startS,
          bits,
          bandwidthHz: B,
          txPowerW: P,
          noisePsdWPerHz: downlinkNoise,
          receivers: live.map((i) => ({ largeScaleGain: largeScaleGain(i, round), fading: fading(i, 'downlink') })),
          outageSnrLinear,
          link: downlinkLink,
          coding: config.downlink.coding,
          ergodicBps: (g) => B * ergodicSe(downlinkLink, (P * g) / (downlinkNoise * B)),
          deadlineS,
          integration,
        });
        const out = { ...r, firstBandwidthHz: B, waitS: 0 };
        return ids.map((_, k) => (doomed[k] ? noLink : out));
      }
      // Unicast, equal split: each client gets B/K and, at a flat PSD across the band, P/K (with a
      // numerology: whole PRBs, the power of its PRBs, and the ones left without a PRB wait).
      const K = live.length;
      if (!numerology) {
        return ids.map((i, k) => {
          if (doomed[k]) return noLink;
          const r = radio.downloadTimeline({ client: i, round, startS, bits, bandwidthHz: B / K, txPowerW: P / K, deadlineS });
          return { ...r, firstBandwidthHz: B / K, waitS: 0 };
        });
      }
      const shares = ids.map((_, k) => (doomed[k] ? 0 : B / K));
      const res = sharedUploadTimeline(
        ids.map((i, k) => ({
          startS,
          bits,
          txPowerW: P,
          largeScaleGain: largeScaleGain(i, round),
          fading: fading(i, 'downlink'),
          weight: 1,
          powerAt: (b: number) => (P * b) / B,
          noLink: doomed[k],
        })),
        {
          totalBandwidthHz: B,
          noisePsdWPerHz: downlinkNoise,
          outageSnrLinear,
          deadlineS,
          link: downlinkLink,
          mode: 'fixed',
          prb: { prbHz: numerology.prbHz, count: numerology.downlinkPrbs },
          initialSharesHz: shares,
          integration,
        },
      );
      return res.map((r) => ({ ...r, energyJ: 0 }));
    },
  };
  return radio;
}
