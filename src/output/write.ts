/** Write a run's tidy CSVs and meta.json into one folder, each file atomically. */
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { NonFiniteOutputError, toCsv } from './csv.js';
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

export function writeRunOutputs(dir: string, out: RunOutputs, extra: [string, string][] = []): string[] {
  const files: [string, string][] = [
    ['rounds.csv', toCsv(out.rounds, ROUND_COLUMNS)],
    ['clients.csv', toCsv(out.clients, CLIENT_COLUMNS)],
    ['summary.csv', toCsv(out.summary, SUMMARY_COLUMNS)],
    ['meta.json', toJson(out.meta)],
    ...extra,
  ];
  for (const [name, text] of files) writeFileAtomic(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
