/**
 * What travels through Redis for one queued sweep run, and how a worker turns it into a run it can
 * execute without a shared file system (see README.md in this folder, "Queued sweeps").
 *
 * A job carries the modified scenario document (the run's `raw`), its hash and assignments, and the
 * files the scenario points to:
 *   - `clients.file` (device CSV), a loss trace (`training.file`) and FedScale's device traces
 *     (`clients.fedscale.capacity`, `.availability`): their bytes, compressed, with their sha256;
 *   - `training.data.path` of a real data source (gsm8k, yahoo): the files airtune would read
 *     (a file, or a folder's train/test files), carried the same way when they total at most
 *     CARRY_LIMIT_BYTES; a larger dataset (GSM8K is 4.9 MB) travels by NAME only (the folder or file
 *     name, e.g. `gsm8k`) with the sha256 of the submitter's copy, and each worker looks the name up
 *     in its own data folder (`airtune worker --data DIR`) and refuses a copy with another hash.
 *
 * Worker-side safety: every path the run reads or writes is chosen by the worker. Carried files are
 * written under names the worker makes up inside a fresh private folder, and the scenario's file
 * fields are rewritten to point there; a dataset name must be one plain path component that
 * resolves (symlinks followed) inside the data folder. A job whose scenario names a file it does
 * not carry, or any other malformed job, is rejected as bad input (not retried).
 *
 * A scenario field that names a file must be listed in FILE_FIELDS and handled here, or queued
 * runs would read it from the worker's disk by the path in the job.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants as zlibConstants } from 'node:zlib';
import { z } from 'zod';
import { validateScenario } from '../scenario/load.js';
import { ScenarioError } from '../scenario/errors.js';
import { GSM8K_DIR_FROM_CHECKOUT } from '../training/data/gsm8k.js';
import { realFiles } from '../training/data/config.js';
import { DataError } from '../training/data/errors.js';
import { RUN_FILES, type RunDone, type RunTask } from './execute.js';

/** Data files of at most this many bytes in total travel inside the job; larger ones by name. */
export const CARRY_LIMIT_BYTES = 1 << 20;
/** A device file or loss trace larger than this is refused (a job is held in Redis' memory). */
export const MAX_DEVICE_FILE_BYTES = 8 << 20;
/** The scenario fields that name files (relative to the scenario file). */
export const FILE_FIELDS = ['clients.file', 'training.data.path', 'training.file', 'clients.fedscale.capacity', 'clients.fedscale.availability'] as const;
type FileField = (typeof FILE_FIELDS)[number];
/** FedScale's trace files (src/devices/fedscale.ts): field, key in clients.fedscale, what it is. */
const FEDSCALE_FIELDS = [
  ['clients.fedscale.capacity', 'capacity', 'FedScale capacity trace'],
  ['clients.fedscale.availability', 'availability', 'FedScale availability trace'],
] as const;
/** The file of a real data source's folder: train<ext>, test<ext> (as training/data/config.ts reads them). */
const DATA_EXT: Record<string, string> = { gsm8k: '.jsonl', yahoo: '.csv' };
const DIR_FILE_NAMES = ['train.jsonl', 'test.jsonl', 'train.csv', 'test.csv'];

const brotli = promisify(brotliCompress);
const unbrotli = promisify(brotliDecompress);
/** Brotli quality 5: most of quality 11's ratio on CSV at a small fraction of its CPU time. */
const BROTLI_OPTIONS = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } };

export async function pack(bytes: Uint8Array): Promise<string> {
  return (await brotli(bytes, BROTLI_OPTIONS)).toString('base64');
}
export async function unpack(text: string): Promise<Buffer> {
  return unbrotli(Buffer.from(text, 'base64'));
}
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A job's content that the worker must not act on: bad input, never retried. */
export class JobInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'JobInputError';
  }
}

