/**
 * Write a run's tidy CSVs, meta.json and any further files (charts, report, files added by other
 * features) into one folder as a unit: all of them appear together or none (unit.ts).
 */
import { NonFiniteOutputError, toCsv } from './csv.js';
import { writeOutputUnit, type OutputFile, type UnitOptions } from './unit.js';
import {
  CLIENT_COLUMNS, ROUND_COLUMNS, SUMMARY_COLUMNS,
  type ClientRecord, type RoundRecord, type SummaryRecord,
} from './records.js';

export interface RunOutputs {
  rounds: RoundRecord[];
  clients: ClientRecord[];
  summary: SummaryRecord[];
  meta: Record<string, unknown>;
}

/** Stable JSON: keys in insertion order, 2-space indent, trailing newline. NaN/Infinity: NonFiniteOutputError. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) {
        throw new NonFiniteOutputError(`internal error: JSON field "${key}" is ${String(v)}; no output may hold NaN or Infinity`);
      }
      return v;
    },
    2,
  )}\n`;
}

/** A run's files, in order: the tidy CSVs, meta.json, then `extra` ([name, content] pairs). */
export function runOutputFiles(out: RunOutputs, extra: readonly (readonly [string, string | Uint8Array])[] = []): OutputFile[] {
  const files: (readonly [string, string | Uint8Array])[] = [
    ['rounds.csv', toCsv(out.rounds, ROUND_COLUMNS)],
    ['clients.csv', toCsv(out.clients, CLIENT_COLUMNS)],
    ['summary.csv', toCsv(out.summary, SUMMARY_COLUMNS)],
    ['meta.json', toJson(out.meta)],
    ...extra,
  ];
  return files.map(([name, data]) => ({ name, data }));
}

/**
 * Replace folder `dir` with the run's files (see unit.ts; the caller holds the folder's lock,
 * lock.ts). Returns the paths written.
 */
export function writeRunOutputs(
  dir: string,
  out: RunOutputs,
  extra: readonly (readonly [string, string | Uint8Array])[] = [],
  options: UnitOptions = {},
): string[] {
  return writeOutputUnit(dir, runOutputFiles(out, extra), options);
}
