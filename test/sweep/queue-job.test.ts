/**
 * Queued sweep jobs without Redis: the --queue URL, what a job carries, and the worker's side of a
 * job (it runs like the local run, and nothing in a job makes it read or write outside its folder).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { describeRedisUrl, parseRedisUrl } from '../../src/sweep/redis-url.js';
import { ioredisOptions, loggedError, sweepQueueName } from '../../src/sweep/queue-redis.js';
import { CARRY_LIMIT_BYTES, JobInputError, WorkerSetupError, buildJob, decodeResult, encodeResult, prepareRun, renamePaths, resolveDatasetName, type JobData } from '../../src/sweep/queue-job.js';
import { executeRun, type RunTask } from '../../src/sweep/execute.js';
import { loadScenario } from '../../src/scenario/load.js';
import { loadFederatedData } from '../../src/training/data/config.js';
import { UsageError } from '../../src/core/errors.js';

const root = mkdtempSync(join(tmpdir(), 'airtune-queue-job-'));
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

describe('--queue URL', () => {
  it('reads host, port, database, user and password (percent-decoded) into ioredis options', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380/2')).toEqual({ host: '127.0.0.1', port: 6380, db: 2 });
    expect(parseRedisUrl('redis://lab-server')).toEqual({ host: 'lab-server', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://:s3cr%40t@10.1.2.3:7000')).toEqual({ host: '10.1.2.3', port: 7000, db: 0, password: 's3cr@t' });
    expect(parseRedisUrl('redis://worker:pw@[::1]:6379/0')).toEqual({ host: '::1', port: 6379, db: 0, username: 'worker', password: 'pw' });
    // TLS: rediss://, certificate checked against the host name (no SNI name for an IP address).
    const tls = parseRedisUrl('rediss://:pw@redis.lab.example:6390');
    expect(tls).toEqual({ host: 'redis.lab.example', port: 6390, db: 0, password: 'pw', tls: { servername: 'redis.lab.example' } });
    expect(ioredisOptions(tls)).toEqual({ host: 'redis.lab.example', port: 6390, db: 0, password: 'pw', tls: { servername: 'redis.lab.example' } });
    expect(parseRedisUrl('rediss://127.0.0.1').tls).toEqual({});
  });

  it('never shows the password', () => {
    expect(describeRedisUrl(parseRedisUrl('redis://:s3cret@h:1/3'))).toBe('redis://:***@h:1/3');
    expect(describeRedisUrl(parseRedisUrl('rediss://u:s3cret@[::1]'))).toBe('rediss://u:***@[::1]:6379');
    expect(() => parseRedisUrl('redis://:s3cret@h:99999')).toThrow(/port/);
    try {
      parseRedisUrl('redis://:s3cret@h:99999');
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
  });

  it('rejects what is not a Redis URL, as a usage error', () => {
    for (const [url, why] of [
      ['http://h:6379', /scheme is "http"/],
      ['127.0.0.1:6379', /scheme|not a URL/],
      ['redis://h/db1', /database "\/db1" is not a number/],
      ['redis://h:6379?password=x', /query/],
      ['redis://', /host is missing|not a URL/],
    ] as const) {
      expect(() => parseRedisUrl(url), url).toThrow(UsageError);
      expect(() => parseRedisUrl(url), url).toThrow(why);
    }
  });

  it('names one queue per sweep: per scenario and output folder', () => {
    const a = sweepQueueName('cell', '/out/a');
    expect(a).toMatch(/^sweep\.cell\.[0-9a-f]{10}$/);
    expect(sweepQueueName('cell', '/out/a')).toBe(a);
    expect(sweepQueueName('cell', '/out/b')).not.toBe(a);
    expect(sweepQueueName('other', '/out/a')).not.toBe(a);
    expect(a).not.toContain(':'); // BullMQ refuses ':' in queue names
  });

  it('reads the last error a worker logged for a job', () => {
    expect(loggedError(['x', 'airtune-error {"name":"A","message":"1"}', 'airtune-error {"name":"ScenarioError","message":"2","exitCode":2}'])).toEqual({ name: 'ScenarioError', message: '2', exitCode: 2 });
    expect(loggedError(['nothing here'])).toBeUndefined();
  });
});

// A scenario whose device file sits in a sibling folder (`../devices/...`), as users write them.
const scenarioDir = join(root, 'study', 'scenarios');
mkdirSync(scenarioDir, { recursive: true });
mkdirSync(join(root, 'study', 'devices'));
const DEVICES = 'id,kind,compute,memory,distance\nd1,phone,2 TFLOP/s,8 GB,100 m\nd2,laptop,8 TFLOP/s,16 GB,200 m\nd3,phone,1 TFLOP/s,8 GB,50 m\n';
writeFileSync(join(root, 'study', 'devices', 'lab.csv'), DEVICES);
const SCENARIO = `name: carried
seed: 5
rounds: 3
clients:
  file: ../devices/lab.csv
network:
  type: fixed
  uplinkRate: uniform(5 Mb/s, 20 Mb/s)
  downlinkRate: 10 Mb/s
model:
  workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB }
methods: [fedavg]
`;
const scenarioFile = join(scenarioDir, 'carried.yaml');
writeFileSync(scenarioFile, SCENARIO);

function taskOf(file: string, dir: string, raw?: Record<string, unknown>): RunTask {
  const l = loadScenario(file);
  return {
    runId: 'run-001-abcdef',
    dir,
    raw: raw ?? (l.raw as Record<string, unknown>),
    assignments: {},
    hash: sha(file + JSON.stringify(raw ?? l.raw)),
    file,
    baseDir: l.baseDir,
    fileHash: l.hash,
  };
}

/** A fresh worker folder inside its own parent, so anything written beside it shows up. */
function workFolder(): { parent: string; work: string; data: string } {
  const parent = mkdtempSync(join(root, 'worker-'));
  const work = join(parent, 'work');
  const data = join(parent, 'data');
  mkdirSync(work);
  mkdirSync(data);
  return { parent, work, data };
}

