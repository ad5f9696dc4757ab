/**
 * Build the client population from the `clients:` configuration (or a CSV device file).
 *
 * Every per-client field is drawn from its own stream `RandomStream.of(seed, 'device', field,
 * clientIndex)`, so adding a client, a group field or a column never shifts another client's draw.
 * Group membership is assigned by sequential apportionment: client i joins the group with the
 * largest deficit share_g (i + 1) - count_g(i) (ties: first group). Client i's group depends only on
 * clients 0..i-1, so appending clients never changes existing ones, and every group's size stays
 * within 1 of share_g x count. A list is one value per client it is for, in client order: at the
 * top level client i takes entry i mod n, in a group the group's k-th client takes entry k mod n
 * (src/scenario/warnings.ts warns when n is not that number of clients).
 */
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RandomStream } from '../random/index.js';
import { sampleDist, type Dist } from '../scenario/fields.js';
import { formatPath } from '../scenario/errors.js';
import { InputFileError, decodeUtf8, readBoundedFile } from '../scenario/input-file.js';
import { LIMITS } from '../scenario/limits.js';
import { formatQuantity, parseQuantity, QuantityError, type QuantityKind } from '../scenario/units.js';
import type { Availability, Device } from './device.js';
import { DEVICE_VALUE_RULES, deviceValueProblem, parseAvailabilityText, type ClientsConfig, type DeviceValueField } from './config.js';
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

/** One problem of a population, at a scenario field path (`clients.groups[1].compute`, `clients.file`). */
export interface PopulationProblem {
  path: (string | number)[];
  message: string;
}

const FILE_PATH = ['clients', 'file'];

/**
 * Values that cannot make a population: drawn values a field does not allow (for which client,
 * what was drawn, what is allowed), inconsistent fields, bad device-file cells. Every problem is
 * collected before this is thrown, so one run of `validate` lists them all.
 */
export class PopulationError extends Error {
  constructor(readonly problems: PopulationProblem[]) {
    super(problems.map((p) => (p.path.join('.') === FILE_PATH.join('.') ? p.message : `${formatPath(p.path)}: ${p.message}`)).join('\n'));
    this.name = 'PopulationError';
  }
}

/** Problems of a population read from a device file; each names the file, the row (line number, header = 1) and the column. */
export class DeviceFileError extends PopulationError {
  constructor(problems: PopulationProblem[]) {
    super(problems);
    this.name = 'DeviceFileError';
  }
}

function fileProblem(file: string, row: number | undefined, column: string | undefined, detail: string): PopulationProblem {
  const where = [file, row !== undefined ? `row ${row}` : undefined, column !== undefined ? `column "${column}"` : undefined]
    .filter((x) => x !== undefined)
    .join(', ');
  return { path: FILE_PATH, message: `${where}: ${detail}` };
}

/** Draws a field does not allow, grouped by the field path they were drawn from (a few clients listed each). */
class DrawnProblems {
  private readonly byPath = new Map<string, { path: (string | number)[]; field: DeviceValueField; why: string; shown: string[]; count: number; dist?: Dist }>();
  readonly other: PopulationProblem[] = [];

  add(path: (string | number)[], field: DeviceValueField, client: string, value: number, why: string, dist?: Dist): void {
    const key = `${path.join('.')}|${why}`;
    let entry = this.byPath.get(key);
    if (!entry) {
      entry = { path, field, why, shown: [], count: 0, dist };
      this.byPath.set(key, entry);
    }
    entry.count++;
    if (entry.shown.length < 3) entry.shown.push(`client ${client} drew ${formatQuantity(value, DEVICE_VALUE_RULES[field].kind)}`);
  }

  problems(clients: number): PopulationProblem[] {
    const drawn = [...this.byPath.values()].map((e) => {
      const more = e.count > e.shown.length ? `, ... (${e.count} of ${clients} clients)` : '';
      const hint = e.dist?.kind === 'normal' ? ' (use lognormal(median, sigma) for a positive quantity, or a narrower distribution)' : '';
      return { path: e.path, message: `${e.shown.join(', ')}${more}; ${e.field}: ${e.why}${hint}` };
    });
    const cap = 20;
    const other = this.other.length <= cap
      ? this.other
      : [...this.other.slice(0, cap), { path: this.other[cap]!.path, message: `... and ${this.other.length - cap} more problems like these` }];
    return [...drawn, ...other];
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
  /** Scenario path each distribution was written at (for messages about its draws). */
  source: (field: DeviceValueField) => (string | number)[];
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
    source: (field) => ['clients', field],
  };
  if (!config.groups) return [top];
  return config.groups.map((g, gi) => ({
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
    source: (field) => (g[field] !== undefined ? ['clients', 'groups', gi, field] : ['clients', field]),
  }));
}

/** Constants and lists draw nothing: they get this stream instead of building their own. */
const UNUSED_STREAM = new RandomStream(1);

