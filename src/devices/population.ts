/**
 * Build the client population from the `clients:` configuration (or a CSV device file).
 *
 * Every per-client field is drawn from its own stream `RandomStream.of(seed, 'device', field,
 * clientIndex)`, so adding a client, a group field or a column never shifts another client's draw.
 * Group membership is assigned by sequential apportionment: client i joins the group with the
 * largest deficit share_g (i + 1) - count_g(i) (ties: first group). Client i's group depends only on
 * clients 0..i-1, so appending clients never changes existing ones, and every group's size stays
 * within 1 of share_g x count.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RandomStream } from '../random/index.js';
import { sampleDist, type Dist } from '../scenario/fields.js';
import { parseQuantity, QuantityError, type QuantityKind } from '../scenario/units.js';
import type { Availability, Device } from './device.js';
import { parseAvailabilityText, type ClientsConfig } from './config.js';
import { capacityFlopsPerS, capacityRateBps, readBehaviour, readCapacity, TraceError, traceAvailability, type FedScaleConfig } from './fedscale.js';

export interface PopulationOptions {
  /** Disc placement radius when `placement.disc.radius` is not given (the network's cell radius), m. */
  cellRadiusM?: number;
  /** The network's type: a wireless cell computes link rates itself, so devices cannot bring theirs. */
  network?: 'fixed' | 'wireless';
  /** Forward FLOPs of one sample of the timing model (LLM presets), for FedScale capacities (fedscale.ts). */
  forwardFlopsPerSample?: number;
}

/** The radius used when neither the placement nor the network gives one, m. */
export const DEFAULT_CELL_RADIUS_M = 500;

/** An error in a device file, naming the file, the row (line number, header = 1) and the column. */
export class DeviceFileError extends Error {
  constructor(
    readonly file: string,
    readonly row: number | undefined,
    readonly column: string | undefined,
    detail: string,
  ) {
    const where = [file, row !== undefined ? `row ${row}` : undefined, column !== undefined ? `column "${column}"` : undefined]
      .filter((x) => x !== undefined)
      .join(', ');
    super(`${where}: ${detail}`);
    this.name = 'DeviceFileError';
  }
}

/** The per-client distributions of one group (group fields over top-level ones). */
interface FieldDists {
  kind: string;
  compute: Dist;
  utilisation: Dist;
  memoryBandwidth?: Dist;
  memory: Dist;
  txPower: Dist;
  computePower: Dist;
  cyclesPerFlop?: Dist;
  clock?: Dist;
  kappa?: Dist;
  distance?: Dist;
  dropout: number;
  availability: Availability;
}

/** Values a device file fixes for one device (the rest is drawn). */
type Overrides = Partial<Omit<Device, 'index'>>;

/** Sequential apportionment of `count` clients to groups with the given shares (see module doc). */
export function assignGroups(count: number, shares: readonly number[]): number[] {
  const counts = shares.map(() => 0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let best = 0;
    let bestDeficit = -Infinity;
    shares.forEach((s, g) => {
      const deficit = s * (i + 1) - counts[g]!;
      if (deficit > bestDeficit + 1e-12) {
        best = g;
        bestDeficit = deficit;
      }
    });
    counts[best]!++;
    out.push(best);
  }
  return out;
}

function groupDists(config: ClientsConfig): FieldDists[] {
  const top: FieldDists = {
    kind: config.kind,
    compute: config.compute,
    utilisation: config.utilisation,
    memoryBandwidth: config.memoryBandwidth,
    memory: config.memory,
    txPower: config.txPower,
    computePower: config.computePower,
    cyclesPerFlop: config.cyclesPerFlop,
    clock: config.clock,
    kappa: config.kappa,
    distance: config.distance,
    dropout: config.dropout,
    availability: config.availability,
  };
  if (!config.groups) return [top];
  return config.groups.map((g) => ({
    kind: g.kind,
    compute: g.compute ?? top.compute,
    utilisation: g.utilisation ?? top.utilisation,
    memoryBandwidth: g.memoryBandwidth ?? top.memoryBandwidth,
    memory: g.memory ?? top.memory,
    txPower: g.txPower ?? top.txPower,
    computePower: g.computePower ?? top.computePower,
    cyclesPerFlop: g.cyclesPerFlop ?? top.cyclesPerFlop,
    clock: g.clock ?? top.clock,
    kappa: g.kappa ?? top.kappa,
    distance: g.distance ?? top.distance,
    dropout: g.dropout ?? top.dropout,
    availability: g.availability ?? top.availability,
  }));
}