describe('a queued run on the worker', () => {
  it('carries the device file and runs exactly like the local run', async () => {
    const local = taskOf(scenarioFile, join(root, 'local-run'));
    const job = await buildJob(local);
    expect(job.inputs).toEqual([
      { kind: 'file', field: 'clients.file', given: '../devices/lab.csv', file: { name: 'lab.csv', sha256: sha(DEVICES), data: expect.any(String) } },
    ]);
    // Through JSON, as through Redis.
    const { work, data } = workFolder();
    const prepared = await prepareRun(JSON.parse(JSON.stringify(job)), work, data);
    expect(prepared.task.baseDir).toBe(work);
    expect((prepared.task.raw.clients as { file: string }).file).toBe('inputs/clients.csv');
    expect(readFileSync(join(work, 'inputs', 'clients.csv'), 'utf8')).toBe(DEVICES);
    expect(prepared.task.file).toBe(scenarioFile); // named as the user gave it, never opened

    await executeRun(local);
    const done = await executeRun(prepared.task);
    for (const f of ['rounds.csv', 'clients.csv', 'summary.csv', 'meta.json']) {
      expect(readFileSync(join(prepared.task.dir, f), 'utf8'), f).toBe(readFileSync(join(local.dir, f), 'utf8'));
    }
    expect(readFileSync(join(local.dir, 'clients.csv'), 'utf8').split('\n').length).toBe(1 + 3 * 3 + 1); // 3 devices x 3 rounds

    // The answer travels compressed and is checked against the run it is for.
    const answer = await encodeResult(prepared.task, done);
    const back = await decodeResult(answer, local);
    expect(back.files['rounds.csv']).toBe(readFileSync(join(local.dir, 'rounds.csv'), 'utf8'));
    await expect(decodeResult(answer, { runId: 'run-002-abcdef', hash: local.hash })).rejects.toThrow(/is for run-001-abcdef/);
  });

  it('carries a loss trace (training.source: trace) and the run reads the worker\'s copy', async () => {
    const TRACE = 'method,round,test_loss\nfedavg,0,5\nfedavg,1,4.5\nfedavg,2,4.1\nfedavg,3,3.9\n';
    writeFileSync(join(root, 'study', 'losses.csv'), TRACE);
    const file = join(scenarioDir, 'traced.yaml');
    writeFileSync(file, `${SCENARIO}training: { source: trace, file: ../losses.csv }\n`);
    const local = taskOf(file, join(root, 'local-traced'));
    const job = await buildJob(local);
    expect(job.inputs.map((i) => [i.field, i.given])).toEqual([['clients.file', '../devices/lab.csv'], ['training.file', '../losses.csv']]);
    const { work, data } = workFolder();
    const prepared = await prepareRun(JSON.parse(JSON.stringify(job)), work, data);
    expect((prepared.task.raw.training as { file: string }).file).toBe('inputs/losses.csv');
    expect(readFileSync(join(work, 'inputs', 'losses.csv'), 'utf8')).toBe(TRACE);
    await executeRun(local);
    await executeRun(prepared.task);
    for (const f of ['rounds.csv', 'summary.csv']) {
      expect(readFileSync(join(prepared.task.dir, f), 'utf8'), f).toBe(readFileSync(join(local.dir, f), 'utf8'));
    }
    // The trace's losses are in the worker's rounds (4.1 at round 2).
    expect(readFileSync(join(prepared.task.dir, 'rounds.csv'), 'utf8')).toContain(',4.1,');
    // A job whose scenario names a trace it does not carry is refused.
    const stripped = { ...job, inputs: job.inputs.filter((i) => i.field !== 'training.file') };
    await expect(prepareRun(JSON.parse(JSON.stringify(stripped)), workFolder().work, data)).rejects.toThrow(/names training.file "..\/losses.csv" but does not carry it/);
  });

  it('reports device-file errors under the name the scenario gave, not the worker\'s copy', async () => {
    const dir = join(root, 'bad-devices');
    mkdirSync(dir);
    // Valid when the sweep is planned (which reads and checks the device file), broken by the time
    // the job is built: the worker meets the bad file.
    writeFileSync(join(dir, 'bad.csv'), 'id,compute\nd1,2 TFLOP/s\n');
    writeFileSync(join(dir, 's.yaml'), SCENARIO.replace('../devices/lab.csv', 'bad.csv'));
    const task = taskOf(join(dir, 's.yaml'), join(dir, 'out'));
    writeFileSync(join(dir, 'bad.csv'), 'id,compute\nd1,fast\n');
    const { work, data } = workFolder();
    const prepared = await prepareRun(await buildJob(task), work, data);
    const err = await executeRun(prepared.task).then(() => null, (e: Error) => e);
    expect(err?.name).toBe('ScenarioError');
    const shown = renamePaths(err!.message, prepared.renames);
    expect(shown).toMatch(/bad\.csv, row 2, column "compute"/);
    expect(shown).not.toContain('inputs/');
  });

  it('never follows a path from the job: the file fields are rewritten or the job is refused', async () => {
    const task = taskOf(scenarioFile, join(root, 'x'));
    const good = await buildJob(task);
    const variants: [string, (j: JobData) => void, RegExp][] = [
      ['absolute path, file not carried', (j) => ((j.raw.clients as Record<string, unknown>).file = '/etc/passwd', (j.inputs = [])), /names clients\.file "\/etc\/passwd" but does not carry it/],
      ['.. path, file not carried', (j) => ((j.raw.clients as Record<string, unknown>).file = '../../../etc/passwd', (j.inputs = [])), /does not carry it/],
      ['carried content does not match its hash', (j) => ((j.inputs[0] as { file: { data: string } }).file.data = brotliCompressSync('id\nx\n').toString('base64')), /does not match its sha256/],
      ['carried content is not brotli', (j) => ((j.inputs[0] as { file: { data: string } }).file.data = 'bm90IGJyb3RsaQ=='), /does not decompress/],
      ['an input for a field that is not a file field', (j) => ((j.inputs[0] as { field: string }).field = 'model.preset'), /malformed job: inputs\.0/],
      ['a carried file for a scenario without one', (j) => delete (j.raw.clients as Record<string, unknown>).file && ((j.raw.clients as Record<string, unknown>).count = 2), /carries clients\.file but its scenario has none/],
      ['an extra top-level key', (j) => ((j as unknown as Record<string, unknown>).cwd = '/'), /malformed job/],
      ['a run id that is a path', (j) => (j.runId = '../../x'), /malformed job: runId/],
    ];
    for (const [what, spoil, why] of variants) {
      const { parent, work, data } = workFolder();
      const job = structuredClone(good);
      spoil(job);
      const err = await prepareRun(job, work, data).then(() => null, (e: Error) => e);
      expect(err, what).toBeInstanceOf(JobInputError);
      expect(err!.message, what).toMatch(why);
      expect((err as JobInputError).exitCode).toBe(2);
      expect(readdirSync(parent).sort(), what).toEqual(['data', 'work']); // nothing written beside the folder
    }
    // An absolute device path that IS carried: the worker reads its own copy, not the path.
    const { work, data } = workFolder();
    const abs = structuredClone(good);
    (abs.raw.clients as Record<string, unknown>).file = '/etc/passwd';
    (abs.inputs[0] as { given: string }).given = '/etc/passwd';
    const prepared = await prepareRun(abs, work, data);
    expect((prepared.task.raw.clients as { file: string }).file).toBe('inputs/clients');
    expect(readFileSync(join(work, 'inputs', 'clients'), 'utf8')).toBe(DEVICES);
  });
});

