/**
 * NR MCS link abstraction (inner-loop link adaptation): in each fading block the link uses the
 * highest MCS whose SINR threshold the block meets, and carries that MCS's spectral efficiency
 * times (1 - BLER target) (the share of transport blocks decoded at the first attempt). Below the
 * lowest threshold the block carries nothing.
 *
 * MCS tables: 3GPP TS 38.214, Table 5.1.3.1-1 ("MCS index table 1 for PDSCH", up to 64QAM, MCS
 * 0-28) and Table 5.1.3.1-2 ("MCS index table 2 for PDSCH", up to 256QAM, MCS 0-27): modulation
 * order Qm, target code rate R x 1024, spectral efficiency Qm R (as printed in the tables). PUSCH
 * without transform precoding uses the same tables (TS 38.214 Sec. 6.1.4.1).
 *
 * SINR thresholds (AWGN, per code block): derived from the link-level SINR-BLER curves of the
 * ns-3 NR module 5G-LENA (cttc-lena/nr, `model/nr-eesm-t1.cc` for Table 1 and `nr-eesm-t2.cc` for
 * Table 2, `SimulatedBlerFromSINR`; read at commit 25752db9 of the github.com/QiuYukang/5G-LENA
 * mirror; the curves are those of Lagen et al., "New Radio Physical Layer Abstraction for
 * System-Level Simulations of 5G Networks", IEEE ICC 2020). Rule, the one 5G-LENA's own AMC
 * (`NrAmc::CreateCqiFeedbackSiso`, ErrorModel mode) and BLER lookup (`MappingSinrBler`: the BLER
 * of the largest tabulated SINR at or below the SINR) apply: for each MCS, the LDPC base graph of
 * a large transport block (BG2 if the code rate is <= 0.25, else BG1: `GetBaseGraphType`), its
 * largest simulated code-block size, and the smallest tabulated SINR whose BLER is <= the target;
 * then a running maximum over the MCS index, because the AMC scans MCS upward and stops at the
 * first one that fails. So the values below are grid points of 5G-LENA's tables.
 * Cross-check: Sionna's PUSCH BLER tables (NVlabs/sionna, src/sionna/sys/bler_tables/
 * PUSCH_table1.json, CBS 2000) cross 10% BLER 1-3 dB lower on their coarser 1.8 dB SNR grid. The
 * 5G-LENA thresholds lie 4-6 dB above the Shannon bound 2^SE - 1 at each MCS's efficiency, which is
 * what makes this model conservative next to `shannon`. A scenario may give its own `thresholds`
 * (dB, one per MCS) instead.
 */
import { dbToLinear } from '../scenario/units.js';
import { lastAtOrBelow, type LinkAbstraction } from './link-abstraction.js';

export interface McsEntry {
  /** Modulation order Qm. */
  qm: number;
  /** Target code rate R x 1024. */
  rateX1024: number;
  /** Spectral efficiency Qm R, bit/s/Hz, as printed in TS 38.214. */
  se: number;
}

const e = (qm: number, rateX1024: number, se: number): McsEntry => ({ qm, rateX1024, se });

/** TS 38.214 Table 5.1.3.1-1 (64QAM), MCS 0..28 (29-31 are reserved for retransmissions). */
export const MCS_TABLE_64QAM: readonly McsEntry[] = [
  e(2, 120, 0.2344), e(2, 157, 0.3066), e(2, 193, 0.377), e(2, 251, 0.4902), e(2, 308, 0.6016),
  e(2, 379, 0.7402), e(2, 449, 0.877), e(2, 526, 1.0273), e(2, 602, 1.1758), e(2, 679, 1.3262),
  e(4, 340, 1.3281), e(4, 378, 1.4766), e(4, 434, 1.6953), e(4, 490, 1.9141), e(4, 553, 2.1602),
  e(4, 616, 2.4063), e(4, 658, 2.5703), e(6, 438, 2.5664), e(6, 466, 2.7305), e(6, 517, 3.0293),
  e(6, 567, 3.3223), e(6, 616, 3.6094), e(6, 666, 3.9023), e(6, 719, 4.2129), e(6, 772, 4.5234),
  e(6, 822, 4.8164), e(6, 873, 5.1152), e(6, 910, 5.332), e(6, 948, 5.5547),
];

/** TS 38.214 Table 5.1.3.1-2 (256QAM), MCS 0..27 (28-31 are reserved for retransmissions). */
export const MCS_TABLE_256QAM: readonly McsEntry[] = [
  e(2, 120, 0.2344), e(2, 193, 0.377), e(2, 308, 0.6016), e(2, 449, 0.877), e(2, 602, 1.1758),
  e(4, 378, 1.4766), e(4, 434, 1.6953), e(4, 490, 1.9141), e(4, 553, 2.1602), e(4, 616, 2.4063),
  e(4, 658, 2.5703), e(6, 466, 2.7305), e(6, 517, 3.0293), e(6, 567, 3.3223), e(6, 616, 3.6094),
  e(6, 666, 3.9023), e(6, 719, 4.2129), e(6, 772, 4.5234), e(6, 822, 4.8164), e(6, 873, 5.1152),
  e(8, 682.5, 5.332), e(8, 711, 5.5547), e(8, 754, 5.8906), e(8, 797, 6.2266), e(8, 841, 6.5703),
  e(8, 885, 6.9141), e(8, 916.5, 7.1602), e(8, 948, 7.4063),
];