/** Constants and lists draw nothing: they get this stream instead of building their own. */
const UNUSED_STREAM = new RandomStream(1);

function draw(seed: number, field: string, index: number, d: Dist): number {
  const deterministic = d.kind === 'const' || d.kind === 'list';
  return sampleDist(d, index, deterministic ? UNUSED_STREAM : RandomStream.of(seed, 'device', field, index));
}

function positiveValue(field: string, index: number, kind: string, v: number, allowZero = false): number {
  if (!Number.isFinite(v) || (allowZero ? v < 0 : v <= 0)) {
    throw new RangeError(
      `clients: client ${index} (${kind}) got ${field} = ${v}; it must be ${allowZero ? '>= 0' : '> 0'} ` +
        '(use a lognormal or a narrower distribution)',
    );
  }
  return v;
}

function makeDevice(
  index: number,
  f: FieldDists,
  seed: number,
  radiusM: number,
  minDistanceM: number,
  o: Overrides = {},
): Device {
  const kind = o.kind ?? f.kind;
  const value = (field: string, d: Dist | undefined, given: number | undefined, allowZero = false): number | undefined => {
    if (given !== undefined) return positiveValue(field, index, kind, given, allowZero);
    if (d === undefined) return undefined;
    return positiveValue(field, index, kind, draw(seed, field, index, d), allowZero);
  };
  const device: Device = {
    index,
    id: o.id ?? `${kind}-${index}`,
    kind,
    flopsPerS: value('compute', f.compute, o.flopsPerS)!,
    utilisation: value('utilisation', f.utilisation, o.utilisation)!,
    memoryBytes: value('memory', f.memory, o.memoryBytes)!,
    txPowerW: value('txPower', f.txPower, o.txPowerW)!,
    distanceM: 0,
    computePowerW: value('computePower', f.computePower, o.computePowerW, true)!,
    dropoutProb: o.dropoutProb ?? f.dropout,
    availability: o.availability ?? f.availability,
  };
  if (device.utilisation > 1) {
    throw new RangeError(`clients: client ${index} (${kind}) got utilisation = ${device.utilisation}; it is a fraction of the peak compute, in (0, 1]`);
  }
  const bandwidth = value('memoryBandwidth', f.memoryBandwidth, o.memoryBandwidthBps);
  if (bandwidth !== undefined) device.memoryBandwidthBps = bandwidth;
  if (o.uplinkBps !== undefined) device.uplinkBps = positiveValue('uplinkRate', index, kind, o.uplinkBps);
  if (o.downlinkBps !== undefined) device.downlinkBps = positiveValue('downlinkRate', index, kind, o.downlinkBps);
  const cycles = value('cyclesPerFlop', f.cyclesPerFlop, o.cyclesPerFlop);
  const clock = value('clock', f.clock, o.clockHz);
  const kappa = value('kappa', f.kappa, o.kappa);
  const cmos = [cycles, clock, kappa].filter((v) => v !== undefined).length;
  if (cmos === 3) {
    device.cyclesPerFlop = cycles;
    device.clockHz = clock;
    device.kappa = kappa;
  } else if (cmos > 0) {
    throw new RangeError(`clients: client ${index} (${kind}) needs all of cyclesPerFlop, clock and kappa, or none`);
  }

  if (o.x !== undefined && o.y !== undefined) {
    device.x = o.x;
    device.y = o.y;
    device.distanceM = positiveValue('distance', index, kind, Math.hypot(o.x, o.y));
  } else if (o.distanceM !== undefined || f.distance !== undefined) {
    device.distanceM = value('distance', f.distance, o.distanceM)!;
  } else {
    // Uniform in the annulus: P(r <= rho) = (rho^2 - r0^2) / (R^2 - r0^2), inverted.
    const s = RandomStream.of(seed, 'device', 'position', index);
    const u = s.uniform01();
    const theta = 2 * Math.PI * s.uniform01();
    const r = Math.sqrt(minDistanceM * minDistanceM + u * (radiusM * radiusM - minDistanceM * minDistanceM));
    device.x = r * Math.cos(theta);
    device.y = r * Math.sin(theta);
    device.distanceM = positiveValue('distance', index, kind, r);
  }
  return device;
}

