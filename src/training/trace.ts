/**
 * Trace-driven losses (`training: { source: trace, file: losses.csv }`): a loss curve measured
 * elsewhere (for example a GPU run of the real LLM) placed on airtune's simulated clock. Round r's
 * losses are reported when round r's aggregation ends, i.e. at rounds.csv's `sim_time_s` of round r;
 * round 0 (optional) is the test loss before training.
 *
 * File: CSV with a header row and columns `method, round, test_loss` and optionally `train_loss`
 * (any order; `#` starts a comment line). `method` is a method's label in the scenario, or its id
 * when no row carries the label. Rounds are integers >= 0, each at most once per method; a round
 * missing between two present ones has no evaluation (empty test_loss in rounds.csv). Losses are
 * finite numbers >= 0 (an empty train_loss cell: none).
 *
 * Past the trace's last round of a method there is no loss to report: the run stops there with
 * stop reason `trace-end` (src/simulation/stop.ts), it is not an error.
 */
import { createHash } from 'node:crypto';
import { InputFileError, readBoundedText } from '../scenario/input-file.js';
import { LIMITS } from '../scenario/limits.js';
import { basename, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataError } from './data/errors.js';
import type { RoundLosses, Trainer } from './losses.js';

/** A problem in the trace file: the message names the file, the row (line, header = 1) and the column. */
export class TraceFileError extends DataError {
  constructor(file: string, row: number | undefined, column: string | undefined, detail: string) {
    const where = [file, row !== undefined ? `row ${row}` : undefined, column !== undefined ? `column "${column}"` : undefined]
      .filter((x) => x !== undefined)
      .join(', ');
    super(`${where}: ${detail}`);
  }
}

export const TRACE_COLUMNS = ['method', 'round', 'test_loss', 'train_loss'] as const;
const REQUIRED = ['method', 'round', 'test_loss'];

export interface TracePoint {
  testLoss: number;
  trainLoss: number | null;
}

export interface LossTrace {
  /** The file as written in the scenario (messages, loss_model). */
  file: string;
  /** First 12 hex digits of the file's sha256 (recorded in loss_model). */
  sha256: string;
  /** method -> round -> losses. */
  methods: Map<string, Map<number, TracePoint>>;
}

function lossCell(file: string, row: number, column: string, raw: string): number {
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || v < 0) {
    throw new TraceFileError(file, row, column, `expected a finite loss >= 0 (nats/token), found ${JSON.stringify(raw)}`);
  }
  return v;
}

/** Parse trace CSV text; `file` names it in messages. */
export function parseLossTrace(text: string, file: string): LossTrace {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, comment: '#' }) as typeof rows;
  } catch (e) {
    throw new TraceFileError(file, (e as { lines?: number }).lines, undefined, (e as Error).message);
  }
  if (rows.length === 0) throw new TraceFileError(file, undefined, undefined, `no rows (a header row ${REQUIRED.join(',')} and at least one row are needed)`);
  const columns = Object.keys(rows[0]!.record);
  for (const c of columns) {
    if (!(TRACE_COLUMNS as readonly string[]).includes(c)) throw new TraceFileError(file, 1, c, `unknown column; the columns are ${TRACE_COLUMNS.join(', ')} (train_loss optional)`);
  }
  for (const c of REQUIRED) if (!columns.includes(c)) throw new TraceFileError(file, 1, c, 'missing column');
  const methods = new Map<string, Map<number, TracePoint>>();
  for (const { record, info } of rows) {
    const row = info.lines;
    const method = record.method!;
    if (method === '') throw new TraceFileError(file, row, 'method', 'expected a method label or id, found an empty cell');
    const round = Number(record.round);
    if (record.round === '' || !Number.isInteger(round) || round < 0) {
      throw new TraceFileError(file, row, 'round', `expected an integer round >= 0, found ${JSON.stringify(record.round)}`);
    }
    const testLoss = lossCell(file, row, 'test_loss', record.test_loss!);
    const train = record.train_loss;
    const trainLoss = train === undefined || train === '' ? null : lossCell(file, row, 'train_loss', train);
    let m = methods.get(method);
    if (!m) methods.set(method, (m = new Map()));
    if (m.has(round)) throw new TraceFileError(file, row, 'round', `round ${round} of method "${method}" appears twice`);
    m.set(round, { testLoss, trainLoss });
  }
  return { file, sha256: createHash('sha256').update(text).digest('hex').slice(0, 12), methods };
}

/** Read the trace file `file` (relative to `baseDir`, the scenario's folder). */
export function readLossTrace(file: string, baseDir: string): LossTrace {
  let text: string;
  try {
    text = readBoundedText(resolve(baseDir, file), LIMITS.traceFileBytes, 'loss trace').text;
  } catch (e) {
    if (e instanceof InputFileError) throw new TraceFileError(file, undefined, undefined, e.reason);
    throw new TraceFileError(file, undefined, undefined, `cannot read the loss trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseLossTrace(text, file);
}

/**
 * What `loss_model` says for trace-driven losses: the file's name (not its path, which depends on
 * where the scenario is run from, or on a queue worker's folder) and its sha256.
 */
export function traceLossModel(trace: LossTrace): string {
  return `trace ${basename(trace.file)} (sha256 ${trace.sha256}; losses measured elsewhere, placed at each round's aggregation end)`;
}

export interface TraceRun {
  trainer: Trainer;
  /** Round 0's test loss, if the trace has one. */
  initialTestLoss: number | null;
  /** The method's last round in the trace (the run stops after it: `trace-end`). */
  lastRound: number;
}

/** The trace of one method (rows under its label, else under its id); an error if it has none. */
export function traceRun(trace: LossTrace, label: string, id: string): TraceRun {
  const points = trace.methods.get(label) ?? trace.methods.get(id);
  if (!points) {
    throw new TraceFileError(
      trace.file,
      undefined,
      'method',
      `no rows for method "${label}"${label !== id ? ` (id ${id})` : ''}; methods in the file: ${[...trace.methods.keys()].join(', ')}`,
    );
  }
  return {
    trainer: {
      aggregate(round): RoundLosses {
        const p = points.get(round);
        return { trainLoss: p?.trainLoss ?? null, testLoss: p?.testLoss ?? null };
      },
    },
    initialTestLoss: points.get(0)?.testLoss ?? null,
    lastRound: Math.max(...points.keys()),
  };
}
