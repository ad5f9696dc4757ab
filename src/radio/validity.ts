/**
 * Validity warnings for a wireless cell (`airtune validate` prints them on stderr and still exits
 * 0): places where a model is used outside the range its source covers.
 *
 * - a client closer to the base station than the path-loss model's minimum distance (35 m for
 *   `3gpp-macro`, the minimum UE-BS distance of TR 36.814 Annex A.2.1.1; `refDistance` for
 *   `log-distance`, below which the model is not defined);
 * - a client placed outside the cell radius;
 * - a mean SINR outside the link model's range: uplink at an equal share of the band (whole PRBs,
 *   at least one, with a numerology; controlled power and interference included) and downlink on
 *   the whole band (broadcast) or an equal share (unicast): below the lowest SINR that carries
 *   anything (the link model's minimum or the outage threshold: the client cannot send at that
 *   share), or, for Shannon, above the SINR at which log2(1 + SINR) passes NR's highest spectral
 *   efficiency (7.4063 bit/s/Hz, TS 38.214 Table 5.1.3.1-2), which no NR link reaches.
 */
import type { WirelessNetwork } from './config.js';
import { MCS_TABLE_256QAM } from './nr-mcs.js';
import { buildRadio, type RadioClient } from './radio.js';

/** NR's highest spectral efficiency (TS 38.214 Table 5.1.3.1-2, MCS 27: 256QAM, R 948/1024). */
export const NR_MAX_SPECTRAL_EFFICIENCY = MCS_TABLE_256QAM[MCS_TABLE_256QAM.length - 1]!.se;

/** Least distance at which each path-loss model is defined (m), if it has one. */
export function pathLossMinDistanceM(cfg: WirelessNetwork['pathLoss']): number | undefined {
  switch (cfg.model) {
    case '3gpp-macro':
      return 35;
    case 'log-distance':
      return cfg.refDistance;
    case 'free-space':
      return undefined;
  }
}

const LIST = 5;
const db = (x: number) => (10 * Math.log10(x)).toFixed(1);

function listClients(items: { i: number; text: string }[]): string {
  const shown = items.slice(0, LIST).map((c) => `${c.i} (${c.text})`).join(', ');
  return items.length > LIST ? `${shown} and ${items.length - LIST} more` : shown;
}

/** Warnings for `clients` in the cell `config` (round 1's shadowing and interference draws). */
export function radioWarnings(config: WirelessNetwork, clients: readonly RadioClient[], seed: number): string[] {
  const out: string[] = [];
  const K = clients.length;
  if (K === 0) return out;
  const minD = pathLossMinDistanceM(config.pathLoss);
  if (minD !== undefined) {
    const near = clients.map((c, i) => ({ i, d: c.distanceM })).filter((c) => c.d < minD);
    if (near.length > 0) {
      out.push(
        `network.pathLoss: ${near.length} of ${K} clients are closer than ${minD} m, the ${config.pathLoss.model} model's minimum distance: clients ${listClients(near.map((c) => ({ i: c.i, text: `${c.d.toFixed(1)} m` })))}`,
      );
    }
  }
  const far = clients.map((c, i) => ({ i, d: c.distanceM })).filter((c) => c.d > config.cellRadius * (1 + 1e-9));
  if (far.length > 0) {
    out.push(
      `network.cellRadius: ${far.length} of ${K} clients are outside the ${config.cellRadius} m cell: clients ${listClients(far.map((c) => ({ i: c.i, text: `${c.d.toFixed(1)} m` })))}`,
    );
  }

  const radio = buildRadio(config, seed, clients);
  const round = 1;
  const shannonTop = 2 ** NR_MAX_SPECTRAL_EFFICIENCY - 1;
  const checkLink = (
    name: 'uplink' | 'downlink',
    where: string,
    sinrs: { i: number; s: number }[],
  ): void => {
    const link = name === 'uplink' ? radio.uplinkLink : radio.downlinkLink;
    const floor = Math.max(link.minSnr, radio.outageSnrLinear);
    if (floor > 0) {
      const low = sinrs.filter((x) => x.s < floor);
      if (low.length > 0) {
        out.push(
          `network.${name}: ${low.length} of ${K} clients have a mean ${name} SINR below ${db(floor)} dB, the lowest that carries anything with ${link.label}${radio.outageSnrLinear >= link.minSnr && radio.outageSnrLinear > 0 ? ' and outageSnr' : ''}, ${where}: clients ${listClients(low.map((x) => ({ i: x.i, text: `${db(x.s)} dB` })))}; they cannot send there`,
        );
      }
    }
    if (link.kind === 'shannon') {
      const high = sinrs.filter((x) => x.s > shannonTop);
      if (high.length > 0) {
        out.push(
          `network.${name}: ${high.length} of ${K} clients have a mean ${name} SINR above ${db(shannonTop)} dB, ${where}, where Shannon's log2(1 + SINR) exceeds the ${NR_MAX_SPECTRAL_EFFICIENCY} bit/s/Hz of NR's highest MCS (TS 38.214 Table 5.1.3.1-2): clients ${listClients(high.map((x) => ({ i: x.i, text: `${db(x.s)} dB` })))}; consider linkModel nr-mcs or attenuated-shannon`,
        );
      }
    }
  };

  const num = radio.numerology;
  const upShare = num ? Math.max(1, Math.floor(num.uplinkPrbs / K)) * num.prbHz : radio.uplinkBandwidthHz / K;
  checkLink(
    'uplink',
    `at an equal share of the band (${(upShare / 1e3).toFixed(0)} kHz${num ? `, ${Math.round(upShare / num.prbHz)} PRB` : ''})`,
    clients.map((_, i) => ({ i, s: radio.uplinkBudget(i, round, upShare).sinr })),
  );
  const broadcast = config.downlink.mode === 'broadcast';
  const downShare = broadcast ? radio.downlinkBandwidthHz : radio.downlinkBandwidthHz / K;
  const downPower = broadcast ? radio.downlinkTxPowerW : radio.downlinkTxPowerW / K;
  checkLink(
    'downlink',
    broadcast ? 'on the whole band (broadcast)' : 'at an equal share (unicast)',
    clients.map((_, i) => ({ i, s: (downPower * radio.largeScaleGain(i, round)) / (radio.downlinkNoisePsdWPerHz * downShare) })),
  );
  return out;
}