function placement(config: ClientsConfig, opts: PopulationOptions): { radiusM: number; minDistanceM: number } {
  const disc = config.placement?.disc;
  const radiusM = disc?.radius ?? opts.cellRadiusM ?? DEFAULT_CELL_RADIUS_M;
  const minDistanceM = disc?.minDistance ?? 35;
  if (!(radiusM > minDistanceM)) {
    throw new RangeError(`clients.placement: radius ${radiusM} m must exceed minDistance ${minDistanceM} m`);
  }
  return { radiusM, minDistanceM };
}

/** The client population. `baseDir` resolves `file` (the scenario file's folder). */
export function buildPopulation(config: ClientsConfig, seed: number, baseDir = '.', opts: PopulationOptions = {}): Device[] {
  if (config.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(baseDir, config.file), 'utf8');
    } catch (e) {
      throw new DeviceFileError(config.file, undefined, undefined, `cannot read the device file (${(e as Error).message})`);
    }
    return devicesFromCsv(text, config.file, config, seed, opts);
  }
  const count = config.count!;
  const dists = groupDists(config);
  const groupOf = assignGroups(count, config.groups ? config.groups.map((g) => g.share) : [1]);
  const { radiusM, minDistanceM } = placement(config, opts);
  const traced = config.fedscale ? fedscaleOverrides(config.fedscale, count, baseDir, opts) : [];
  return groupOf.map((g, i) => makeDevice(i, dists[g]!, seed, radiusM, minDistanceM, traced[i]));
}

/** What FedScale's traces fix for each of `count` clients (the mapping: fedscale.ts). */
function fedscaleOverrides(f: FedScaleConfig, count: number, baseDir: string, opts: PopulationOptions): Overrides[] {
  const out: Overrides[] = Array.from({ length: count }, () => ({}));
  if (f.capacity !== undefined) {
    const flopsPerSample = f.flopsPerSample ?? opts.forwardFlopsPerSample;
    if (flopsPerSample === undefined) {
      throw new TraceError(
        f.capacity,
        undefined,
        'the timing model is an explicit workload, so the FLOPs of a sample are unknown: give clients.fedscale.flopsPerSample (forward FLOPs of one sample of the model the latencies were measured on)',
        ['clients', 'fedscale', 'flopsPerSample'],
      );
    }
    const rates = f.communication !== 'ignore';
    if (rates && opts.network === 'wireless') {
      throw new TraceError(
        f.capacity,
        undefined,
        "a wireless network takes each client's rate from its link budget, so the trace's communication column would go unused: set clients.fedscale.communication: ignore, or use network.type: fixed",
        ['clients', 'fedscale', 'communication'],
      );
    }
    readCapacity(f.capacity, baseDir, count).forEach((c, i) => {
      out[i]!.flopsPerS = capacityFlopsPerS(flopsPerSample, c.computationMs);
      out[i]!.utilisation = 1; // a measured latency: the sustained rate, not a peak
      if (rates) out[i]!.uplinkBps = out[i]!.downlinkBps = capacityRateBps(c.communicationKbps);
    });
  }
  if (f.availability !== undefined) {
    readBehaviour(f.availability, baseDir, count).forEach((t, i) => (out[i]!.availability = traceAvailability(t)));
  }
  return out;
}

