/**
 * Attenuated (truncated) Shannon link abstraction, 3GPP TR 36.942 Annex A ("Modelling of link
 * adaptation"): the throughput of a link-adapted LTE carrier as a function of its SINR,
 *
 *   SE(SINR) = 0                        for SINR <  SINR_MIN
 *            = alpha log2(1 + SINR)     for SINR_MIN <= SINR < SINR_MAX
 *            = Thr_MAX = alpha log2(1 + SINR_MAX)   for SINR >= SINR_MAX,
 *
 * alpha being the implementation loss, SINR_MIN the lowest SINR of the code set and Thr_MAX its
 * highest efficiency. TR 36.942's baseline parameters (Annex A, table of "parameters describing
 * baseline LTE performance"): downlink alpha = 0.6, SINR_MIN = -10 dB, Thr_MAX = 4.4 bit/s/Hz;
 * uplink alpha = 0.4, SINR_MIN = -10 dB, Thr_MAX = 2.0 bit/s/Hz. These are the defaults per link
 * direction when a field is not given. The cap may be given as `snrMax` (dB) or `seMax` (bit/s/Hz).
 */
import { dbToLinear } from '../scenario/units.js';
import { shannonRayleighTailBpsPerHz, type LinkAbstraction } from './link-abstraction.js';

/** TR 36.942 Annex A baseline parameters per link direction. */
export const TR36942_BASELINE = {
  uplink: { alpha: 0.4, snrMinDb: -10, seMax: 2.0 },
  downlink: { alpha: 0.6, snrMinDb: -10, seMax: 4.4 },
} as const;

export interface AttenuatedShannonParams {
  alpha: number;
  /** SINR_MIN, linear. */
  snrMin: number;
  /** SINR_MAX, linear (Thr_MAX = alpha log2(1 + SINR_MAX)). */
  snrMax: number;
}

/** SINR_MAX (linear) whose efficiency is `seMax`: alpha log2(1 + x) = seMax. */
export function snrMaxForSe(alpha: number, seMax: number): number {
  return 2 ** (seMax / alpha) - 1;
}

export function attenuatedShannonSe(p: AttenuatedShannonParams, snr: number): number {
  if (!(snr >= p.snrMin) || !(snr > 0)) return 0;
  return p.alpha * Math.log2(1 + Math.min(snr, p.snrMax));
}

export function attenuatedShannonLink(p: AttenuatedShannonParams): LinkAbstraction {
  if (!(p.alpha > 0 && p.alpha <= 1)) throw new RangeError(`attenuated-shannon alpha must be in (0, 1], got ${p.alpha}`);
  if (!(p.snrMax > p.snrMin)) throw new RangeError('attenuated-shannon needs snrMax > snrMin');
  const seMax = p.alpha * Math.log2(1 + p.snrMax);
  return {
    kind: 'attenuated-shannon',
    label: `attenuated-shannon (alpha ${p.alpha}, ${fmtDb(p.snrMin)}..${fmtDb(p.snrMax)} dB)`,
    spectralEfficiency: (snr) => attenuatedShannonSe(p, snr),
    minSnr: p.snrMin,
    saturationSnr: p.snrMax,
    maxSpectralEfficiency: seMax,
    breakpoints: [p.snrMin, p.snrMax],
    rayleighErgodic(meanSnr, cutSnr = 0) {
      // alpha E[log2(1 + sX) 1{lo <= sX < hi}] + seMax P(sX >= hi), lo = max(cut, SINR_MIN).
      if (!(meanSnr > 0)) return 0;
      const lo = Math.max(cutSnr, p.snrMin);
      const hi = p.snrMax;
      if (lo >= hi) return seMax * Math.exp(-lo / meanSnr);
      const mid = shannonRayleighTailBpsPerHz(meanSnr, lo / meanSnr) - shannonRayleighTailBpsPerHz(meanSnr, hi / meanSnr);
      return p.alpha * mid + seMax * Math.exp(-hi / meanSnr);
    },
  };
}

/** Parameters from the scenario (dB fields), with TR 36.942's baseline for what is not given. */
export function attenuatedShannonParams(
  cfg: { alpha?: number; snrMin?: number; snrMax?: number; seMax?: number },
  direction: 'uplink' | 'downlink',
): AttenuatedShannonParams {
  const base = TR36942_BASELINE[direction];
  const alpha = cfg.alpha ?? base.alpha;
  const snrMin = dbToLinear(cfg.snrMin ?? base.snrMinDb);
  const snrMax = cfg.snrMax !== undefined ? dbToLinear(cfg.snrMax) : snrMaxForSe(alpha, cfg.seMax ?? base.seMax);
  return { alpha, snrMin, snrMax };
}

function fmtDb(x: number): string {
  return (10 * Math.log10(x)).toFixed(1);
}
