/**
 * Link abstraction: the spectral efficiency (bit/s/Hz) a link achieves in one fading block at a
 * given SINR, so a share b of the band carries r = b SE(SINR). One small model per file:
 *
 * - `shannon` (here): SE = log2(1 + SINR), the capacity of an AWGN channel (Shannon 1948); the
 *   rate model of the wireless-FL papers (e.g. Yang et al., IEEE TWC 2021, eq. (4)).
 * - `attenuated-shannon` (attenuated-shannon.ts): 3GPP TR 36.942 Annex A.
 * - `nr-mcs` (nr-mcs.ts): the highest MCS of TS 38.214 Table 5.1.3.1-1 / 5.1.3.1-2 whose SINR
 *   threshold the block meets, times (1 - BLER).
 *
 * Every model also gives its Rayleigh-ergodic efficiency E[SE(s X)], X ~ Exp(1), in closed form
 * (a broadcast coded across blocks, the JCPBA planner's ergodic gains), with an optional lower cut
 * (the `outageSnr` of the cell: blocks below it carry nothing, whatever the model).
 */
import { scaledExpIntE1 } from './rate.js';

export type LinkModelKind = 'shannon' | 'attenuated-shannon' | 'nr-mcs';

export interface LinkAbstraction {
  readonly kind: LinkModelKind;
  /** One line for outputs and warnings, e.g. "nr-mcs (256qam, BLER 0.1)". */
  readonly label: string;
  /** Spectral efficiency in bit/s/Hz at linear SINR `snr` (0 below `minSnr`). */
  spectralEfficiency(snr: number): number;
  /** Lowest linear SINR with a non-zero efficiency (0: every SINR > 0 carries something). */
  readonly minSnr: number;
  /** Linear SINR from which the efficiency no longer grows (Infinity: it always grows). */
  readonly saturationSnr: number;
  /** The largest efficiency, bit/s/Hz (Infinity for Shannon). */
  readonly maxSpectralEfficiency: number;
  /** Linear SINRs where the efficiency jumps (MCS thresholds, SINR_MIN / SINR_MAX). */
  readonly breakpoints: readonly number[];
  /**
   * E[SE(s X) 1{s X >= cut}], X ~ Exp(1): the ergodic efficiency of a Rayleigh block-fading link
   * of mean SINR `meanSnr` whose blocks below the linear SINR `cutSnr` carry nothing.
   */
  rayleighErgodic(meanSnr: number, cutSnr?: number): number;
}

/**
 * int_a^inf log2(1 + s x) e^-x dx = e^-a [log2(1 + s a) + e^(a + 1/s) E1(a + 1/s) / ln 2]
 * (integration by parts, then u = x + 1/s); at a = 0 it is the Rayleigh ergodic capacity
 * e^(1/s) E1(1/s) / ln 2 (Alouini & Goldsmith, IEEE TVT 1999, eq. (34)).
 */
export function shannonRayleighTailBpsPerHz(meanSnr: number, a: number): number {
  if (!(meanSnr > 0)) return 0;
  if (a === Infinity) return 0;
  const ea = Math.exp(-a);
  if (ea === 0) return 0;
  return ea * (Math.log2(1 + meanSnr * a) + scaledExpIntE1(a + 1 / meanSnr) / Math.LN2);
}

/** SE = log2(1 + SINR): Shannon 1948, the AWGN capacity per Hz. */
export const shannonLink: LinkAbstraction = {
  kind: 'shannon',
  label: 'shannon',
  spectralEfficiency: (snr) => (snr > 0 ? Math.log2(1 + snr) : 0),
  minSnr: 0,
  saturationSnr: Infinity,
  maxSpectralEfficiency: Infinity,
  breakpoints: [],
  rayleighErgodic: (meanSnr, cutSnr = 0) => shannonRayleighTailBpsPerHz(meanSnr, cutSnr > 0 ? cutSnr / meanSnr : 0),
};

/**
 * Efficiency of one block of a link with an outage threshold: 0 below `cutSnr` (linear), else
 * the model's efficiency (the cell's `outageSnr` applies to every link model).
 */
export function blockSpectralEfficiency(link: LinkAbstraction, snr: number, cutSnr = 0): number {
  return snr < cutSnr ? 0 : link.spectralEfficiency(snr);
}

/** Index of the last entry of the nondecreasing `sorted` that is <= x (0 if none is). */
export function lastAtOrBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