/** This worker cannot run the job (e.g. its data folder lacks the dataset): retried, maybe elsewhere. */
export class WorkerSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerSetupError';
  }
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const carried = z.object({ name: z.string(), sha256: hex64, data: z.string() }).strict();
const field = z.enum(FILE_FIELDS);
const inputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), field, given: z.string(), file: carried }).strict(),
  z.object({ kind: z.literal('dir'), field: z.literal('training.data.path'), given: z.string(), files: z.array(carried).min(1).max(2) }).strict(),
  z.object({ kind: z.literal('named'), field: z.literal('training.data.path'), given: z.string(), name: z.string(), sha256: hex64.optional() }).strict(),
]);
export type JobInput = z.infer<typeof inputSchema>;

export const jobSchema = z
  .object({
    v: z.literal(1),
    runId: z.string().regex(/^run-\d+-[0-9a-f]{6}$/),
    hash: hex64,
    raw: z.record(z.string(), z.unknown()),
    assignments: z.record(z.string(), z.string()),
    methods: z.array(z.string()).optional(),
    /** The scenario file as the submitter named it (messages and meta.json only; never opened). */
    file: z.string(),
    fileHash: hex64,
    inputs: z.array(inputSchema),
  })
  .strict();
export type JobData = z.infer<typeof jobSchema>;

/** The result a worker returns: the run's files, byte for byte. */
export interface RunResult {
  runId: string;
  hash: string;
  done: RunDone;
  files: Record<string, string>;
}

