/**
 * Uplink interference at the serving base station (`network.interference`). Two models, which add:
 *
 * - `iot: 3 dB` (interference over thermal): the other cells' load as a fixed rise of the noise
 *   floor, I = (10^(IoT/10) - 1) N0 NF b: the interference margin of an uplink link budget
 *   (the rise of the base station's noise floor caused by the other cells' users).
 * - `cells: 7 | 19, load`: a hexagonal layout around the serving cell (the one the clients are in):
 *   1 or 2 rings of neighbour base stations at inter-site distance ISD = sqrt(3) R (R = `cellRadius`,
 *   the hexagon's circumradius; the hexagonal site grid of 3GPP TR 36.814 Annex A.2.1.1, here without
 *   sectors or wrap-around). While a client
 *   transmits on a share b, each neighbour cell j has one co-channel user on the same resources with
 *   probability `load`; it stands at a point drawn uniformly in cell j (at least `minDistance` from
 *   its base station), transmits with the scenario's power control towards its own base station
 *   (else at `txPower`, default 23 dBm: the power class 3 UE of TS 38.101-1 Table 6.2.1-1), and
 *   reaches the serving base station through the same path-loss model and an independent
 *   shadowing draw: I = load sum_j P_j(b) G_j0. The interferers' fast fading is averaged out (mean
 *   power), and the activity `load` scales the mean rather than being drawn. Interferers are drawn
 *   per (client, neighbour, round) from `RandomStream.of(seed, 'radio', 'interference', ...)`.
 *
 * The downlink is interference-free (a single cell); `snr_db` in clients.csv is the SNR without
 * interference, `sinr_db` the SINR with it.
 */
import { RandomStream } from '../random/index.js';
import { dbToLinear } from '../scenario/units.js';

export interface InterferenceModel {
  readonly label: string;
  /** Interference power in W over `bandwidthHz` at the serving base station while `client` sends. */
  powerW(client: number, round: number, bandwidthHz: number): number;
}

/** IoT margin: I = (10^(IoT/10) - 1) N b, N the uplink noise PSD (noise figure included). */
export function iotInterference(iotDb: number, noisePsdWPerHz: number): InterferenceModel {
  const rise = dbToLinear(iotDb) - 1;
  if (!(rise >= 0)) throw new RangeError(`interference over thermal must be >= 0 dB, got ${iotDb}`);
  return { label: `IoT ${iotDb} dB`, powerW: (_c, _r, b) => rise * noisePsdWPerHz * b };
}

/** Centres of the neighbour base stations of a hexagonal layout (serving cell at the origin). */
export function hexNeighbourSites(cells: number, cellRadiusM: number): { x: number; y: number }[] {
  const isd = Math.sqrt(3) * cellRadiusM;
  const out: { x: number; y: number }[] = [];
  if (cells >= 7) {
    for (let k = 0; k < 6; k++) {
      const a = (Math.PI / 6) * (1 + 2 * k);
      out.push({ x: isd * Math.cos(a), y: isd * Math.sin(a) });
    }
  }
  if (cells >= 19) {
    for (let k = 0; k < 6; k++) {
      const a = (Math.PI / 6) * (1 + 2 * k);
      out.push({ x: 2 * isd * Math.cos(a), y: 2 * isd * Math.sin(a) });
      const b = (Math.PI / 3) * k;
      out.push({ x: Math.sqrt(3) * isd * Math.cos(b), y: Math.sqrt(3) * isd * Math.sin(b) });
    }
  }
  return out;
}

/** Is (x, y) inside the flat-topped hexagon of circumradius R centred at the origin? */
export function insideHexagon(x: number, y: number, r: number): boolean {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  return ay <= (Math.sqrt(3) / 2) * r && Math.sqrt(3) * ax + ay <= Math.sqrt(3) * r;
}

/** A uniform point in the hexagon (rejection from its bounding box), at least `minM` from the centre. */
export function uniformInHexagon(stream: RandomStream, r: number, minM: number): { x: number; y: number } {
  for (let i = 0; i < 10_000; i++) {
    const x = stream.uniform(-r, r);
    const y = stream.uniform(-(Math.sqrt(3) / 2) * r, (Math.sqrt(3) / 2) * r);
    if (insideHexagon(x, y, r) && Math.hypot(x, y) >= minM) return { x, y };
  }
  throw new RangeError(`cannot place an interferer: minDistance ${minM} m leaves no room in a ${r} m hexagon`);
}

/** One co-channel interferer of a neighbour cell. */
export interface Interferer {
  /** Position (serving base station at the origin), m. */
  x: number;
  y: number;
  /** Path loss + shadowing to its own base station, dB (what its power control compensates). */
  ownLossDb: number;
  /** Linear gain to the serving base station (path loss and shadowing). */
  gainToServing: number;
}

export interface HexInterferenceOptions {
  seed: number;
  cells: number;
  load: number;
  cellRadiusM: number;
  minDistanceM: number;
  pathLossDb: (distanceM: number) => number;
  shadowingSigmaDb: number;
  /** Transmit power of an interferer on a share b, given its loss to its own base station. */
  interfererPowerW: (ownLossDb: number, bandwidthHz: number) => number;
}

export class HexInterference implements InterferenceModel {
  readonly label: string;
  private readonly sites: { x: number; y: number }[];
  private readonly last = new Map<number, { round: number; list: Interferer[] }>();

  constructor(readonly o: HexInterferenceOptions) {
    if (!(o.load >= 0 && o.load <= 1)) throw new RangeError(`interference load must be in [0, 1], got ${o.load}`);
    this.sites = hexNeighbourSites(o.cells, o.cellRadiusM);
    this.label = `${o.cells}-cell hexagonal layout, load ${o.load}`;
  }

  /** The interferers `client` faces in `round` (one per neighbour cell). */
  interferers(client: number, round: number): Interferer[] {
    const hit = this.last.get(client);
    if (hit && hit.round === round) return hit.list;
    const list = this.sites.map((site, j) => {
      const s = RandomStream.of(this.o.seed, 'radio', 'interference', client, j, round);
      const p = uniformInHexagon(s, this.o.cellRadiusM, this.o.minDistanceM);
      const x = site.x + p.x;
      const y = site.y + p.y;
      const shOwn = this.o.shadowingSigmaDb > 0 ? s.normal(0, this.o.shadowingSigmaDb) : 0;
      const shServing = this.o.shadowingSigmaDb > 0 ? s.normal(0, this.o.shadowingSigmaDb) : 0;
      return {
        x,
        y,
        ownLossDb: this.o.pathLossDb(Math.hypot(p.x, p.y)) + shOwn,
        gainToServing: dbToLinear(-(this.o.pathLossDb(Math.hypot(x, y)) + shServing)),
      };
    });
    this.last.set(client, { round, list });
    return list;
  }

  powerW(client: number, round: number, bandwidthHz: number): number {
    if (!(bandwidthHz > 0) || this.o.load === 0) return 0;
    let sum = 0;
    for (const it of this.interferers(client, round)) sum += this.o.interfererPowerW(it.ownLossDb, bandwidthHz) * it.gainToServing;
    return this.o.load * sum;
  }
}

/** Several interference models at once: their powers add. */
export function sumInterference(models: readonly InterferenceModel[]): InterferenceModel | undefined {
  if (models.length === 0) return undefined;
  if (models.length === 1) return models[0];
  return {
    label: models.map((m) => m.label).join(' + '),
    powerW: (c, r, b) => models.reduce((a, m) => a + m.powerW(c, r, b), 0),
  };
}
