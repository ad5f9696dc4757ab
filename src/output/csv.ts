import { stringify } from 'csv-stringify/sync';

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

/** Numbers print in full precision (shortest round-trip form), so same run -> same bytes. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Inf' : v < 0 ? '-Inf' : 'NaN';
  return safeText(String(v));
}

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T)[]): string {
  const data = rows.map((r) => columns.map((c) => cell(r[c])));
  return stringify([columns.map((c) => safeText(String(c))), ...data], { eof: true, record_delimiter: 'unix' });
}
