import { stringify } from 'csv-stringify/sync';

/**
 * No output file may hold NaN or Infinity: a value that does not apply or cannot be computed is
 * null (an empty cell) with the reason in a status column or the docs. A non-finite number
 * reaching a writer is an internal error (exit 1, naming the cell), never a silent "Inf" cell; the
 * input checks (src/scenario/limits.ts) and the fuzz test (test/cli/fuzz-inputs.test.ts) keep it so.
 */
export class NonFiniteOutputError extends Error {
  override readonly name = 'NonFiniteOutputError';
}

/** A text cell that reads as a number (or Inf/NaN): a spreadsheet shows it as that number, no formula. */
const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(Inf|Infinity|NaN)$/;
/** First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell made safe to open in a spreadsheet: one starting with `=`, `+`, `-`, `@`, tab or
 * carriage return gets a leading single quote, as OWASP's CSV-injection advice says, so a method
 * label or client id such as `=HYPERLINK(...)` is shown, not run. Text that is a plain number
 * (`-3.5`, e.g. a sweep re-reading its runs' CSVs) is left alone: it cannot run anything, and
 * prefixing it would corrupt a numeric column. Numbers (typeof number) never reach this.
 */
export function safeText(s: string): string {
  return FORMULA_START.test(s) && !NUMBER_TEXT.test(s) ? `'${s}` : s;
}

/**
 * A column that counts bytes (`bytes_up`, `upload_bytes`, `memory_bytes`, `bytes_up_ci95`, ...):
 * written as a whole number of bytes. The cost model's byte counts can be fractional (a pruned
 * upload is (1 - rho) x the prunable bytes, an int4 weight half a byte) and a mean over
 * replications is; a byte column that is sometimes `1.2e9`-like or fractional reads as float in
 * pandas and R while its neighbours read as integers.
 */
export function isByteColumn(name: string): boolean {
  return /(^|_)bytes($|_)/.test(name);
}

/**
 * Numbers print in full precision (shortest round-trip form), so same run -> same bytes; byte
 * columns rounded to the nearest byte (each cell on its own: a rounded total can differ from the
 * sum of rounded parts by a few bytes). Integers print in plain digits up to 1e21 (String does).
 */
function cell(v: unknown, column: string, row: number, bytes = false): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new NonFiniteOutputError(`internal error: column "${column}" of row ${row} is ${String(v)}; no output may hold NaN or Infinity`);
    return String(bytes ? Math.round(v) : v);
  }
  return safeText(String(v));
}

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T)[]): string {
  // In chunks of rows: the cell arrays of a million-row clients.csv at once would take ~1 GB.
  const parts = [stringify([columns.map((c) => safeText(String(c)))], { eof: true, record_delimiter: 'unix' })];
  const bytes = columns.map((c) => isByteColumn(String(c)));
  const CHUNK = 10_000;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const data = rows.slice(start, start + CHUNK).map((r, i) => columns.map((c, j) => cell(r[c], String(c), start + i + 1, bytes[j])));
    parts.push(stringify(data, { eof: true, record_delimiter: 'unix' }));
  }
  return parts.join('');
}