describe('datasets on the worker', () => {
  const gsm = (n: number, pad = '') =>
    Array.from({ length: n }, (_, i) => JSON.stringify({ question: `What is ${i} + 1?${pad}`, answer: `${i} + 1 = ${i + 1}\n#### ${i + 1}` })).join('\n') + '\n';
  const dataScenario = (path: string) => `${SCENARIO.replace('  file: ../devices/lab.csv', '  count: 3')}training:\n  data: { source: gsm8k, path: ${path}, records: 40, testFraction: 0.25 }\n`;

  it('carries a small data folder and the data loader reads the worker\'s copy', async () => {
    const dir = join(root, 'small-data');
    mkdirSync(join(dir, 'mydata'), { recursive: true });
    writeFileSync(join(dir, 'mydata', 'train.jsonl'), gsm(40));
    writeFileSync(join(dir, 'mydata', 'test.jsonl'), gsm(8));
    writeFileSync(join(dir, 's.yaml'), dataScenario('mydata'));
    const task = taskOf(join(dir, 's.yaml'), join(dir, 'out'));
    const job = await buildJob(task);
    expect(job.inputs.map((i) => [i.field, i.kind])).toEqual([['training.data.path', 'dir']]);
    const { work, data } = workFolder();
    const prepared = await prepareRun(job, work, data);
    const path = ((prepared.task.raw.training as Record<string, Record<string, string>>).data!).path!;
    expect(path).toBe(join(work, 'inputs', 'data'));
    expect(readdirSync(path).sort()).toEqual(['test.jsonl', 'train.jsonl']);
    const opts = { seed: 5, clients: 3 };
    const mine = loadFederatedData((task.raw.training as { data: object }).data, { ...opts, baseDir: task.baseDir });
    const theirs = loadFederatedData((prepared.task.raw.training as { data: object }).data, { ...opts, baseDir: work });
    expect(theirs.clientRecords).toEqual(mine.clientRecords);
    expect(theirs.testTexts).toEqual(mine.testTexts);
  });

  it('sends a large dataset by name; the worker uses its own copy only if it is the same', async () => {
    const dir = join(root, 'big-data');
    mkdirSync(join(dir, 'data', 'bigset'), { recursive: true });
    const train = gsm(200, ' '.repeat(Math.ceil(CARRY_LIMIT_BYTES / 200)));
    writeFileSync(join(dir, 'data', 'bigset', 'train.jsonl'), train);
    writeFileSync(join(dir, 's.yaml'), dataScenario('data/bigset'));
    const job = await buildJob(taskOf(join(dir, 's.yaml'), join(dir, 'out')));
    expect(job.inputs).toEqual([{ kind: 'named', field: 'training.data.path', given: 'data/bigset', name: 'bigset', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(JSON.stringify(job).length).toBeLessThan(10_000);

    const same = workFolder();
    mkdirSync(join(same.data, 'bigset'));
    writeFileSync(join(same.data, 'bigset', 'train.jsonl'), train);
    const prepared = await prepareRun(job, same.work, same.data);
    expect((prepared.task.raw.training as { data: { path: string } }).data.path).toBe(join(same.data, 'bigset'));

    const other = workFolder();
    mkdirSync(join(other.data, 'bigset'));
    writeFileSync(join(other.data, 'bigset', 'train.jsonl'), gsm(200));
    await expect(prepareRun(job, other.work, other.data)).rejects.toThrow(/differs from the submitter's copy/);
    const missing = workFolder();
    const err = await prepareRun(job, missing.work, missing.data).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(WorkerSetupError); // retried: another worker may have it
    expect(err!.message).toMatch(/"bigset" is not in the worker's data folder/);
  });

  it('looks a dataset name up only inside the data folder: no paths, no .., no links out', () => {
    const { parent, data } = workFolder();
    mkdirSync(join(parent, 'secret'));
    writeFileSync(join(parent, 'secret', 'train.jsonl'), 'x');
    symlinkSync(join(parent, 'secret'), join(data, 'escape'));
    mkdirSync(join(data, 'fine'));
    for (const name of ['/etc', '../secret', '..', '.', '', 'a/b', 'fine/../../secret', 'a\\b']) {
      expect(() => resolveDatasetName(data, name), name).toThrow(JobInputError);
    }
    expect(() => resolveDatasetName(data, 'escape')).toThrow(/leads outside it/);
    expect(resolveDatasetName(data, 'fine')).toBe(join(data, 'fine'));
  });

  it('refuses a dataset whose files link outside the data folder', async () => {
    const dir = join(root, 'link-data');
    mkdirSync(join(dir, 'linked'), { recursive: true });
    writeFileSync(join(dir, 'linked', 'train.jsonl'), gsm(20, ' '.repeat(CARRY_LIMIT_BYTES / 10)));
    writeFileSync(join(dir, 's.yaml'), dataScenario('linked'));
    const job = await buildJob(taskOf(join(dir, 's.yaml'), join(dir, 'out')));
    expect(job.inputs[0]!.kind).toBe('named');
    const { parent, work, data } = workFolder();
    mkdirSync(join(parent, 'secret'));
    writeFileSync(join(parent, 'secret', 'train.jsonl'), gsm(20, ' '.repeat(CARRY_LIMIT_BYTES / 10)));
    mkdirSync(join(data, 'linked'));
    symlinkSync(join(parent, 'secret', 'train.jsonl'), join(data, 'linked', 'train.jsonl'));
    await expect(prepareRun(job, work, data)).rejects.toThrow(/leads outside it \(linked\/train\.jsonl is a link to/);
  });
});