/** Device-file columns and the quantity kind of their values. */
const NUMERIC_COLUMNS: Record<string, { kind: QuantityKind; key: keyof Overrides }> = {
  compute: { kind: 'flopRate', key: 'flopsPerS' },
  utilisation: { kind: 'dimensionless', key: 'utilisation' },
  memoryBandwidth: { kind: 'byteRate', key: 'memoryBandwidthBps' },
  memory: { kind: 'bytes', key: 'memoryBytes' },
  txPower: { kind: 'power', key: 'txPowerW' },
  computePower: { kind: 'power', key: 'computePowerW' },
  cyclesPerFlop: { kind: 'dimensionless', key: 'cyclesPerFlop' },
  clock: { kind: 'frequency', key: 'clockHz' },
  kappa: { kind: 'dimensionless', key: 'kappa' },
  distance: { kind: 'length', key: 'distanceM' },
  x: { kind: 'length', key: 'x' },
  y: { kind: 'length', key: 'y' },
  dropout: { kind: 'dimensionless', key: 'dropoutProb' },
  uplinkRate: { kind: 'bitRate', key: 'uplinkBps' },
  downlinkRate: { kind: 'bitRate', key: 'downlinkBps' },
};
/** Columns a wireless cell computes itself (from the link budget): only for a fixed network. */
const FIXED_NETWORK_COLUMNS = ['uplinkRate', 'downlinkRate'];
const TEXT_COLUMNS = ['id', 'kind', 'availability'];
export const DEVICE_FILE_COLUMNS = [...TEXT_COLUMNS, ...Object.keys(NUMERIC_COLUMNS)];

/**
 * Devices from CSV text (header row; one device per row; values may carry units: "2 TFLOP/s",
 * "8 GB", "23 dBm", "120 m"). Empty cells and absent columns are drawn from `config` like a
 * generated population. `file` names the file in error messages.
 */
export function devicesFromCsv(
  text: string,
  file: string,
  config: ClientsConfig,
  seed: number,
  opts: PopulationOptions = {},
): Device[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, comment: '#' }) as typeof rows;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new DeviceFileError(file, line, undefined, (e as Error).message);
  }
  if (rows.length === 0) throw new DeviceFileError(file, undefined, undefined, 'no devices (a header row and at least one row are needed)');
  for (const column of Object.keys(rows[0]!.record)) {
    if (!DEVICE_FILE_COLUMNS.includes(column)) {
      throw new DeviceFileError(file, 1, column, `unknown column; known columns: ${DEVICE_FILE_COLUMNS.join(', ')}`);
    }
    if (FIXED_NETWORK_COLUMNS.includes(column) && opts.network === 'wireless') {
      throw new DeviceFileError(file, 1, column, "a wireless network takes each client's rate from its link budget; this column needs network.type: fixed");
    }
  }
  if (config.count !== undefined && config.count !== rows.length) {
    throw new DeviceFileError(file, undefined, undefined, `has ${rows.length} devices but clients.count is ${config.count}`);
  }
  const [dists] = groupDists(config);
  const { radiusM, minDistanceM } = placement(config, opts);
  const ids = new Set<string>();
  return rows.map(({ record, info }, index) => {
    const row = info.lines;
    const o: Overrides = {};
    for (const [column, raw] of Object.entries(record)) {
      if (raw === '') continue;
      if (column === 'id') {
        if (ids.has(raw)) throw new DeviceFileError(file, row, column, `duplicate device id "${raw}"`);
        ids.add(raw);
        o.id = raw;
      } else if (column === 'kind') {
        o.kind = raw;
      } else if (column === 'availability') {
        o.availability = cell(file, row, column, () => parseAvailabilityText(raw));
      } else {
        const spec = NUMERIC_COLUMNS[column]!;
        const v = cell(file, row, column, () => parseQuantity(raw, spec.kind));
        if (column === 'dropout' && !(v >= 0 && v <= 1)) {
          throw new DeviceFileError(file, row, column, `dropout must be a probability in [0, 1], found ${JSON.stringify(raw)}`);
        }
        (o as Record<string, number>)[spec.key] = v;
      }
    }
    if ((o.x === undefined) !== (o.y === undefined)) {
      throw new DeviceFileError(file, row, o.x === undefined ? 'x' : 'y', 'give both x and y (or neither)');
    }
    try {
      return makeDevice(index, dists!, seed, radiusM, minDistanceM, o);
    } catch (e) {
      throw new DeviceFileError(file, row, undefined, (e as Error).message);
    }
  });
}

function cell<T>(file: string, row: number, column: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof QuantityError) throw new DeviceFileError(file, row, column, e.message);
    throw e;
  }
}
