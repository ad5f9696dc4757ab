/**
 * The scenario's `data:` section and the one entry point the simulation calls,
 * `loadFederatedData`: read or generate records, hold out a test split, partition the training
 * records over clients, format them as text and tokenise them into per-client corpora.
 *
 *   data:
 *     source: generated-gsm8k      # generated-gsm8k | generated-yahoo | gsm8k | yahoo
 *     path: ../shared/data/gsm8k   # real data: a folder (train/test files) or one file; relative to the scenario file
 *     records: 2000                # generated count, or max training records read
 *     testFraction: 0.1            # held-out share when the source has no test file
 *     partition: { kind: dirichlet, alpha: 0.5 }   # or { kind: iid }
 */
import { closeSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { RandomStream } from '../../random/index.js';
import { boundedCount, fraction } from '../../scenario/fields.js';
import { InputFileError, openRegularFile } from '../../scenario/input-file.js';
import { LIMITS } from '../../scenario/limits.js';
import { buildCorpus, formatGsm8k, formatYahoo, type TokenCorpus } from './corpus.js';
import { DataError } from './errors.js';
import { GSM8K_LIKE_TYPES, generateGsm8kLike } from './generate-gsm8k.js';
import { generateYahooLike } from './generate-yahoo.js';
import {
  GSM8K_DIR_FROM_CHECKOUT,
  GSM8K_STEP_LABELS,
  defaultGsm8kDir,
  gsm8kStepLabel,
  loadGsm8kFile,
  type Gsm8kRecord,
} from './gsm8k.js';
import { dirichletPartition, iidPartition, splitTest } from './partition.js';
import { YAHOO_TOPICS, loadYahooFile, type YahooRecord } from './yahoo.js';

export const DATA_SOURCES = ['generated-gsm8k', 'generated-yahoo', 'gsm8k', 'yahoo'] as const;
export type DataSource = (typeof DATA_SOURCES)[number];

export const partitionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('iid') }).strict(),
  z
    .object({
      kind: z.literal('dirichlet'),
      /** Concentration: small (0.1) = strong label skew, large (100) = nearly IID. */
      alpha: z.number().positive(),
    })
    .strict(),
]);

export const dataSchema = z
  .object({
    source: z.enum(DATA_SOURCES).default('generated-gsm8k'),
    /** Real data only: a folder (gsm8k: train.jsonl[/test.jsonl], yahoo: train.csv[/test.csv]) or a file. Default for gsm8k: ../shared/data/gsm8k from the working directory. */
    path: z.string().min(1).optional(),
    /** Generated: number of records. Real: maximum training records read. */
    records: boundedCount(LIMITS.dataRecords, 'records (the tokenised corpora are held in memory)').default(2000),
    /** Share of the records held out for test loss when the source has no test file. */
    testFraction: fraction(0, 0.9).default(0.1),
    /** Maximum test-file records read (default: `records`). */
    testRecords: boundedCount(LIMITS.dataRecords, 'test records').optional(),
    /** Every client gets at least this many training records. */
    minClientRecords: z.number().int().positive().default(2),
    partition: partitionSchema.default({ kind: 'iid' }),
  })
  .strict();

export type DataConfig = z.output<typeof dataSchema>;

export interface LoadFederatedOptions {
  seed: number;
  clients: number;
  /** Folder of the scenario file; `path` is resolved against it. */
  baseDir: string;
}

export interface FederatedData {
  /** One corpus per client (index = client). */
  train: TokenCorpus[];
  /** Held-out corpus for test loss (use `evalBatches`). */
  test: TokenCorpus;
  /** The formatted held-out documents (e.g. for generation-based evaluation). */
  testTexts: string[];
  /** Label names (problem type, solution length or topic), indexed like histogram columns. */
  labels: string[];
  /** histograms[c][k]: client c's training records with label k. */
  histograms: number[][];
  /** Training-record indices per client (into the training split). */
  clientRecords: number[][];
  /** One line for reports, e.g. "generated-gsm8k: 1800 train / 200 test records, ...". */
  description: string;
}

interface Loaded {
  train: string[];
  trainLabels: number[];
  test: string[];
  labels: string[];
  labelKind: string;
  testFrom: string;
}

