/**
 * Swept values as numbers for pandas and R: a value written with a unit (`20 MHz`, `4 GB`,
 * `10 Mb/s`, `23 dBm`, `30 min`) is also given in the SI unit airtune computes in (src/scenario/
 * units.ts KINDS: Hz, B, bit/s, W, s, m, J, FLOP, FLOP/s; dB levels stay in dB, dBm and dBW become
 * W, dBm/Hz W/Hz). The tidy tables then hold, beside the label column `network.bandwidth` ("20 MHz"),
 * a numeric column `network.bandwidth_si` (20000000). Plain numbers are already SI.
 */
import { KINDS, parseQuantity, type QuantityKind } from '../scenario/units.js';
import type { Axis } from './grid.js';

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const PLAIN = new RegExp(`^\\s*${NUM}\\s*$`);
const WITH_UNIT = new RegExp(`^\\s*${NUM}\\s*([A-Za-z/][A-Za-z/^0-9 ]*?)\\s*$`);

/** Bytes or bits: a byte unit has a capital B (`GB`, `MB/s`); `b`, `bit` are bits. */
type Information = 'bytes' | 'bits';

function informationOf(unit: string): Information | null {
  if (/^(?:[kMGTPE]i?)?B(?:\/s)?$/.test(unit) || /byte/i.test(unit)) return 'bytes';
  if (/^(?:[kMGTPE]i?)?b(?:it)?s?(?:\/s)?$/.test(unit)) return 'bits';
  return null;
}

/** The kinds a linear unit may be, in order (the first that parses wins; dimensions are disjoint). */
function kindsFor(unit: string, info: Information | null): QuantityKind[] {
  if (/\/Hz$/.test(unit)) return ['psd'];
  if (info === 'bytes') return ['bytes', 'byteRate'];
  if (info === 'bits') return ['bits', 'bitRate'];
  return ['frequency', 'time', 'length', 'energy', 'power', 'flops', 'flopRate'];
}

/** A value in SI: the number and its SI unit ('' for a plain number). */
export interface SiValue {
  value: number;
  unit: string;
}

/**
 * `text` as a number in SI, or null when it is not a number with a unit airtune knows (a mode, a
 * distribution, a list). `information` forces bytes or bits for a byte or bit unit (an axis that
 * mixes `MB/s` and `Mb/s` is given in one of them).
 */
export function siValue(text: string, information?: Information): SiValue | null {
  if (PLAIN.test(text)) return { value: Number(text), unit: '' };
  const m = WITH_UNIT.exec(text);
  if (!m) return null;
  const unit = m[1]!;
  const log = /^(dBm\/Hz|dBW\/Hz|dBm|dBW|dBi|dB)$/.exec(unit);
  if (log) {
    const kind: QuantityKind = unit === 'dB' || unit === 'dBi' ? 'db' : unit.endsWith('/Hz') ? 'psd' : 'power';
    return { value: parseQuantity(text, kind), unit: KINDS[kind].si };
  }
  const own = informationOf(unit);
  for (const kind of kindsFor(unit, own)) {
    try {
      let value = parseQuantity(text, kind);
      let si: string = KINDS[kind].si;
      if (own !== null && information !== undefined && own !== information) {
        // parseQuantity gives bytes for a byte unit and bits for a bit unit: convert to the axis's.
        value = information === 'bits' ? value * 8 : value / 8;
        si = information === 'bits' ? si.replace('B', 'bit') : si.replace('bit', 'B');
      }
      return { value, unit: si };
    } catch {
      // not this kind
    }
  }
  return null;
}

/** An axis's SI column: its name and unit, null when no value of the axis has a unit. */
export interface SiColumn {
  column: string;
  unit: string;
  /** Bytes or bits, for every value of the axis (that of its first byte or bit value). */
  information?: Information;
}

/** The SI column of each axis (label column `columns[k]`, SI column `<label>_si`), or null. */
export function siColumns(axes: readonly Axis[], columns: readonly string[]): (SiColumn | null)[] {
  return axes.map((axis, k) => {
    const units = axis.values.map((v) => WITH_UNIT.exec(v.text)?.[1]).filter((u): u is string => u !== undefined);
    const information = units.map(informationOf).find((i): i is Information => i !== null);
    const withUnit = axis.values.map((v) => siValue(v.text, information)).filter((s): s is SiValue => s !== null && s.unit !== '');
    if (withUnit.length === 0) return null;
    return { column: `${columns[k]}_si`, unit: withUnit[0]!.unit, ...(information ? { information } : {}) };
  });
}