/** Client `index`'s value of `field`; a list gives its entry `listIndex` (the client's place among those the list covers). */
function draw(seed: number, field: string, index: number, d: Dist, listIndex = index): number {
  if (d.kind === 'list') return sampleDist(d, listIndex, UNUSED_STREAM);
  return sampleDist(d, index, d.kind === 'const' ? UNUSED_STREAM : RandomStream.of(seed, 'device', field, index));
}

/** Where a device's values come from, for messages: the device file's row (if any) and the problems collector. */
interface DeviceContext {
  problems: DrawnProblems;
  file?: { name: string; row: number };
}

function makeDevice(
  index: number,
  f: FieldDists,
  seed: number,
  radiusM: number,
  minDistanceM: number,
  ctx: DeviceContext,
  o: Overrides = {},
  /** The client's place in its group: a group's list is one value per client of the group, in client order. */
  groupPosition = index,
): Device {
  const kind = o.kind ?? f.kind;
  const id = o.id ?? `${kind}-${index}`;
  const client = `${index} (${id})`;
  // Every value goes through DEVICE_VALUE_RULES: a bad one is recorded (file cell or draw) and
  // replaced by a harmless placeholder, so that all problems are found in one pass.
  const value = (field: DeviceValueField, d: Dist | undefined, given: number | undefined, column: string = field): number | undefined => {
    const listIndex = f.source(field)[1] === 'groups' ? groupPosition : index;
    const v = given !== undefined ? given : d === undefined ? undefined : draw(seed, field, index, d, listIndex);
    if (v === undefined) return undefined;
    const why = deviceValueProblem(field, v);
    if (why === undefined) return v;
    if (given !== undefined && ctx.file) {
      ctx.problems.other.push(
        fileProblem(ctx.file.name, ctx.file.row, column, `${field} = ${formatQuantity(v, DEVICE_VALUE_RULES[field].kind)} is not allowed: ${why}`),
      );
    } else {
      ctx.problems.add(f.source(field), field, client, v, why, d);
    }
    return 1;
  };
  const device: Device = {
    index,
    id,
    kind,
    flopsPerS: value('compute', f.compute, o.flopsPerS)!,
    utilisation: value('utilisation', f.utilisation, o.utilisation)!,
    memoryBytes: value('memory', f.memory, o.memoryBytes)!,
    txPowerW: value('txPower', f.txPower, o.txPowerW)!,
    distanceM: 0,
    computePowerW: value('computePower', f.computePower, o.computePowerW)!,
    dropoutProb: o.dropoutProb ?? f.dropout,
    availability: o.availability ?? f.availability,
  };
  const bandwidth = value('memoryBandwidth', f.memoryBandwidth, o.memoryBandwidthBps);
  if (bandwidth !== undefined) device.memoryBandwidthBps = bandwidth;
  // Fixed-network rates (a device file's columns or FedScale's capacity trace): > 0 and finite.
  const rate = (column: 'uplinkRate' | 'downlinkRate', v: number): number => {
    if (Number.isFinite(v) && v > 0) return v;
    const message = `${column} = ${v} bit/s is not allowed: it must be > 0 bit/s`;
    ctx.problems.other.push(ctx.file ? fileProblem(ctx.file.name, ctx.file.row, column, message) : { path: ['clients', 'fedscale'], message: `client ${client}: ${message}` });
    return 1;
  };
  if (o.uplinkBps !== undefined) device.uplinkBps = rate('uplinkRate', o.uplinkBps);
  if (o.downlinkBps !== undefined) device.downlinkBps = rate('downlinkRate', o.downlinkBps);
  const cycles = value('cyclesPerFlop', f.cyclesPerFlop, o.cyclesPerFlop);
  const clock = value('clock', f.clock, o.clockHz);
  const kappa = value('kappa', f.kappa, o.kappa);
  const cmos = [cycles, clock, kappa].filter((v) => v !== undefined).length;
  if (cmos === 3) {
    device.cyclesPerFlop = cycles;
    device.clockHz = clock;
    device.kappa = kappa;
  } else if (cmos > 0) {
    const message = `client ${client} needs all of cyclesPerFlop, clock and kappa, or none`;
    ctx.problems.other.push(ctx.file ? fileProblem(ctx.file.name, ctx.file.row, undefined, message) : { path: ['clients'], message });
  }

  if (o.x !== undefined && o.y !== undefined) {
    device.x = o.x;
    device.y = o.y;
    device.distanceM = value('distance', undefined, Math.hypot(o.x, o.y), 'x')!;
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
    device.distanceM = r;
  }
  return device;
}

function placement(config: ClientsConfig, opts: PopulationOptions, problems: DrawnProblems): { radiusM: number; minDistanceM: number } {
  const disc = config.placement?.disc;
  const radiusM = disc?.radius ?? opts.cellRadiusM ?? DEFAULT_CELL_RADIUS_M;
  const minDistanceM = disc?.minDistance ?? 35;
  if (!(radiusM > minDistanceM)) {
    problems.other.push({
      path: ['clients', 'placement'],
      message: `the placement radius ${radiusM} m (${disc?.radius !== undefined ? 'placement.disc.radius' : 'network.cellRadius'}) must exceed minDistance ${minDistanceM} m`,
    });
    return { radiusM: minDistanceM + 1, minDistanceM };
  }
  return { radiusM, minDistanceM };
}

