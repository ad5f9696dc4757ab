/**
 * Uplink open-loop fractional power control (`network.powerControl: { p0, alpha }`), 3GPP TS 38.213
 * Sec. 7.1.1 (PUSCH):
 *
 *   P = min(P_CMAX, P_O_PUSCH + 10 log10(2^mu M_RB) + alpha PL + Delta_TF + f)   [dBm]
 *
 * with M_RB the PRBs of the allocation at SCS 15 x 2^mu kHz, PL the downlink path-loss estimate
 * (path loss + shadowing: what the UE measures from RSRP, without fast fading) and P_CMAX the
 * device's maximum power (its `txPower`). airtune keeps the open-loop part only: Delta_TF = 0
 * (deltaMCS disabled) and f = 0 (no closed-loop TPC commands), as Sionna's
 * `open_loop_uplink_power_control` (NVlabs/sionna, src/sionna/sys/power_control.py) and 5G-LENA's
 * `NrUePowerControl` in open-loop mode (cttc-lena/nr, model/nr-ue-power-control.cc,
 * `CalculatePuschTxPowerNr`) do. Since 2^mu M_RB x 180 kHz is the allocated bandwidth b, the
 * middle term is 10 log10(b / 180 kHz) with or without a numerology: P_O is the power received per
 * 180 kHz at full compensation (alpha = 1). A continuous share (no numerology) uses the fractional
 * count b / 180 kHz.
 *
 * Without power control every client transmits at its `txPower` (the behaviour before it existed).
 */

/** 12 subcarriers x 15 kHz: the bandwidth unit of P_O (TS 38.213's 2^mu M_RB at mu = 0). */
export const POWER_CONTROL_RB_HZ = 180e3;

export interface PowerControlParams {
  /** P_O_PUSCH in W (the scenario gives dBm). */
  p0W: number;
  /** Path-loss compensation factor alpha in [0, 1]. */
  alpha: number;
}

/**
 * Transmit power in W: min(P_max, P_O (b / 180 kHz) PL^alpha), all linear (PL = 10^(L/10) for a
 * large-scale loss of L dB).
 */
export function fractionalPowerW(p: PowerControlParams, maxPowerW: number, pathLossDb: number, bandwidthHz: number): number {
  if (!(bandwidthHz > 0)) return 0;
  const controlledW = p.p0W * (bandwidthHz / POWER_CONTROL_RB_HZ) * 10 ** ((p.alpha * pathLossDb) / 10);
  return Math.min(maxPowerW, controlledW);
}

/**
 * The mean SNR a share would have if power control were not capped by P_max:
 * P_O PL^alpha / (180 kHz) x gain / N0 = P_O PL^(alpha - 1) / (180 kHz N0) for gain = 1 / PL.
 * The planner uses it as the SNR ceiling of a client (its SNR can never be higher, whatever the
 * share: a smaller share gets proportionally less power).
 */
export function powerControlSnrCeiling(p: PowerControlParams, pathLossDb: number, gain: number, noisePsdWPerHz: number): number {
  return (p.p0W * 10 ** ((p.alpha * pathLossDb) / 10) * gain) / (POWER_CONTROL_RB_HZ * noisePsdWPerHz);
}
