/**
 * Yahoo! Answers topic classification loader, in the `yahoo_answers_csv` format of Zhang, Zhao &
 * LeCun 2015 ("Character-level Convolutional Networks for Text Classification"): no header, four
 * columns `class (1-10), question title, question content, best answer`; fields are quoted with
 * `"`, internal quotes doubled (`""`), and newlines inside text written as the two characters
 * backslash-n (real newlines inside quoted fields are accepted too).
 *
 * Parsing uses csv-parse. Files are read synchronously in chunks cut at record boundaries, so
 * `maxRecords` reads only a prefix of a large file (the full train.csv is ~ 770 MB).
 */
import { closeSync, readSync } from 'node:fs';
import { InputFileError, openRegularFile } from '../../scenario/input-file.js';
import { LIMITS } from '../../scenario/limits.js';
import { parse, type CsvError } from 'csv-parse/sync';
import { DataError } from './errors.js';
import type { LoadOptions } from './gsm8k.js';

export const YAHOO_TOPICS = [
  'Society & Culture',
  'Science & Mathematics',
  'Health',
  'Education & Reference',
  'Computers & Internet',
  'Sports',
  'Business & Finance',
  'Entertainment & Music',
  'Family & Relationships',
  'Politics & Government',
] as const;

export interface YahooRecord {
  /** Topic index 0..9 into YAHOO_TOPICS (the file's class 1..10 minus one). */
  topic: number;
  title: string;
  content: string;
  answer: string;
}

export interface YahooLoadOptions extends LoadOptions {
  /** Turn the dataset's literal `\n` escapes into newlines (default true). */
  unescapeNewlines?: boolean;
}

const COLUMN_NAMES = ['class', 'title', 'content', 'answer'] as const;

/** Incremental parser state: position in the file for error messages. */
class YahooParser {
  readonly records: YahooRecord[] = [];
  private rowOffset = 0;
  private lineOffset = 0;
  constructor(
    private readonly file: string,
    private readonly max: number,
    private readonly unescape: boolean,
  ) {}

  get done(): boolean {
    return this.records.length >= this.max;
  }

  /** Parse a piece of CSV text that starts and ends at record boundaries. */
  feed(text: string): void {
    if (this.done || text === '') return;
    let rows: { record: string[]; info: { lines: number } }[];
    try {
      rows = parse(text, {
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
        ...(Number.isFinite(this.max) ? { to: this.max - this.records.length } : {}),
      }) as unknown as { record: string[]; info: { lines: number } }[];
    } catch (e) {
      const err = e as CsvError;
      const line = typeof err.lines === 'number' ? this.lineOffset + err.lines : undefined;
      throw new DataError(`${this.file}:${line ?? '?'}: malformed CSV (${err.message})`);
    }
    for (const { record, info } of rows) {
      const row = ++this.rowOffset;
      // csv-parse reports the line where the record ends; subtract embedded newlines for its start.
      const embedded = record.reduce((n, f) => n + countNewlines(f), 0);
      const line = this.lineOffset + info.lines - embedded;
      const where = `${this.file}: row ${row} (line ${line})`;
      if (record.length !== 4) {
        throw new DataError(`${where}: expected 4 columns (${COLUMN_NAMES.join(', ')}), found ${record.length}`);
      }
      const cls = record[0]!.trim();
      const topic = Number(cls);
      if (!/^\d+$/.test(cls) || topic < 1 || topic > 10) {
        throw new DataError(`${where}, column 1 (class): expected an integer 1..10, found ${JSON.stringify(record[0])}`);
      }
      const fix = (s: string) => (this.unescape ? s.replaceAll('\\n', '\n') : s);
      const title = fix(record[1]!);
      if (title.trim() === '' && record[2]!.trim() === '') {
        throw new DataError(`${where}, columns 2-3 (title, content): the question is empty`);
      }
      this.records.push({ topic: topic - 1, title, content: fix(record[2]!), answer: fix(record[3]!) });
    }
    this.lineOffset += countNewlines(text);
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Index just after the last record-terminating newline of `text` (a newline outside quotes),
 * assuming `text` starts at a record boundary; 0 if there is none. Doubled quotes toggle twice,
 * so tracking `"` parity is exact for RFC 4180 quoting.
 */
function lastRecordEnd(text: string): number {
  let inQuotes = false;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) inQuotes = !inQuotes;
    else if (c === 10 && !inQuotes) last = i + 1;
  }
  return last;
}

/** Parse Yahoo Answers CSV text. `file` is used in error messages only. */
export function parseYahooCsv(text: string, file: string, opts: YahooLoadOptions = {}): YahooRecord[] {
  const p = new YahooParser(file, opts.maxRecords ?? Infinity, opts.unescapeNewlines ?? true);
  p.feed(text);
  return p.records;
}

const CHUNK_BYTES = 1 << 22;

/** Read and parse a Yahoo Answers CSV file, reading only as much as `maxRecords` needs. */
export function loadYahooFile(path: string, opts: YahooLoadOptions = {}): YahooRecord[] {
  let fd: number;
  try {
    fd = openRegularFile(path, 'Yahoo Answers file');
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new DataError(e.message);
  }
  const p = new YahooParser(path, opts.maxRecords ?? Infinity, opts.unescapeNewlines ?? true);
  const decoder = new TextDecoder('utf-8');
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending = '';
  try {
    while (!p.done) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      if (n === 0) {
        pending += decoder.decode();
        p.feed(pending);
        break;
      }
      pending += decoder.decode(buf.subarray(0, n), { stream: true });
      const cut = lastRecordEnd(pending);
      if (cut > 0) {
        p.feed(pending.slice(0, cut));
        pending = pending.slice(cut);
      }
      // Memory stays bounded whatever the file holds (one line without end, an unclosed quote).
      if (pending.length > LIMITS.dataRecordBytes) {
        throw new DataError(
          `${path}: a record longer than ${LIMITS.dataRecordBytes} characters after row ${p.records.length} (a line without end or an unclosed quote?); limit in src/scenario/limits.ts`,
        );
      }
    }
  } finally {
    closeSync(fd);
  }
  return p.records;
}