export type McsTableName = '64qam' | '256qam';

/** BLER targets with derived thresholds (others need explicit `thresholds`). */
export const MCS_BLER_TARGETS = [0.1, 0.01] as const;

/** SINR thresholds in dB per MCS (5G-LENA curves, rule above), by table and BLER target. */
export const MCS_THRESHOLDS_DB: Record<McsTableName, Record<string, readonly number[]>> = {
  '64qam': {
    '0.1': [
      -0.95, -0.37316, 0.6, 1.2132, 2.14, 2.8125, 3.5, 4.1526, 4.94, 5.75, 6.3246, 7.09, 7.75, 8.56, 9.41,
      10.31, 11.0731, 11.6626, 12.26, 13.21, 14.061, 14.93, 16.0184, 16.69, 18.0021, 18.8536, 19.93, 20.8959,
      22.6741,
    ],
    '0.01': [
      -0.35555, -0.35555, 0.6, 1.533, 2.14, 3.15, 3.85, 4.5766, 5.2096, 6.05, 6.5985, 7.4062, 7.9, 8.78,
      9.6793, 10.53, 11.0731, 11.94, 12.5487, 13.6867, 14.25, 15.3604, 16.0184, 17.0185, 18.0021, 18.8536,
      19.93, 20.8959, 23.54,
    ],
  },
  '256qam': {
    '0.1': [
      -0.95, 0.6, 2.14, 3.5, 4.94, 7.09, 7.75, 8.56, 9.41, 10.31, 11.0731, 12.26, 13.21, 14.061, 14.93,
      16.0184, 16.69, 18.0021, 18.8536, 19.93, 20.89, 21.5, 22.47, 23.5, 24.75, 25.3333, 26.75, 27.25,
    ],
    '0.01': [
      -0.35555, 0.6, 2.14, 3.85, 5.2096, 7.4062, 7.9, 8.78, 9.6793, 10.53, 11.0731, 12.5487, 13.6867, 14.25,
      15.3604, 16.0184, 17.0185, 18.0021, 18.8536, 19.93, 21.1667, 21.8333, 22.75, 23.8333, 24.75, 25.75,
      26.75, 27.5,
    ],
  },
};

export function mcsTable(name: McsTableName): readonly McsEntry[] {
  return name === '64qam' ? MCS_TABLE_64QAM : MCS_TABLE_256QAM;
}

/** The derived thresholds (dB) for a table and BLER target, or undefined if none were derived. */
export function mcsThresholdsDb(name: McsTableName, blerTarget: number): readonly number[] | undefined {
  return MCS_THRESHOLDS_DB[name][String(blerTarget)];
}

export interface NrMcsParams {
  table: McsTableName;
  blerTarget: number;
  /** Per-MCS SINR thresholds in dB, nondecreasing; default: the derived ones. */
  thresholdsDb?: readonly number[];
}

/**
 * The NR MCS link. Thresholds must be nondecreasing (a block that meets MCS m's threshold meets
 * every lower one, so "the highest MCS it meets" is a lookup in a sorted list).
 */
export function nrMcsLink(p: NrMcsParams): LinkAbstraction {
  const table = mcsTable(p.table);
  const thDb = p.thresholdsDb ?? mcsThresholdsDb(p.table, p.blerTarget);
  if (thDb === undefined) {
    throw new RangeError(`nr-mcs: no derived thresholds for BLER target ${p.blerTarget}; give thresholds or use ${MCS_BLER_TARGETS.join(' or ')}`);
  }
  if (thDb.length !== table.length) throw new RangeError(`nr-mcs ${p.table}: expected ${table.length} thresholds, got ${thDb.length}`);
  for (let i = 1; i < thDb.length; i++) {
    if (!(thDb[i]! >= thDb[i - 1]!)) throw new RangeError('nr-mcs: thresholds must be nondecreasing in the MCS index');
  }
  if (!(p.blerTarget >= 0 && p.blerTarget < 1)) throw new RangeError(`nr-mcs: blerTarget must be in [0, 1), got ${p.blerTarget}`);
  const th = thDb.map(dbToLinear);
  const value = table.map((m) => m.se * (1 - p.blerTarget));
  const n = th.length;
  const se = (snr: number): number => {
    if (!(snr >= th[0]!)) return 0;
    // Highest m with th[m] <= snr (the thresholds are nondecreasing).
    return value[lastAtOrBelow(th, snr)]!;
  };
  return {
    kind: 'nr-mcs',
    label: `nr-mcs (${p.table}, BLER ${p.blerTarget})`,
    spectralEfficiency: se,
    minSnr: th[0]!,
    saturationSnr: th[n - 1]!,
    maxSpectralEfficiency: value[n - 1]!,
    breakpoints: th,
    rayleighErgodic(meanSnr, cutSnr = 0) {
      // sum_m (v_m - v_{m-1}) P(s X >= max(th_m, cut)), P(s X >= t) = e^(-t/s): telescoping.
      if (!(meanSnr > 0)) return 0;
      let sum = 0;
      let prev = 0;
      for (let m = 0; m < n; m++) {
        sum += (value[m]! - prev) * Math.exp(-Math.max(th[m]!, cutSnr) / meanSnr);
        prev = value[m]!;
      }
      return sum;
    },
  };
}