function finish(devices: Device[], problems: DrawnProblems, fromFile: boolean): Device[] {
  const list = problems.problems(devices.length);
  if (list.length > 0) throw fromFile ? new DeviceFileError(list) : new PopulationError(list);
  return devices;
}

/**
 * The client population. `baseDir` resolves `file` (the scenario file's folder). Throws
 * PopulationError (DeviceFileError for a device file) listing every value that is not allowed.
 */
export function buildPopulation(config: ClientsConfig, seed: number, baseDir = '.', opts: PopulationOptions = {}): Device[] {
  if (config.file !== undefined) {
    let text: string;
    try {
      const path = resolve(baseDir, config.file);
      text = decodeUtf8(readBoundedFile(path, LIMITS.deviceFileBytes, 'device file'), path, 'device file');
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      throw new DeviceFileError([fileProblem(config.file, undefined, undefined, e.reason)]);
    }
    return devicesFromCsv(text, config.file, config, seed, opts);
  }
  const count = config.count!;
  if (!(count <= LIMITS.clients)) throw new PopulationError([{ path: ['clients', 'count'], message: `at most ${LIMITS.clients} clients` }]);
  const dists = groupDists(config);
  const groupOf = assignGroups(count, config.groups ? config.groups.map((g) => g.share) : [1]);
  const problems = new DrawnProblems();
  const { radiusM, minDistanceM } = placement(config, opts, problems);
  const ctx: DeviceContext = { problems };
  const traced = config.fedscale ? fedscaleOverrides(config.fedscale, count, baseDir, opts) : [];
  const seen = dists.map(() => 0);
  return finish(groupOf.map((g, i) => makeDevice(i, dists[g]!, seed, radiusM, minDistanceM, ctx, traced[i], seen[g]!++)), problems, false);
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
  const fail = (row: number | undefined, column: string | undefined, detail: string) => new DeviceFileError([fileProblem(file, row, column, detail)]);
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    // bom: a file saved by a spreadsheet program starts with a UTF-8 byte-order mark.
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, comment: '#', bom: true }) as typeof rows;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw fail(line, undefined, (e as Error).message);
  }
  if (rows.length === 0) throw fail(undefined, undefined, 'no devices (a header row and at least one row are needed)');
  if (rows.length > LIMITS.clients) {
    throw fail(undefined, undefined, `has ${rows.length.toLocaleString('en-US')} devices, more than the limit of ${LIMITS.clients.toLocaleString('en-US')} clients (src/scenario/limits.ts)`);
  }
  for (const column of Object.keys(rows[0]!.record)) {
    if (!DEVICE_FILE_COLUMNS.includes(column)) {
      throw fail(1, column, `unknown column; known columns: ${DEVICE_FILE_COLUMNS.join(', ')}`);
    }
    if (FIXED_NETWORK_COLUMNS.includes(column) && opts.network === 'wireless') {
      throw fail(1, column, "a wireless network takes each client's rate from its link budget; this column needs network.type: fixed");
    }
  }
  if (config.count !== undefined && config.count !== rows.length) {
    throw fail(undefined, undefined, `has ${rows.length} devices but clients.count is ${config.count}`);
  }
  const [dists] = groupDists(config);
  const problems = new DrawnProblems();
  const { radiusM, minDistanceM } = placement(config, opts, problems);
  const ids = new Set<string>();
  const devices = rows.map(({ record, info }, index) => {
    const row = info.lines;
    const o: Overrides = {};
    const cell = <T,>(column: string, fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (e) {
        if (!(e instanceof QuantityError)) throw e;
        problems.other.push(fileProblem(file, row, column, e.message));
        return undefined;
      }
    };
    for (const [column, raw] of Object.entries(record)) {
      if (raw === '') continue;
      if (column === 'id') {
        if (ids.has(raw)) problems.other.push(fileProblem(file, row, column, `duplicate device id "${raw}"`));
        ids.add(raw);
        o.id = raw;
      } else if (column === 'kind') {
        o.kind = raw;
      } else if (column === 'availability') {
        o.availability = cell(column, () => parseAvailabilityText(raw));
      } else {
        const spec = NUMERIC_COLUMNS[column]!;
        const v = cell(column, () => parseQuantity(raw, spec.kind));
        if (v === undefined) continue;
        if (column === 'dropout' && !(v >= 0 && v <= 1)) {
          problems.other.push(fileProblem(file, row, column, `dropout must be a probability in [0, 1], found ${JSON.stringify(raw)}`));
          continue;
        }
        (o as Record<string, number>)[spec.key] = v;
      }
    }
    if ((o.x === undefined) !== (o.y === undefined)) {
      problems.other.push(fileProblem(file, row, o.x === undefined ? 'x' : 'y', 'give both x and y (or neither)'));
      delete o.x;
      delete o.y;
    }
    return makeDevice(index, dists!, seed, radiusM, minDistanceM, { problems, file: { name: file, row } }, o);
  });
  return finish(devices, problems, true);
}
