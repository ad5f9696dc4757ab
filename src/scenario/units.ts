/**
 * Physical quantities in scenario files.
 *
 * Linear units go through mathjs (`20 MHz`, `4 GB`, `2.5 TFLOP/s`, `250 m`, `10 ms`). mathjs has
 * no logarithmic units, so dB, dBm, dBW and dBm/Hz are parsed here and converted to linear SI.
 * A plain number is taken as already in SI (or in dB for a dB-valued field).
 */
import { create, all, type Unit } from 'mathjs';
import { QUANTITY_RANGES } from './limits.js';
import { closest } from './suggest.js';

const math = create(all, {});
// Floating-point operations are not an SI unit: give them their own dimension so that
// `TFLOP/s` and `GFLOP` parse and cannot be confused with anything else.
math.createUnit('FLOP', { prefixes: 'short', aliases: ['FLOPs', 'flop', 'flops'] });
math.createUnit('bit', { definition: '1 b', prefixes: 'short', aliases: ['bits'] }, { override: true });

/** The kinds of quantity a scenario field can hold, with the SI unit its number ends up in. */
export const KINDS = {
  frequency: { si: 'Hz', example: '20 MHz' },
  bytes: { si: 'B', example: '4 GB' },
  bits: { si: 'bit', example: '1.6 Gb' },
  bitRate: { si: 'bit/s', example: '10 Mb/s' },
  byteRate: { si: 'B/s', example: '51.2 GB/s' },
  flops: { si: 'FLOP', example: '1.2 TFLOP' },
  flopRate: { si: 'FLOP/s', example: '2.5 TFLOP/s' },
  power: { si: 'W', example: '23 dBm or 0.2 W' },
  psd: { si: 'W/Hz', example: '-174 dBm/Hz' },
  length: { si: 'm', example: '250 m' },
  time: { si: 's', example: '10 ms' },
  energy: { si: 'J', example: '5 J' },
  db: { si: 'dB', example: '8 dB' },
  dimensionless: { si: '', example: '0.5' },
} as const;
export type QuantityKind = keyof typeof KINDS;

// mathjs dimension vectors: [mass, length, time, current, temperature, luminous, amount, angle, bit, FLOP]
const DIMS: Partial<Record<QuantityKind, number[]>> = {
  frequency: [0, 0, -1, 0, 0, 0, 0, 0, 0, 0],
  bytes: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
  bits: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
  bitRate: [0, 0, -1, 0, 0, 0, 0, 0, 1, 0],
  byteRate: [0, 0, -1, 0, 0, 0, 0, 0, 1, 0],
  flops: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  flopRate: [0, 0, -1, 0, 0, 0, 0, 0, 0, 1],
  power: [1, 2, -3, 0, 0, 0, 0, 0, 0, 0],
  psd: [1, 2, -2, 0, 0, 0, 0, 0, 0, 0],
  length: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  time: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
  energy: [1, 2, -2, 0, 0, 0, 0, 0, 0, 0],
};

/** A quantity that could not be read: `expected` and `found` are for the error message. */
export class QuantityError extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
    /** A suggestion appended to the message, e.g. `; did you mean "20 MHz"?` (suggest.ts). */
    readonly hint = '',
  ) {
    super(`expected ${expected}, found ${found}${hint}`);
  }
}

/**
 * The unit spellings a did-you-mean may offer for each kind (mathjs reads more, e.g. `hour`): a
 * unit mathjs does not know (`Mhz`, `gb`, `dbm`, `Mbps`) is matched against these (suggest.ts).
 */
const UNIT_SPELLINGS: Record<QuantityKind, readonly string[]> = {
  frequency: ['Hz', 'kHz', 'MHz', 'GHz'],
  bytes: ['B', 'kB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB'],
  bits: ['bit', 'kbit', 'Mbit', 'Gbit', 'b', 'kb', 'Mb', 'Gb', 'Tb'],
  bitRate: ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'b/s', 'kb/s', 'Mb/s', 'Gb/s', 'Tb/s'],
  byteRate: ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'],
  flops: ['FLOP', 'kFLOP', 'MFLOP', 'GFLOP', 'TFLOP', 'PFLOP'],
  flopRate: ['FLOP/s', 'kFLOP/s', 'MFLOP/s', 'GFLOP/s', 'TFLOP/s', 'PFLOP/s'],
  power: ['W', 'mW', 'kW', 'dBm', 'dBW'],
  psd: ['W/Hz', 'dBm/Hz', 'dBW/Hz'],
  length: ['m', 'km', 'cm', 'mm'],
  time: ['s', 'ms', 'us', 'ns', 'min', 'h', 'day'],
  energy: ['J', 'mJ', 'kJ', 'Wh', 'kWh'],
  db: ['dB', 'dBi'],
  dimensionless: ['dB'],
};

/**
 * `; did you mean "20 MHz"?` when `text` is a number with a unit close to one of `kind`'s
 * (suggest.ts) and the suggested value reads as `kind`; '' otherwise (a far-off word, a unit of
 * another dimension).
 */
function unitHint(text: string, kind: QuantityKind): string {
  const m = new RegExp(`^(${NUM})\\s*(\\S.*)$`).exec(text);
  if (!m) return '';
  const unit = closest(m[2]!.trim(), UNIT_SPELLINGS[kind]);
  if (unit === undefined) return '';
  const fixed = `${m[1]} ${unit}`;
  try {
    parseUnchecked(fixed, kind);
  } catch {
    return '';
  }
  return `; did you mean ${JSON.stringify(fixed)}?`;
}