function fileKind(p: string): 'dir' | 'file' | 'other' | undefined {
  if (!existsSync(p)) return undefined;
  const st = statSync(p);
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

/** Resolve the train/test files of a real source; clear errors when missing. Also used by sweep queue jobs (src/sweep/queue-job.ts) to ship or look up the same files. */
export function realFiles(cfg: DataConfig, baseDir: string, ext: string): { train: string; test?: string } {
  const tried = cfg.path !== undefined ? resolve(baseDir, cfg.path) : cfg.source === 'gsm8k' ? defaultGsm8kDir() : undefined;
  const generated = `generated-${cfg.source}`;
  if (tried === undefined) {
    throw new DataError(
      `data.path: source "${cfg.source}" needs data.path (a folder with train${ext}/test${ext} or a ${ext} file); ` +
        `use source: ${generated} to run offline with built-in data`,
    );
  }
  const field = cfg.path !== undefined ? 'data.path' : `data.path (default ${GSM8K_DIR_FROM_CHECKOUT} from the working directory)`;
  const kind = fileKind(tried);
  if (kind === undefined) {
    throw new DataError(`${field}: ${tried} does not exist; set data.path to the ${cfg.source} data, or use source: ${generated} to run offline`);
  }
  if (kind === 'other') throw new DataError(`${field}: ${tried} is not a regular file or a folder (a device such as /dev/zero, a pipe or a socket); point data.path at the ${cfg.source} data`);
  if (kind === 'file') return { train: tried };
  const train = join(tried, `train${ext}`);
  if (fileKind(train) !== 'file') {
    throw new DataError(`${field}: the folder ${tried} has no train${ext}; set data.path to the ${cfg.source} data, or use source: ${generated} to run offline`);
  }
  const test = join(tried, `test${ext}`);
  return fileKind(test) === 'file' ? { train, test } : { train };
}

/**
 * Check, without reading them, that the data files a real source needs exist and can be opened
 * (`airtune validate` calls this; a run reads them with the size caps of src/scenario/limits.ts).
 * Throws DataError naming the field and the file.
 */
export function checkDataFiles(config: z.input<typeof dataSchema>, baseDir: string): void {
  const cfg = dataSchema.parse(config);
  if (cfg.source !== 'gsm8k' && cfg.source !== 'yahoo') return;
  const files = realFiles(cfg, baseDir, cfg.source === 'gsm8k' ? '.jsonl' : '.csv');
  for (const f of [files.train, files.test]) {
    if (f === undefined) continue;
    try {
      closeSync(openRegularFile(f, `${cfg.source} data file`));
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      throw new DataError(`data.path: ${e.message}`);
    }
  }
}

function withSplit(
  texts: string[],
  labels: number[],
  cfg: DataConfig,
  seed: number,
): { train: string[]; trainLabels: number[]; test: string[] } {
  const split = splitTest(texts.length, cfg.testFraction, RandomStream.of(seed, 'data', 'test-split'));
  return {
    train: split.train.map((i) => texts[i]!),
    trainLabels: split.train.map((i) => labels[i]!),
    test: split.test.map((i) => texts[i]!),
  };
}

function load(cfg: DataConfig, seed: number, baseDir: string): Loaded {
  switch (cfg.source) {
    case 'generated-gsm8k': {
      const recs = generateGsm8kLike(cfg.records, seed);
      const types = GSM8K_LIKE_TYPES as readonly string[];
      const s = withSplit(recs.map(formatGsm8k), recs.map((r) => types.indexOf(r.type!)), cfg, seed);
      return { ...s, labels: [...GSM8K_LIKE_TYPES], labelKind: 'problem type', testFrom: `testFraction ${cfg.testFraction}` };
    }
    case 'generated-yahoo': {
      const recs = generateYahooLike(cfg.records, seed);
      const s = withSplit(recs.map(formatYahoo), recs.map((r) => r.topic), cfg, seed);
      return { ...s, labels: [...YAHOO_TOPICS], labelKind: 'topic', testFrom: `testFraction ${cfg.testFraction}` };
    }
    case 'gsm8k':
    case 'yahoo': {
      const files = realFiles(cfg, baseDir, cfg.source === 'gsm8k' ? '.jsonl' : '.csv');
      const read = (f: string, max: number) =>
        cfg.source === 'gsm8k'
          ? loadGsm8kFile(f, { maxRecords: max }).map((r: Gsm8kRecord) => ({ text: formatGsm8k(r), label: gsm8kStepLabel(r) }))
          : loadYahooFile(f, { maxRecords: max }).map((r: YahooRecord) => ({ text: formatYahoo(r), label: r.topic }));
      const rows = read(files.train, cfg.records);
      const meta =
        cfg.source === 'gsm8k'
          ? { labels: [...GSM8K_STEP_LABELS], labelKind: 'solution length' }
          : { labels: [...YAHOO_TOPICS], labelKind: 'topic' };
      if (files.test !== undefined) {
        const test = read(files.test, cfg.testRecords ?? cfg.records);
        return {
          train: rows.map((r) => r.text),
          trainLabels: rows.map((r) => r.label),
          test: test.map((r) => r.text),
          ...meta,
          testFrom: files.test,
        };
      }
      const s = withSplit(rows.map((r) => r.text), rows.map((r) => r.label), cfg, seed);
      return { ...s, ...meta, testFrom: `testFraction ${cfg.testFraction} of ${files.train}` };
    }
  }
}

/** Build every client's training corpus and the held-out corpus (see the file comment). */
export function loadFederatedData(config: z.input<typeof dataSchema>, opts: LoadFederatedOptions): FederatedData {
  const cfg = dataSchema.parse(config);
  const data = load(cfg, opts.seed, opts.baseDir);
  if (data.test.length === 0) {
    throw new DataError(`data.testFraction: the held-out split is empty (${data.train.length} records, testFraction ${cfg.testFraction}); raise testFraction or records`);
  }
  const stream = RandomStream.of(opts.seed, 'data', 'partition');
  const part =
    cfg.partition.kind === 'iid'
      ? iidPartition(data.trainLabels, data.labels.length, opts.clients, stream, cfg.minClientRecords)
      : dirichletPartition(data.trainLabels, data.labels.length, opts.clients, cfg.partition.alpha, stream, cfg.minClientRecords);
  const train = part.clients.map((idx) => buildCorpus(idx.map((i) => data.train[i]!)));
  const sizes = part.clients.map((c) => c.length);
  const how = cfg.partition.kind === 'iid' ? 'IID' : `Dirichlet(alpha=${cfg.partition.alpha}) label skew by ${data.labelKind}`;
  const description =
    `${cfg.source}: ${data.train.length} train / ${data.test.length} test records (test: ${data.testFrom}), ` +
    `${how} over ${opts.clients} clients (records per client ${sizes.reduce((a, b) => Math.min(a, b), Infinity)}..${sizes.reduce((a, b) => Math.max(a, b), 0)})`;
  return {
    train,
    test: buildCorpus(data.test),
    testTexts: data.test,
    labels: data.labels,
    histograms: part.histograms,
    clientRecords: part.clients,
    description,
  };
}
