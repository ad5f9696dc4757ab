/**
 * GSM8K loader (Cobbe et al. 2021, "Training Verifiers to Solve Math Word Problems").
 * Format: JSON Lines, one `{"question": string, "answer": string}` object per line; the answer
 * is a worked solution whose last line is `#### <final number>`.
 */
import { InputFileError, readBoundedText } from '../../scenario/input-file.js';
import { LIMITS } from '../../scenario/limits.js';
import { resolve } from 'node:path';
import { DataError } from './errors.js';

export interface Gsm8kRecord {
  question: string;
  answer: string;
  /** The text after the last `####` (e.g. "72"), trimmed. */
  final: string;
  /** Problem type, set by the built-in generator (real GSM8K records have none). */
  type?: string;
}

export interface LoadOptions {
  /** Stop after this many records (for large files). */
  maxRecords?: number;
}

/** Where the real GSM8K lives relative to the repository checkout (process.cwd() of the repo). */
export const GSM8K_DIR_FROM_CHECKOUT = '../shared/data/gsm8k';

/** Absolute default GSM8K folder (train.jsonl, test.jsonl), resolved from process.cwd(). */
export function defaultGsm8kDir(): string {
  return resolve(process.cwd(), GSM8K_DIR_FROM_CHECKOUT);
}

const FINAL_RE = /####\s*([^\n]*)\s*$/;

/** The final answer after `####`, or undefined if the answer has none. */
export function extractFinal(answer: string): string | undefined {
  const m = FINAL_RE.exec(answer);
  if (!m) return undefined;
  const final = m[1]!.trim();
  return final === '' ? undefined : final;
}

/**
 * Parse GSM8K JSONL text. `file` is used only in error messages, which have the form
 * `<file>:<line>: <problem>`. Blank lines are skipped (line numbers still count them).
 */
export function parseGsm8kJsonl(text: string, file: string, opts: LoadOptions = {}): Gsm8kRecord[] {
  const max = opts.maxRecords ?? Infinity;
  const out: Gsm8kRecord[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < text.length && out.length < max) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const where = `${file}:${lineNo}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new DataError(`${where}: bad JSON (${(e as Error).message})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new DataError(`${where}: expected a JSON object {"question": ..., "answer": ...}, found ${Array.isArray(obj) ? 'an array' : JSON.stringify(obj)}`);
    }
    const rec = obj as Record<string, unknown>;
    for (const field of ['question', 'answer'] as const) {
      if (!(field in rec)) throw new DataError(`${where}: missing field "${field}"`);
      if (typeof rec[field] !== 'string') {
        throw new DataError(`${where}: field "${field}" must be a string, found ${rec[field] === null ? 'null' : typeof rec[field]}`);
      }
    }
    const question = rec.question as string;
    const answer = rec.answer as string;
    const final = extractFinal(answer);
    if (final === undefined) throw new DataError(`${where}: field "answer" has no final "#### <number>" line`);
    out.push({ question, answer, final });
  }
  return out;
}

/** Read and parse a GSM8K JSONL file. Errors name the file and line. */
export function loadGsm8kFile(path: string, opts: LoadOptions = {}): Gsm8kRecord[] {
  let text: string;
  try {
    text = readBoundedText(path, LIMITS.dataFileBytes, 'GSM8K file').text;
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new DataError(e.message);
  }
  return parseGsm8kJsonl(text, path, opts);
}

/**
 * Label of a real GSM8K record for non-IID partitions: the number of worked-solution steps
 * (answer lines before `####`), clamped to 2..8 -> labels 0..6. Real GSM8K carries no problem
 * type, and solution length is its natural difficulty axis (the dataset has 2-8 step problems).
 */
export const GSM8K_STEP_LABELS = ['<=2 steps', '3 steps', '4 steps', '5 steps', '6 steps', '7 steps', '>=8 steps'];
export function gsm8kStepLabel(rec: Gsm8kRecord): number {
  const steps = rec.answer.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('####')).length;
  return Math.min(8, Math.max(2, steps)) - 2;
}