export const dbToLinear = (db: number): number => 10 ** (db / 10);
export const linearToDb = (x: number): number => 10 * Math.log10(x);
export const dbmToWatts = (dbm: number): number => 10 ** ((dbm - 30) / 10);
export const wattsToDbm = (w: number): number => 10 * Math.log10(w) + 30;

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const LOG_RE = new RegExp(`^\\s*(${NUM})\\s*(dBm/Hz|dBW/Hz|dBm|dBW|dBi|dB)\\s*$`);

function describe(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'an object';
  return `${typeof input} ${String(input)}`;
}

function expectation(kind: QuantityKind): string {
  const k = KINDS[kind];
  if (kind === 'dimensionless') return 'a number';
  if (kind === 'db') return `a level in dB (e.g. "${k.example}" or a plain number of dB)`;
  return `a ${kind} quantity in ${k.si} (e.g. "${k.example}", or a plain number in ${k.si})`;
}

/**
 * The one finite-number guard on quantities: `value` (SI, from `input`) must be finite and within
 * QUANTITY_RANGES[kind] (src/scenario/limits.ts). Every quantity of a scenario, device file or
 * solver instance passes here, so `1e400`, `"1e400 Hz"` and `"1e308 MHz"` (which overflow to
 * Infinity) and values no device has are rejected with the range in the message.
 */
export function checkQuantityRange(value: number, kind: QuantityKind, input: unknown): number {
  const what = kind === 'db' ? 'level in dB' : kind === 'dimensionless' ? 'number' : `${kind} value`;
  const shown = typeof input === 'number' ? String(input) : describe(input);
  if (!Number.isFinite(value)) {
    throw new QuantityError(`a finite ${what}`, `${shown} (${Number.isNaN(value) ? 'not a number' : 'too large: it overflows to Infinity'})`);
  }
  const r = QUANTITY_RANGES[kind];
  const mag = Math.abs(value);
  if (mag > r.max || (mag > 0 && mag < r.minPositive)) {
    const unit = KINDS[kind].si === '' ? '' : ` ${KINDS[kind].si}`;
    const range = r.minPositive > 0 ? `between ${sci(r.minPositive)} and ${sci(r.max)}${unit} in magnitude` : `at most ${sci(r.max)}${unit} in magnitude`;
    const si = typeof input === 'number' ? '' : ` (${sci(value)}${unit})`;
    throw new QuantityError(`a ${what} ${range} (${r.note}; limits in src/scenario/limits.ts)`, `${shown}${si}`);
  }
  return value;
}

/** A number for messages: exponent form outside [1e-3, 1e6). */
function sci(n: number): string {
  const a = Math.abs(n);
  if (a === 0 || !Number.isFinite(n)) return String(n);
  const short = Number(n.toPrecision(6));
  return a >= 1e6 || a < 1e-3 ? short.toExponential().replace('e+', 'e') : String(short);
}

/** An SI value of `kind` for messages, e.g. "-2.1e12 FLOP/s", "8e9 B", "0.2 W". */
export function formatQuantity(value: number, kind: QuantityKind): string {
  const unit = KINDS[kind].si;
  return unit === '' ? sci(value) : `${sci(value)} ${unit}`;
}

/** Parse `input` as a quantity of `kind` and return its value in SI (bytes for `bytes`, B/s for `byteRate`). */
export function parseQuantity(input: unknown, kind: QuantityKind): number {
  return checkQuantityRange(parseUnchecked(input, kind), kind, input);
}

function parseUnchecked(input: unknown, kind: QuantityKind): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) {
      throw new QuantityError(expectation(kind), `${describe(input)} (${Number.isNaN(input) ? 'not a number' : 'a number too large for a double, e.g. 1e400'})`);
    }
    return input;
  }
  if (typeof input !== 'string') throw new QuantityError(expectation(kind), describe(input));
  const text = input.trim();
  if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return Number(text);

  const log = LOG_RE.exec(text);
  if (log) {
    const value = Number(log[1]);
    const unit = log[2]!;
    if (kind === 'db' && (unit === 'dB' || unit === 'dBi')) return value;
    if (kind === 'power' && unit === 'dBm') return dbmToWatts(value);
    if (kind === 'power' && unit === 'dBW') return dbToLinear(value);
    if (kind === 'psd' && unit === 'dBm/Hz') return dbmToWatts(value);
    if (kind === 'psd' && unit === 'dBW/Hz') return dbToLinear(value);
    if (kind === 'dimensionless' && unit === 'dB') return dbToLinear(value);
    throw new QuantityError(expectation(kind), `${describe(input)} (a ${unit} level)`);
  }
  if (kind === 'db' || kind === 'dimensionless') {
    throw new QuantityError(expectation(kind), describe(input), unitHint(text, kind));
  }

  let unit: Unit;
  try {
    unit = math.unit(text);
  } catch (e) {
    throw new QuantityError(expectation(kind), `${describe(input)} (${(e as Error).message})`, unitHint(text, kind));
  }
  const want = DIMS[kind]!;
  const dims = unit.dimensions as number[];
  const same = want.every((d, i) => (dims[i] ?? 0) === d);
  if (!same || unit.value === null) {
    throw new QuantityError(expectation(kind), `${describe(input)} (a different dimension)`);
  }
  const value = unit.value as number;
  return kind === 'bytes' || kind === 'byteRate' ? value / 8 : value;
}
