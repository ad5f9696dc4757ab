/**
 * The sweep's tidy tables, assembled from the per-run folders (so a resumed sweep gives the same
 * bytes as an uninterrupted one): one row per run x method x round in sweep_rounds.csv and per
 * run x method in sweep_summary.csv, each prefixed by `run_id` and one column per swept path
 * (the value as given), followed by `<column>_si` for a path whose values carry units (the value
 * as a number in SI, si.ts), so pandas and R read a number where the label is "20 MHz".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { isByteColumn, toCsv } from '../output/csv.js';
import { ROUND_COLUMNS, SUMMARY_COLUMNS } from '../output/records.js';
import type { Axis } from './grid.js';
import { siColumns, siValue } from './si.js';

export interface AssembledRun {
  runId: string;
  dir: string;
  /** Swept path -> value as given. */
  assignments: Record<string, string>;
}

/**
 * Column name of each swept path: the path itself, or `set.<path>` where the path equals a record
 * column (e.g. `--set rounds=...` vs summary.csv's `rounds`), so every column name is unique.
 */
export function sweptColumns(axes: readonly Axis[]): string[] {
  const taken = new Set<string>(['run_id', ...ROUND_COLUMNS, ...SUMMARY_COLUMNS]);
  return axes.map((a) => (taken.has(a.path) ? `set.${a.path}` : a.path));
}

/**
 * Concatenate one per-run CSV over all runs, in grid order. Byte columns are whole numbers even
 * from a run folder written before they were (csv.ts isByteColumn).
 */
export function tidyTable(runs: readonly AssembledRun[], axes: readonly Axis[], file: string): string {
  const swept = sweptColumns(axes);
  const si = siColumns(axes, swept);
  const prefix = swept.flatMap((c, k) => (si[k] ? [c, si[k]!.column] : [c]));
  let header: string[] | null = null;
  const rows: Record<string, string | number | null>[] = [];
  for (const run of runs) {
    const path = join(run.dir, file);
    const [head, ...body] = parse(readFileSync(path, 'utf8')) as string[][];
    if (!head) throw new Error(`${path} is empty`);
    if (header === null) header = head;
    else if (head.join(',') !== header.join(',')) {
      throw new Error(`${path} has columns ${head.join(',')}, other runs have ${header.join(',')}; delete the runs/ folder and sweep again`);
    }
    const bytes = head.map(isByteColumn);
    for (const cells of body) {
      const row: Record<string, string | number | null> = { run_id: run.runId };
      axes.forEach((a, k) => {
        const text = run.assignments[a.path]!;
        row[swept[k]!] = text;
        if (si[k]) row[si[k]!.column] = siValue(text, si[k]!.information)?.value ?? null;
      });
      head.forEach((c, k) => (row[c] = bytes[k] && cells[k] !== '' && Number.isFinite(Number(cells[k])) ? Math.round(Number(cells[k])) : cells[k]!));
      rows.push(row);
    }
  }
  return toCsv(rows, ['run_id', ...prefix, ...(header ?? [])]);
}