function getIn(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const seg of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

function setIn(doc: Record<string, unknown>, path: string, value: string | undefined): void {
  const segs = path.split('.');
  let node = doc;
  for (const seg of segs.slice(0, -1)) node = node[seg] as Record<string, unknown>;
  if (value === undefined) delete node[segs[segs.length - 1]!];
  else node[segs[segs.length - 1]!] = value;
}

/** The files of a dataset as airtune reads them: [name in the folder ('' for a lone file), path]. */
function datasetFiles(files: { train: string; test?: string }, isDir: boolean): [string, string][] {
  const list: [string, string][] = [[isDir ? basename(files.train) : '', files.train]];
  if (files.test !== undefined) list.push([basename(files.test), files.test]);
  return list;
}

/** sha256 of a dataset: names and contents of its files. */
function datasetHash(list: readonly [string, Uint8Array][]): string {
  return sha256(JSON.stringify(list.map(([name, bytes]) => [name, sha256(bytes)])));
}

/**
 * The submitter's side: the job inputs of one run (the files its scenario names, read from the
 * submitter's disk relative to the scenario file). `cache` shares reads across the sweep's runs.
 */
export async function jobInputs(task: RunTask, cache: Map<string, Promise<JobInput>> = new Map()): Promise<JobInput[]> {
  const s = validateScenario(task.raw, task.file);
  const once = (key: string, make: () => Promise<JobInput>) => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key)!;
  };
  const inputs: Promise<JobInput>[] = [];
  // Small files the run reads whole: the device file and a loss trace, carried in every job.
  const small: [FileField, string | undefined, string][] = [
    ['clients.file', s.clients.file, 'device file'],
    ['training.file', s.training?.source === 'trace' ? s.training.file : undefined, 'loss trace'],
    ...FEDSCALE_FIELDS.map(([field, key, what]): [FileField, string | undefined, string] => [field, s.clients.fedscale?.[key], what]),
  ];
  for (const [field, given, what] of small) {
    if (given === undefined) continue;
    const path = resolve(task.baseDir, given);
    const fieldPath = field.split('.');
    inputs.push(
      once(`${field}\0${path}`, async () => {
        let bytes: Buffer;
        try {
          bytes = readFileSync(path);
        } catch (e) {
          throw new ScenarioError(task.file, [{ path: fieldPath, message: `cannot read the ${what} ${given} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
        }
        if (bytes.length > MAX_DEVICE_FILE_BYTES) {
          throw new ScenarioError(task.file, [{ path: fieldPath, message: `the ${what} ${given} has ${bytes.length} bytes; a queued sweep sends it in every job and accepts at most ${MAX_DEVICE_FILE_BYTES}` }]);
        }
        return { kind: 'file', field, given, file: { name: basename(given), sha256: sha256(bytes), data: await pack(bytes) } };
      }),
    );
  }
  const data = s.training?.source === 'proxy' ? s.training.data : undefined;
  const ext = data ? DATA_EXT[data.source] : undefined;
  if (data && ext !== undefined) {
    const given = data.path ?? GSM8K_DIR_FROM_CHECKOUT;
    inputs.push(
      once(`data\0${data.source}\0${resolve(task.baseDir, given)}`, async () => {
        let files: { train: string; test?: string };
        try {
          files = realFiles(data, task.baseDir, ext);
        } catch (e) {
          if (!(e instanceof DataError)) throw e;
          // Not on this machine: the workers' data folders must have it.
          return { kind: 'named', field: 'training.data.path', given, name: basename(resolve(task.baseDir, given)) };
        }
        const isDir = statSync(resolve(task.baseDir, given)).isDirectory();
        const list = datasetFiles(files, isDir).map(([name, p]): [string, Buffer] => [name, readFileSync(p)]);
        const total = list.reduce((n, [, b]) => n + b.length, 0);
        if (total > CARRY_LIMIT_BYTES) {
          return { kind: 'named', field: 'training.data.path', given, name: basename(resolve(task.baseDir, given)), sha256: datasetHash(list) };
        }
        const entries = await Promise.all(list.map(async ([name, b]) => ({ name: name === '' ? basename(files.train) : name, sha256: sha256(b), data: await pack(b) })));
        return isDir
          ? { kind: 'dir', field: 'training.data.path', given, files: entries }
          : { kind: 'file', field: 'training.data.path', given, file: entries[0]! };
      }),
    );
  }
  return Promise.all(inputs);
}

/** The job a submitter enqueues for one run. */
export async function buildJob(task: RunTask, cache?: Map<string, Promise<JobInput>>): Promise<JobData> {
  return {
    v: 1,
    runId: task.runId,
    hash: task.hash,
    raw: task.raw,
    assignments: task.assignments,
    ...(task.methods && task.methods.length > 0 ? { methods: task.methods } : {}),
    file: task.file,
    fileHash: task.fileHash,
    inputs: await jobInputs(task, cache),
  };
}

/**
 * A dataset name from a job resolved in the worker's data folder: one plain path component
 * (no separators, not `.`/`..`, not absolute) whose real path, symlinks followed, is inside the
 * folder. Throws JobInputError for a name that tries to leave it.
 */
export function resolveDatasetName(dataDir: string, name: string, inside?: string): string {
  // `inside`: checking a file within dataset `inside` (then `name` is its path from the data folder).
  if (inside === undefined && (name === '' || name === '.' || name === '..' || isAbsolute(name) || /[/\\\0]/.test(name))) {
    throw new JobInputError(`the job names the dataset ${JSON.stringify(name)}; expected a plain folder or file name inside the worker's data folder`);
  }
  let root: string;
  try {
    root = realpathSync(dataDir);
  } catch {
    throw new WorkerSetupError(`the worker's data folder ${dataDir} does not exist (set it with airtune worker --data DIR)`);
  }
  let real: string;
  try {
    real = realpathSync(join(root, name));
  } catch {
    throw new WorkerSetupError(`dataset "${name}" is not in the worker's data folder ${root}; copy it there (or start the worker with --data pointing at a folder that has it)`);
  }
  if (!real.startsWith(root + sep)) {
    throw new JobInputError(`dataset "${inside ?? name}" in the worker's data folder ${root} leads outside it (${inside !== undefined ? `${name} is a link to ${real}` : `to ${real}`}); refusing to read it`);
  }
  return real;
}

export interface PreparedRun {
  task: RunTask;
  /** [text in a local message, what to show instead]: worker-made paths back to the names given. */
  renames: [string, string][];
}

/**
 * The worker's side: check a job, write its carried files into `workDir` (fresh and private, made
 * by the worker), and return the run with every file field pointing at the worker's own copy.
 */
export async function prepareRun(data: unknown, workDir: string, dataDir: string): Promise<PreparedRun> {
  const parsed = jobSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new JobInputError(`malformed job: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const job = parsed.data;
  const raw = structuredClone(job.raw);
  const s = validateScenario(raw, job.file);
  const seen = new Set<FileField>();
  for (const input of job.inputs) {
    if (seen.has(input.field)) throw new JobInputError(`malformed job: two inputs for ${input.field}`);
    seen.add(input.field);
  }
  const input = (f: FileField) => job.inputs.find((i) => i.field === f);
  const renames: [string, string][] = [];
  const inputsDir = join(workDir, 'inputs');
  mkdirSync(inputsDir, { recursive: true, mode: 0o700 });

  /** Write one carried file under a worker-made name after checking its hash. */
  const materialise = async (c: z.infer<typeof carried>, localPath: string) => {
    let bytes: Buffer;
    try {
      bytes = await unpack(c.data);
    } catch {
      throw new JobInputError(`malformed job: the carried file ${JSON.stringify(c.name)} does not decompress`);
    }
    if (sha256(bytes) !== c.sha256) throw new JobInputError(`the carried file ${JSON.stringify(c.name)} does not match its sha256`);
    writeFileSync(localPath, bytes, { flag: 'wx', mode: 0o600 }); // wx: never through an existing file or link
  };
  const safeExt = (given: string) => (/^\.[A-Za-z0-9]{1,10}$/.test(extname(given)) ? extname(given) : '');

  // clients.file: must be carried; the run reads the worker's copy.
  const device = input('clients.file');
  if (s.clients.file !== undefined) {
    if (device?.kind !== 'file') throw new JobInputError(`the job's scenario names clients.file ${JSON.stringify(s.clients.file)} but does not carry it`);
    const local = `inputs/clients${safeExt(device.given)}`;
    await materialise(device.file, join(workDir, local));
    setIn(raw, 'clients.file', local);
    renames.push([join(workDir, local), device.given], [local, device.given]);
  } else if (device) throw new JobInputError('malformed job: it carries clients.file but its scenario has none');

  // training.file (a loss trace): must be carried; the run reads the worker's copy.
  const traceIn = input('training.file');
  const traceFile = s.training?.source === 'trace' ? s.training.file : undefined;
  if (traceFile !== undefined) {
    if (traceIn?.kind !== 'file') throw new JobInputError(`the job's scenario names training.file ${JSON.stringify(traceFile)} but does not carry it`);
    // Under the name the user gave when it is a plain file name: loss_model names the trace file.
    const name = basename(traceIn.given);
    const local = `inputs/${/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) && name !== 'clients.csv' ? name : `trace${safeExt(traceIn.given)}`}`;
    await materialise(traceIn.file, join(workDir, local));
    setIn(raw, 'training.file', local);
    renames.push([join(workDir, local), traceIn.given], [local, traceIn.given]);
  } else if (traceIn) throw new JobInputError('malformed job: it carries training.file but its scenario has none');

  // FedScale's device traces: carried; the run reads the worker's copies (the extension says the format).
  for (const [field, key] of FEDSCALE_FIELDS) {
    const carriedIn = input(field);
    const given = s.clients.fedscale?.[key];
    if (given !== undefined) {
      if (carriedIn?.kind !== 'file') throw new JobInputError(`the job's scenario names ${field} ${JSON.stringify(given)} but does not carry it`);
      const local = `inputs/fedscale-${key}${safeExt(carriedIn.given)}`;
      await materialise(carriedIn.file, join(workDir, local));
      setIn(raw, field, local);
      renames.push([join(workDir, local), carriedIn.given], [local, carriedIn.given]);
    } else if (carriedIn) throw new JobInputError(`malformed job: it carries ${field} but its scenario has none`);
  }

  // training.data.path: a real source's files, carried or named; a generated source reads none.
  const dataIn = input('training.data.path');
  const source = s.training?.source === 'proxy' ? s.training.data.source : undefined;
  if (source !== undefined && DATA_EXT[source] !== undefined) {
    if (!dataIn) throw new JobInputError(`the job's scenario reads ${source} data but the job says neither which dataset nor carries it`);
    let local: string;
    if (dataIn.kind === 'named') {
      local = resolveDatasetName(dataDir, dataIn.name);
      const isDir = statSync(local).isDirectory();
      let files: { train: string; test?: string };
      try {
        files = realFiles({ ...(s.training as Extract<NonNullable<typeof s.training>, { source: 'proxy' }>).data, path: local }, workDir, DATA_EXT[source]!);
      } catch (e) {
        throw new WorkerSetupError((e as Error).message);
      }
      // The files themselves may be links too: every one must stay inside the data folder.
      for (const [, p] of datasetFiles(files, isDir)) resolveDatasetName(dataDir, relative(realpathSync(dataDir), p), dataIn.name);
      if (dataIn.sha256 !== undefined) {
        const mine = datasetHash(datasetFiles(files, isDir).map(([n, p]) => [n, readFileSync(p)]));
        if (mine !== dataIn.sha256) {
          throw new WorkerSetupError(`dataset "${dataIn.name}" in the worker's data folder differs from the submitter's copy (sha256 ${mine.slice(0, 12)}... vs ${dataIn.sha256.slice(0, 12)}...)`);
        }
      }
    } else if (dataIn.kind === 'dir') {
      local = join(inputsDir, 'data');
      mkdirSync(local, { mode: 0o700 });
      for (const f of dataIn.files) {
        if (!DIR_FILE_NAMES.includes(f.name)) throw new JobInputError(`malformed job: a data folder file named ${JSON.stringify(f.name)} (expected one of ${DIR_FILE_NAMES.join(', ')})`);
        await materialise(f, join(local, f.name));
      }
    } else {
      local = join(inputsDir, `data${safeExt(dataIn.given)}`);
      await materialise(dataIn.file, local);
    }
    setIn(raw, 'training.data.path', local);
    renames.push([local, dataIn.given]);
  } else {
    if (dataIn) throw new JobInputError('malformed job: it carries training data but its scenario reads none');
    if (getIn(raw, 'training.data.path') !== undefined) setIn(raw, 'training.data.path', undefined); // unused by generated sources
  }

  return {
    task: {
      runId: job.runId,
      dir: join(workDir, 'out'),
      raw,
      assignments: job.assignments,
      hash: job.hash,
      methods: job.methods,
      file: job.file,
      baseDir: workDir,
      fileHash: job.fileHash,
    },
    renames: renames.sort((a, b) => b[0].length - a[0].length),
  };
}

/** A message with the worker's own paths replaced by the names the scenario gave. */
export function renamePaths(message: string, renames: readonly [string, string][]): string {
  return renames.reduce((m, [local, given]) => m.split(local).join(given), message);
}

/** The worker's answer: the run folder's files, compressed. */
export async function encodeResult(task: RunTask, done: RunDone): Promise<string> {
  const files = Object.fromEntries(RUN_FILES.map((f) => [f, readFileSync(join(task.dir, f), 'utf8')]));
  const result: RunResult = { runId: task.runId, hash: task.hash, done, files };
  return pack(Buffer.from(JSON.stringify(result)));
}

/** The submitter's reading of a worker's answer, checked against the run it asked for. */
export async function decodeResult(text: unknown, task: Pick<RunTask, 'runId' | 'hash'>): Promise<RunResult> {
  if (typeof text !== 'string') throw new Error(`run ${task.runId}: the job's result is not a string`);
  const r = JSON.parse((await unpack(text)).toString('utf8')) as RunResult;
  if (r.runId !== task.runId || r.hash !== task.hash) throw new Error(`run ${task.runId}: the job's result is for ${r.runId} (${r.hash})`);
  const names = Object.keys(r.files).sort();
  if (names.join(',') !== [...RUN_FILES].sort().join(',') || !Object.values(r.files).every((t) => typeof t === 'string')) {
    throw new Error(`run ${task.runId}: the job's result has files ${names.join(', ')}, expected ${RUN_FILES.join(', ')}`);
  }
  return r;
}
